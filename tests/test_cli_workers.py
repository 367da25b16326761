"""`provenance worker`, `serve --workers` and `loadtest` as a user runs them (no broker needed here;
the stack with Redis and PostgreSQL is tests/api/test_stack.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from provenance.library.search import REFRESH_SECONDS
from tests.api.test_stack import free_port, wait_for
from tests.conftest import COPIES, ORIGINALS
from tests.test_cli import run

pytestmark = pytest.mark.slow


def test_worker_needs_a_broker_and_known_queues(tmp_path: Path) -> None:
    missing = run(tmp_path / "home", "worker", env={"PROVENANCE_BROKER_URL": ""})
    assert missing.returncode == 2 and "PROVENANCE_BROKER_URL" in missing.stderr
    wrong = run(tmp_path / "home", "worker", "--queues", "urgent", env={"PROVENANCE_BROKER_URL": "redis://127.0.0.1:1/0"})
    assert wrong.returncode == 2 and "unknown queue urgent" in wrong.stderr


def test_no_auth_is_one_process_only(tmp_path: Path) -> None:
    refused = run(tmp_path / "home", "serve", "--no-auth", "--workers", "2")
    assert refused.returncode == 2 and "--workers" in refused.stderr


def test_serve_workers_share_the_library_and_loadtest_measures_them(tmp_path: Path) -> None:
    """Two API processes on one port: an original ingested through one is found by both."""
    home = tmp_path / "home"
    assert run(home, "ingest", str(ORIGINALS / "Dune.jpg")).returncode == 0
    key = run(home, "keys", "create", "desk", "--scope", "admin").stdout.strip().splitlines()[-1]
    port = free_port()
    environment = {**os.environ, "PROVENANCE_HOME": str(home), "PROVENANCE_API_KEY": key}
    for name in ("PROVENANCE_DATABASE_URL", "PROVENANCE_BROKER_URL"):
        environment.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", "2"],
        env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url), "provenance serve --workers 2 did not start")
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as http:
            copy = (COPIES / "ladybird_brighter.jpg").read_bytes()
            assert http.post("/v1/checks", files={"file": ("c.jpg", copy)}).json()["verdict"] == "unknown"
            original = (ORIGINALS / "LadyBird.jpg").read_bytes()
            assert http.post("/v1/references", files={"file": ("LadyBird.jpg", original)}).status_code == 201
            time.sleep(REFRESH_SECONDS + 0.2)
            verdicts = {http.post("/v1/checks", files={"file": ("c.jpg", copy)}).json()["verdict"] for _ in range(6)}
            assert verdicts == {"copy"}
        measured = subprocess.run(
            [sys.executable, "-m", "cli", "loadtest", url, "--clients", "2", "--duration", "3", "--batch", "2",
             "--copies", str(COPIES), "--pid", str(server.pid), "--json"],
            env=environment, capture_output=True, text=True, timeout=300,
        )
        assert measured.returncode == 0, measured.stderr
        result = json.loads(measured.stdout)
        assert result["checks"] > 0 and result["statuses"].get("201") == result["checks"] and result["errors"] == 0
        assert result["p50_ms"] <= result["p99_ms"] and result["rss_mib"][str(server.pid)]["max"] > 50
        assert result["batch"]["total"] == 2
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Traceback" not in output, output


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz").status_code == 200
    except httpx.TransportError:
        return False
