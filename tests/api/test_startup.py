"""One way to open the services, for the API and the CLI; only the API runs batches."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from provenance.config import Settings
from provenance.library.library import Library
from service.startup import open_services
from tests.api.conftest import Keys, Server
from tests.conftest import ORIGINALS

pytestmark = pytest.mark.store


def batch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("provenance-batch")]


def test_opening_the_services_starts_no_batch_thread(settings: Settings) -> None:
    services = open_services(settings)
    try:
        assert services.keys.list() == [] and services.library.count() == 0
        assert batch_threads() == []
    finally:
        services.close()


def test_the_api_starts_the_batch_runner_and_stops_it(
    sample_library: Library, keys: Keys, serve: Callable[..., Server]
) -> None:
    server = serve(sample_library.settings)
    with server.client(keys.check) as http:
        accepted = http.post("/v1/batches", files=[("files", ("Wood.jpg", (ORIGINALS / "Wood.jpg").read_bytes()))])
        assert accepted.status_code == 202 and batch_threads()
    server.stop()
    assert batch_threads() == []
