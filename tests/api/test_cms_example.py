"""The README's CMS example works: the upload hook, and the batch with its signed callback."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.client import Client
from examples.cms_receiver import Verdicts, make_receiver, on_image_uploaded, submit_batch
from provenance.library.library import Library
from tests.api.conftest import Keys, Server
from tests.conftest import COPIES

SECRET = "cms-example-secret"


@pytest.fixture
def provenance_server(sample_library: Library, keys: Keys, serve: Callable[..., Server]) -> Server:
    allowed = {"webhook_secret": SECRET, "callback_allow": ["127.0.0.1"]}  # the receiver is on loopback
    return serve(sample_library.settings.model_copy(update=allowed))


@pytest.fixture
def verdicts(tmp_path: Path) -> Verdicts:
    return Verdicts(str(tmp_path / "verdicts.db"))


@pytest.fixture
def receiver_url(verdicts: Verdicts) -> Iterator[str]:
    receiver = make_receiver(verdicts, SECRET)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{receiver.server_address[1]}/provenance/callback"
    receiver.shutdown()
    receiver.server_close()


def test_upload_hook_stores_the_verdict(provenance_server: Server, keys: Keys, verdicts: Verdicts) -> None:
    with Client(provenance_server.url, keys.check) as client:
        on_image_uploaded(client, verdicts, "media-17", "a.jpg", (COPIES / "elephants_thumb.jpg").read_bytes())
        on_image_uploaded(client, verdicts, "media-18", "b.jpg", b"not an image")
    stored = verdicts.get("media-17")
    assert stored["verdict"] == "copy" and stored["original"].startswith("Demo Wire DEMO-0002")
    assert verdicts.get("media-18")["error"].startswith("not an image")


def test_batch_callback_is_verified_and_stored(
    provenance_server: Server, keys: Keys, verdicts: Verdicts, receiver_url: str
) -> None:
    images = {"media-1": (COPIES / "wood_rotated_grey.jpg").read_bytes(),
              "media-2": (COPIES / "storm_not_in_library.jpg").read_bytes()}
    with Client(provenance_server.url, keys.check) as client:
        submit_batch(client, images, receiver_url)
    for _ in range(600):
        if verdicts.get("media-2"):
            break
        time.sleep(0.1)
    assert verdicts.get("media-1")["verdict"] == "copy"
    assert verdicts.get("media-2")["verdict"] == "unknown"


def test_receiver_refuses_unsigned_callbacks(verdicts: Verdicts, receiver_url: str) -> None:
    import httpx

    forged = httpx.post(receiver_url, json={"items": [{"filename": "media-9", "check": {"verdict": "copy"}}]})
    assert forged.status_code == 401 and verdicts.get("media-9") is None
