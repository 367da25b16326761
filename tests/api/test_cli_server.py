"""The commands around the server, as a user runs them: `provenance keys`,
`provenance serve`, and `provenance check --remote`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import COPIES, ORIGINALS
from tests.test_cli import json_lines, run

pytestmark = pytest.mark.slow  # every test here runs the installed command or a server process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    assert run(tmp_path / "home", "ingest", str(ORIGINALS)).returncode == 0
    return tmp_path / "home"


@contextmanager
def run_server(home: Path, environment: dict[str, str] | None = None) -> Iterator[str]:
    """`provenance serve` in its own process, keys required, with these extra
    PROVENANCE_* variables; stopped when the block ends."""
    port = free_port()
    environment = {**os.environ, "PROVENANCE_HOME": str(home), **(environment or {})}
    environment.pop("PROVENANCE_DATABASE_URL", None)
    log = home.parent / f"serve-{port}.log"  # a file, not a pipe: a full pipe would block the server
    home.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port)],
            env=environment, stdout=sink, stderr=subprocess.STDOUT, text=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("provenance serve did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        output = log.read_text()
        assert "Traceback" not in output, output[-5000:]


@pytest.fixture
def served(home: Path) -> Iterator[str]:
    with run_server(home) as url:
        yield url


def test_keys_commands(home: Path) -> None:
    created = run(home, "keys", "create", "cms", "--scope", "check", "--scope", "ingest")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("prv_") and "cannot be shown again" in created.stderr
    listed = json_lines(run(home, "keys", "list", "--json").stdout)
    assert [(k["name"], k["scopes"], k["revoked_at"]) for k in listed] == [("cms", ["check", "ingest"], None)]
    assert secret not in json.dumps(listed) and listed[0]["prefix"] == secret[:10]
    assert run(home, "keys", "revoke", str(listed[0]["id"])).returncode == 0
    assert json_lines(run(home, "keys", "list", "--json").stdout)[0]["revoked_at"]
    refused = run(home, "keys", "create", "x", "--scope", "owner")
    assert refused.returncode == 2 and "scopes must be among" in refused.stderr


def test_no_auth_only_on_loopback(home: Path) -> None:
    refused = run(home, "serve", "--no-auth", "--host", "0.0.0.0")
    assert refused.returncode == 2 and "--no-auth" in refused.stderr


def test_check_remote_gives_the_local_reports(home: Path, served: str, tmp_path: Path) -> None:
    secret = run(home, "keys", "create", "cli").stdout.strip()
    inputs = [str(COPIES / name) for name in ("dune_half_q40.jpg", "truncated.jpg", "storm_not_in_library.jpg")]
    local = json_lines(run(home, "check", "--json", *inputs).stdout)
    evidence = tmp_path / "evidence"
    remote = run(tmp_path / "elsewhere", "check", "--json", "--remote", served, "--evidence", str(evidence), *inputs,
                 env={"PROVENANCE_API_KEY": secret})
    assert remote.returncode == 1, remote.stderr  # the truncated file
    reports = json_lines(remote.stdout)
    assert [r["input"]["path"] for r in reports] == inputs
    assert [r.get("verdict") for r in reports] == [r.get("verdict") for r in local] == ["copy", None, "unknown"]
    assert reports[1]["error"]["code"] == local[1]["error"]["code"] == "corrupt_image"
    assert reports[0]["matches"] == local[0]["matches"]
    assert Path(reports[0]["evidence"]).read_bytes().startswith(b"\x89PNG")


def test_check_remote_with_a_bad_key_says_so(served: str, tmp_path: Path) -> None:
    result = run(tmp_path / "home", "check", "--remote", served, str(COPIES / "elephants.png"),
                 env={"PROVENANCE_API_KEY": "prv_wrong"})
    assert result.returncode == 2 and "unknown or revoked" in result.stderr and "Traceback" not in result.stderr
    unreachable = run(tmp_path / "home", "check", "--remote", "http://127.0.0.1:9", str(COPIES / "elephants.png"))
    assert unreachable.returncode == 2 and "cannot reach" in unreachable.stderr
