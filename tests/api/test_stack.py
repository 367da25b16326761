"""The deployable stack replayed as local processes (docker/compose.yaml's topology):
PostgreSQL and Redis on this machine, one `provenance serve` with the broker configured,
two `provenance worker` processes. Checks are answered by the workers; a batch finishes
with a worker killed (kill -9) in the middle, nothing lost or doubled; a full queue of
checks answers 429."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import COPIES, ORIGINALS, POSTGRES_URL

REDIS_URL = os.environ.get("PROVENANCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
DATABASE = "provenance_workers_test"
PORTS = range(18520, 18600)
VISIBILITY_TIMEOUT = 5
QUEUE_MAX = 2


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not POSTGRES_URL, reason="PROVENANCE_TEST_POSTGRES_URL is not set (make test sets it)"),
    pytest.mark.skipif(not _redis_up(), reason=f"no Redis at {REDIS_URL} (.ci/run starts one)"),
]


@dataclass
class Stack:
    url: str
    key: str
    environment: dict[str, str]
    database_url: str
    workers: dict[str, subprocess.Popen[str]]
    logs: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=180)

    def worker_log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text()


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18520-18599")


def _fresh_database() -> str:
    """A database of this test's own, emptied: other tests use the `test` database."""
    admin = create_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    return make_url(POSTGRES_URL or "").set(database=DATABASE).render_as_string(hide_password=False)


def _command(environment: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "cli", *args], env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    database_url = _fresh_database()
    environment = {
        **os.environ,
        "PROVENANCE_HOME": str(tmp_path / "home"),
        "PROVENANCE_DATABASE_URL": database_url,
        "PROVENANCE_BROKER_URL": REDIS_URL,
        "PROVENANCE_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "PROVENANCE_INTERACTIVE_QUEUE_MAX": str(QUEUE_MAX),
        "PROVENANCE_RETRY_BACKOFF": "0.5",
    }
    _command(environment, "ingest", str(ORIGINALS))
    key = _command(environment, "keys", "create", "stack", "--scope", "check").strip().splitlines()[-1]
    port = free_port()
    processes: list[subprocess.Popen[str]] = []

    def start(name: str, *args: str) -> subprocess.Popen[str]:
        log = (tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", *args], env=environment, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        processes.append(process)
        return process

    start("serve", "serve", "--port", str(port))
    workers = {name: start(name, "worker", "--name", f"{name}@stack") for name in ("w1", "w2")}
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url), "provenance serve did not start")
        wait_for(lambda: all("ready" in (tmp_path / f"{n}.log").read_text() for n in workers), "workers not ready")
        yield Stack(url, key, environment, database_url, workers, tmp_path)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz").status_code == 200
    except httpx.TransportError:
        return False


def wait_for(condition: Callable[[], bool], message: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.2)


def test_the_stack_checks_in_workers_survives_a_killed_worker_and_bounds_its_queue(stack: Stack) -> None:
    copy = (COPIES / "dune_half_q40.jpg").read_bytes()
    with stack.client() as http:
        # A check is answered by a worker.
        answer = http.post("/v1/checks", files={"file": ("copy.jpg", copy)})
        assert answer.status_code == 201 and answer.json()["verdict"] == "copy"
        logs = [stack.worker_log(name) for name in ("w1", "w2")]
        assert any("provenance.check[" in log and "succeeded" in log for log in logs)

        # Workers paused: checks pile up in the queue until it holds QUEUE_MAX, then 429 with Retry-After.
        broker = redis.Redis.from_url(REDIS_URL)

        def one() -> httpx.Response:
            with stack.client() as desk:
                return desk.post("/v1/checks", files={"file": ("copy.jpg", copy)})

        for process in stack.workers.values():
            process.send_signal(signal.SIGSTOP)
        with ThreadPoolExecutor(8) as pool:
            waiting = []
            while broker.llen("interactive") < QUEUE_MAX and len(waiting) < 8:
                waiting.append(pool.submit(one))
                time.sleep(1)
            refused = one()
            for process in stack.workers.values():
                process.send_signal(signal.SIGCONT)
            assert [future.result().status_code for future in waiting] == [201] * len(waiting)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "queue_full"
        assert int(refused.headers["Retry-After"]) >= 1

        # A batch of 30; one worker is killed while it holds a task.
        photos = sorted(p for p in COPIES.glob("*") if p.suffix.lower() in {".jpg", ".png", ".webp"})
        chosen = [photos[n % len(photos)] for n in range(30)]
        files = [("files", (f"{n}-{photo.name}", photo.read_bytes())) for n, photo in enumerate(chosen)]
        batch = http.post("/v1/batches", files=files)
        assert batch.status_code == 202
        batch_id = batch.json()["id"]
        wait_for(lambda: http.get(f"/v1/batches/{batch_id}").json()["done"] >= 5, "the batch did not start")
        wait_for(lambda: broker.hlen("unacked") >= 2, "the workers hold no task", seconds=30)
        stack.workers["w1"].send_signal(signal.SIGKILL)
        stack.workers["w1"].wait(timeout=10)
        wait_for(lambda: http.get(f"/v1/batches/{batch_id}").json()["status"] == "done", "batch unfinished", 300)
        finished = http.get(f"/v1/batches/{batch_id}").json()

    assert finished["done"] == finished["total"] == 30
    assert [item["position"] for item in finished["items"]] == list(range(30))
    assert all(item["check"] is not None and item["status"] in ("done", "error") for item in finished["items"])
    assert not any(item["check"].get("error", {}).get("code") == "internal_error" for item in finished["items"])
    engine = create_engine(stack.database_url)
    with engine.connect() as connection:
        counts = connection.execute(
            text("SELECT position, count(*) FROM checks WHERE batch_id = :b GROUP BY position ORDER BY position"),
            {"b": batch_id},
        ).all()
    engine.dispose()
    assert [tuple(row) for row in counts] == [(position, 1) for position in range(30)]
    assert stack.workers["w2"].poll() is None and "Traceback" not in stack.worker_log("w2")
