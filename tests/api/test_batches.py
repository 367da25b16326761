"""Batches in the background, and the signed webhook received by a local test server."""

from __future__ import annotations

import io
import json
import queue
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.client import Client
from provenance.config import Settings
from provenance.library.library import Library
from service.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify
from tests.api.conftest import Keys, Server
from tests.conftest import COPIES, ORIGINALS

pytestmark = pytest.mark.store

SECRET = "test-webhook-secret"


class Receiver:
    """A local HTTP server that keeps what it is sent; it refuses the first call when asked
    to, so that the retry is tested too."""

    def __init__(self, fail_first: bool = False) -> None:
        self.calls: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        self.failures_left = 1 if fail_first else 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failures_left:
                    receiver.failures_left -= 1
                    self.send_response(503)
                else:
                    receiver.calls.put((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/provenance"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(fail_first=True)
    yield receiver
    receiver.close()


@pytest.fixture
def signing_server(sample_library: Library, keys: Keys, serve: Callable[..., Server]) -> Server:
    return serve(sample_library.settings.model_copy(update={"webhook_secret": SECRET}))


def test_batch_with_zip_runs_in_background_and_calls_back_signed(
    signing_server: Server, keys: Keys, receiver: Receiver
) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(COPIES / "elephants.png", "desk/elephants.png")
        zipped.write(COPIES / "truncated.jpg", "desk/truncated.jpg")
    files = [
        ("dune_half_q40.jpg", (COPIES / "dune_half_q40.jpg").read_bytes()),
        ("photos.zip", archive.getvalue()),
        ("storm.jpg", (COPIES / "storm_not_in_library.jpg").read_bytes()),
    ]
    with Client(signing_server.url, keys.check) as client:
        accepted = client.create_batch(files, callback_url=receiver.url)
        assert accepted["status"] in ("queued", "running", "done") and accepted["total"] == 4
        assert [item["filename"] for item in accepted["items"]] == [
            "dune_half_q40.jpg", "elephants.png", "truncated.jpg", "storm.jpg"
        ]
        headers, body = receiver.calls.get(timeout=120)
        finished = client.batch(accepted["id"])
        for _ in range(100):  # the runner records the delivery just after the receiver answers
            if finished["callback"]["status"] != "pending":
                break
            time.sleep(0.05)
            finished = client.batch(accepted["id"])

    assert verify(SECRET, body, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    assert not verify("another-secret", body, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    assert not verify(SECRET, body + b" ", headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    assert headers["X-Provenance-Event"] == "batch.finished"
    payload = json.loads(body)
    assert payload["id"] == accepted["id"] and payload["status"] == "done"
    assert (payload["total"], payload["done"], payload["failed"]) == (4, 4, 1)
    verdicts = [item["check"].get("verdict") for item in payload["items"]]
    assert verdicts == ["copy", "copy", None, "unknown"]
    assert payload["items"][2]["check"]["error"]["code"] == "corrupt_image"
    assert payload["items"][0]["check"]["evidence"].endswith("/evidence.png")
    assert finished["callback"] == {"url": receiver.url, "status": "delivered", "error": None}
    assert [i["check"]["id"] for i in finished["items"]] == [i["check"]["id"] for i in payload["items"]]


def test_signature_rejects_old_timestamps() -> None:
    body = b'{"id": "x"}'
    signature = sign(SECRET, 1_000_000, body)
    assert verify(SECRET, body, signature, "1000000", now=1_000_100)
    assert not verify(SECRET, body, signature, "1000000", now=1_000_000 + 301)
    assert not verify(SECRET, body, None, "1000000") and not verify(SECRET, body, signature, "soon")


def test_unfinished_batch_resumes_after_a_restart(
    sample_library: Library, keys: Keys, serve: Callable[..., Server]
) -> None:
    """A batch recorded and spooled but not run (the server stopped) is checked at the next start."""
    from provenance.store import open_blobs
    from service.batches import BatchRunner
    from service.checks import CheckStore

    settings: Settings = sample_library.settings
    checks = CheckStore(sample_library, open_blobs(settings, "evidence"))
    runner = BatchRunner(settings, checks, lambda check_id: f"/v1/checks/{check_id}/evidence.png")
    runner.close()  # stopped before it runs anything, as after a crash
    with (ORIGINALS / "Wood.jpg").open("rb") as photo:
        batch = runner.create([("Wood.jpg", photo)])
    assert runner.get(batch.id).status == "queued"
    server = serve(settings)
    with Client(server.url, keys.check) as client:
        done = client.wait_for_batch(batch.id, timeout=120)
    assert done["items"][0]["check"]["verdict"] == "identical"
    assert not list(runner.spool.list(f"{batch.id}/")), "a finished batch leaves nothing in the spool"
