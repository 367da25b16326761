"""No Docker engine runs here, so the image's steps are replayed: the files it copies,
its install command (the README's), its command and its health check."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "docker" / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


@pytest.mark.slow
def test_image_steps_install_serve_and_pass_the_health_check(tmp_path: Path) -> None:
    install = next(r for r in instructions("RUN") if r.startswith("pip install"))
    assert install in (ROOT / "README.md").read_text(), "the README and the image install the same way"

    context = tmp_path / "app"
    context.mkdir()
    for copy in instructions("COPY"):
        *sources, _target = copy.split()
        for source in sources:
            (shutil.copytree if (ROOT / source).is_dir() else shutil.copy)(ROOT / source, context / source)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    arguments = [a for a in shlex.split(install)[2:] if a != "--no-cache-dir"]  # the cache only saves time here
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *arguments], cwd=context,
                               capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    command = [*json.loads(instructions("ENTRYPOINT")[0]), *json.loads(instructions("CMD")[-1])]
    command = [port if a == "8000" else "127.0.0.1" if a == "0.0.0.0" else a for a in command]
    environment = {**os.environ, "PROVENANCE_HOME": str(tmp_path / "data")}
    environment.pop("PROVENANCE_DATABASE_URL", None)
    server = subprocess.Popen([str(venv / "bin" / command[0]), *command[1:]], env=environment, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = json.loads(re.search(r"CMD (\[.*\])", instructions("HEALTHCHECK")[0]).group(1))
        health = [str(venv / "bin" / "python"), *[a.replace(":8000/", f":{port}/") for a in health[1:]]]
        for _ in range(300):
            if subprocess.run(health, capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the image's health check never passed")
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "Check a photo" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/static/check.js").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/v1/references").status_code == 401, "keys are required"
    finally:
        server.terminate()
        server.wait(timeout=30)
