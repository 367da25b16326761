"""A real server on a free loopback port, over real HTTP, on the sample library."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from api import create_app
from api.server import server_config
from provenance.config import Settings
from provenance.library.library import Library
from service.keys import KeyStore


@dataclass
class Server:
    url: str
    settings: Settings
    uvicorn: uvicorn.Server
    thread: threading.Thread

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120)

    def stop(self) -> None:
        self.uvicorn.should_exit = True
        self.thread.join(timeout=30)


def start_server(settings: Settings, require_auth: bool = True) -> Server:
    app = create_app(settings, require_auth=require_auth, callback_backoff=0.05)
    server = uvicorn.Server(server_config(app, settings, "127.0.0.1", 0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return Server(f"http://127.0.0.1:{port}", settings, server, thread)


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start servers (settings, require_auth); all are stopped after the test."""
    started: list[Server] = []

    def start(settings: Settings, require_auth: bool = True) -> Server:
        server = start_server(settings, require_auth)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@dataclass(frozen=True)
class Keys:
    check: str
    ingest: str
    admin: str


@pytest.fixture
def keys(library: Library) -> Keys:
    store = KeyStore(library.sessions)
    return Keys(
        check=store.create("desk", ["check"]).secret,
        ingest=store.create("archive", ["ingest"]).secret,
        admin=store.create("ops", ["admin"]).secret,
    )


@pytest.fixture
def server(sample_library: Library, keys: Keys, serve: Callable[..., Server]) -> Server:
    """Keys required; the four sample originals in the library."""
    return serve(sample_library.settings)
