"""The watchlist: an unknown check answered anew when its original is ingested later,
with the old answer kept, an event listed, and a signed webhook delivered."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from provenance.config import Settings
from provenance.folders import read_sidecar
from provenance.library.library import Library
from service.keys import KeyStore
from service.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.api.conftest import Server
from tests.conftest import COPIES, ORIGINALS

SECRET = "watch-secret"


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict, bytes]]]]:
    """A webhook receiver on loopback that keeps what it is sent."""
    received: list[tuple[dict, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


def test_unknown_check_is_answered_when_its_original_arrives(
    tmp_path: Path, serve: Callable[..., Server], receiver: tuple[str, list]
) -> None:
    url, received = receiver
    settings = Settings(home=tmp_path / "home", watch_callback_url=url, webhook_secret=SECRET)
    library = Library(settings)
    for name in ("Dune.jpg", "LadyBird.jpg", "Wood.jpg"):  # not yet the elephants
        library.ingest((ORIGINALS / name).read_bytes(), name, read_sidecar(str(ORIGINALS / name)))
    store = KeyStore(library.sessions)
    desk, archive = store.create("desk", ["check"]).secret, store.create("archive", ["ingest"]).secret
    library.close()
    server = serve(settings)

    with server.client(desk) as http:
        copy = COPIES / "elephants_pasted.jpg"
        first = http.post("/v1/checks", files={"file": (copy.name, copy.read_bytes(), "image/jpeg")}).json()
        assert first["verdict"] in ("unknown", "related")
        other = COPIES / "storm_not_in_library.jpg"
        unrelated = http.post("/v1/checks", files={"file": (other.name, other.read_bytes(), "image/jpeg")}).json()
        assert http.get("/v1/events").json() == []

    original = ORIGINALS / "Elephants.jpg"
    with server.client(archive) as http:
        added = http.post("/v1/references", files={"file": (original.name, original.read_bytes(), "image/jpeg")},
                          data={"source": "AFP", "external_id": "AFP-ELEPHANTS"})
        assert added.status_code == 201

    with server.client(desk) as http:
        deadline = time.monotonic() + 60
        while not (events := http.get("/v1/events").json()) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert len(events) == 1, "the re-check did not happen"
        event = events[0]
        assert event["previous_check_id"] == first["id"] and event["verdict"] == "altered"
        assert event["summary"].startswith(f"{first['verdict']} on ")
        assert "matches AFP original AFP-ELEPHANTS, ingested" in event["summary"]

        new = http.get(f"/v1/checks/{event['check_id']}").json()
        assert new["recheck_of"] == first["id"] and new["matches"][0]["reference"]["external_id"] == "AFP-ELEPHANTS"
        assert new["matches"][0]["regions"]  # the montage, outlined this time
        old = http.get(f"/v1/checks/{first['id']}").json()
        assert old["verdict"] == first["verdict"]  # the old answer stays in the history
        assert old["rechecked_as"] == [event["check_id"]]
        assert http.get(f"/v1/checks/{unrelated['id']}").json()["rechecked_as"] == []

    deadline = time.monotonic() + 30
    while not received and time.monotonic() < deadline:
        time.sleep(0.2)
    headers, body = received[0]
    assert verify(SECRET, body, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    payload = json.loads(body)
    assert payload["event"] == "watch.matched" and payload["check"]["id"] == event["check_id"]
    assert payload["previous"] == first["id"]


def test_cli_ingest_answers_the_watchlist(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    settings = Settings(home=tmp_path / "home")
    library = Library(settings)
    library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg")
    library.close()
    from service.models import Submission
    from service.startup import open_services

    services = open_services(settings)
    copy = (COPIES / "ladybird_brighter.jpg").read_bytes()
    before = services.checks.check(copy, "ladybird_brighter.jpg", Submission(), lambda i: f"/e/{i}")
    services.close()
    assert before.report["verdict"] == "unknown"

    environment = {**os.environ, "PROVENANCE_HOME": str(settings.home)}
    environment.pop("PROVENANCE_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cli", "ingest", str(ORIGINALS / "LadyBird.jpg")],
        capture_output=True, text=True, env=environment, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "watchlist: check" in result.stderr and "unknown on" in result.stderr
