"""Slowloris against `provenance serve` as a user runs it: a client trickling its request
headers (without a key) is cut off after PROVENANCE_HEADER_TIMEOUT while other clients
are served; before, it held the connection for as long as it kept sending."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.test_cli_server import run_server

pytestmark = pytest.mark.slow  # starts `provenance serve`

HEADER_TIMEOUT = 2.0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    with run_server(tmp_path / "home", {"PROVENANCE_HEADER_TIMEOUT": str(HEADER_TIMEOUT)}) as url:
        yield url


def trickle_headers(url: str, pause: float, limit: float) -> float:
    """Send a request's headers a byte at a time; the seconds until the server hung up."""
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port))) as connection:
        connection.settimeout(pause)
        for byte in b"POST /v1/checks HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 10_000:
            try:
                connection.sendall(bytes([byte]))
                if connection.recv(1) == b"":
                    break
            except TimeoutError:
                pass
            except OSError:
                break
            if time.monotonic() - started > limit:
                break
    return time.monotonic() - started


def test_trickled_headers_are_cut_off_and_others_are_served(served: str) -> None:
    results: list[float] = []

    slow = threading.Thread(target=lambda: results.append(trickle_headers(served, 0.2, limit=30)))
    slow.start()
    started = time.monotonic()
    while slow.is_alive():
        assert httpx.get(served + "/healthz", timeout=5).status_code == 200
        time.sleep(0.2)
    served_meanwhile = time.monotonic() - started
    assert HEADER_TIMEOUT - 0.5 <= results[0] <= HEADER_TIMEOUT + 2, results
    assert served_meanwhile >= HEADER_TIMEOUT - 0.5


def test_a_silent_connection_is_closed(served: str) -> None:
    host, port = served.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port))) as connection:
        connection.settimeout(30)
        assert connection.recv(1) == b""
    assert time.monotonic() - started <= HEADER_TIMEOUT + 2
