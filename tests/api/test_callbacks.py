"""Callbacks against hostile receivers: refused addresses (after DNS and on redirects),
a receiver that trickles, one that answers 400 MB, one that talks too much; delivery off
the batch worker, so the next batch never waits for a receiver."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import ValidationError

from api.client import Client
from provenance.config import Settings
from provenance.library.library import Library
from service.webhooks import CallbackPolicy, deliver, redact_url
from tests.api.conftest import Keys, Server
from tests.conftest import COPIES

SECRET = "callback-secret"
LOOPBACK = CallbackPolicy(timeout=2.0, allow=("127.0.0.1",), attempts=1)


class Receiver:
    """A loopback HTTP server; `answer(handler)` writes each answer."""

    def __init__(self, answer: Callable[[BaseHTTPRequestHandler], None]) -> None:
        self.calls: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(dict(self.headers))
                answer(self)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[Callable[[Callable[[BaseHTTPRequestHandler], None]], Receiver]]:
    made: list[Receiver] = []

    def make(answer: Callable[[BaseHTTPRequestHandler], None]) -> Receiver:
        made.append(Receiver(answer))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def status(code: int, body: bytes = b"", headers: dict[str, str] | None = None):
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def trickle(handler: BaseHTTPRequestHandler) -> None:
    """A byte of the status line every 0.3 s, for ever (until the server hangs up)."""
    try:
        for byte in b"HTTP/1.1 200 OK\r\n" * 1000:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.3)
    except OSError:
        pass


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://0.0.0.0:{port}/hook",
        "http://224.0.0.1/hook",
        "http://240.0.0.1/hook",
    ],
)
def test_private_targets_are_refused_by_default(receivers, url: str) -> None:
    receiver = receivers(status(204))
    started = time.monotonic()
    delivery = deliver(url.format(port=receiver.port), "test", {"x": 1}, SECRET, CallbackPolicy(timeout=2.0))
    assert (delivery.delivered, delivery.error) == (False, "refused_address")
    assert receiver.calls == [] and time.monotonic() - started < 2


def test_allowed_hosts_and_networks_are_reached(receivers) -> None:
    receiver = receivers(status(204))
    for allow, host in [(("127.0.0.1",), "127.0.0.1"), (("127.0.0.0/8",), "127.0.0.1"), (("localhost",), "localhost")]:
        policy = CallbackPolicy(timeout=2.0, allow=allow, attempts=1)
        assert deliver(f"http://{host}:{receiver.port}/hook", "test", {}, SECRET, policy).delivered, allow
    assert receiver.calls[-1]["Host"] == f"localhost:{receiver.port}", "the Host header is the URL's, not the address"


def test_the_checked_address_is_the_one_connected_to(receivers, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the name resolves to an allowed address once, then to a refused one;
    the connection goes to the address that was checked, and the name is resolved once."""
    receiver = receivers(status(204))
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host, *args, **kwargs):
        if host == "rebind.example":
            asked.append(host)
            return real("127.0.0.1" if len(asked) == 1 else "10.9.9.9", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    delivery = deliver(f"http://rebind.example:{receiver.port}/hook", "test", {}, SECRET, LOOPBACK)
    assert delivery.delivered and asked == ["rebind.example"]
    assert receiver.calls[0]["Host"] == f"rebind.example:{receiver.port}"


def test_redirects_are_checked_like_the_first_address(receivers) -> None:
    final = receivers(status(204))
    to_final = receivers(status(307, headers={"Location": f"http://127.0.0.1:{final.port}/final"}))
    assert deliver(to_final.url, "test", {}, SECRET, LOOPBACK).delivered and len(final.calls) == 1
    to_metadata = receivers(status(307, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    assert deliver(to_metadata.url, "test", {}, SECRET, LOOPBACK).error == "refused_address"
    loop = receivers(status(308, headers={"Location": "/hook"}))
    assert deliver(loop.url, "test", {}, SECRET, LOOPBACK).error == "too_many_redirects"
    moved = receivers(status(302, headers={"Location": f"http://127.0.0.1:{final.port}/final"}))
    assert deliver(moved.url, "test", {}, SECRET, LOOPBACK).error == "receiver_error" and len(final.calls) == 1


def test_a_trickling_receiver_is_cut_off_at_the_deadline(receivers) -> None:
    receiver = receivers(trickle)
    policy = CallbackPolicy(timeout=1.0, allow=("127.0.0.1",), attempts=2, backoff=0.1)
    started = time.monotonic()
    delivery = deliver(receiver.url, "test", {}, SECRET, policy)
    elapsed = time.monotonic() - started
    assert (delivery.delivered, delivery.error) == (False, "timeout")
    assert len(receiver.calls) == 2 and elapsed < 2 * 1.0 + 0.1 + 1.0, elapsed


def test_a_huge_answer_is_not_read(receivers) -> None:
    sent = {"bytes": 0}

    def flood(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(400 * 2**20))
        handler.end_headers()
        try:
            for _ in range(400 * 16):
                handler.wfile.write(b"x" * 65536)
                sent["bytes"] += 65536
        except OSError:
            pass

    receiver = receivers(flood)
    started = time.monotonic()
    assert deliver(receiver.url, "test", {}, SECRET, LOOPBACK).delivered
    assert time.monotonic() - started < 2
    time.sleep(0.5)
    assert sent["bytes"] < 32 * 2**20, sent  # what the sockets' buffers took, not 400 MB


def test_the_receivers_words_are_never_shown(receivers) -> None:
    chatty = receivers(status(400, b"SSH-2.0-OpenSSH_9.6 internal service says hello"))
    delivery = deliver(chatty.url, "test", {}, SECRET, LOOPBACK)
    assert (delivery.delivered, delivery.error) == (False, "receiver_error")


def test_the_allow_list_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVENANCE_CALLBACK_ALLOW", " 127.0.0.1, 10.0.0.0/8 ,cms.internal")
    assert Settings().callback_allow == ["127.0.0.1", "10.0.0.0/8", "cms.internal"]
    monkeypatch.setenv("PROVENANCE_CALLBACK_ALLOW", "10.0.0.0/33")
    with pytest.raises(ValidationError, match=r"10\.0\.0\.0/33"):
        Settings()


def test_credentials_in_callback_urls_are_not_shown_back() -> None:
    assert redact_url("https://user:pa%40ss@cms.example:8443/hook?token=abc&x=1") == (
        "https://***@cms.example:8443/hook?token=***&x=***"
    )
    assert redact_url("https://cms.example/hook") == "https://cms.example/hook"


def wait_done(client: Client, batch_id: str, callback: bool = False, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        batch = client.batch(batch_id)
        if batch["status"] == "done" and (not callback or batch["callback"]["status"] != "pending"):
            return batch
        assert time.monotonic() < deadline, batch
        time.sleep(0.05)


def small() -> list[tuple[str, bytes]]:
    return [("a.jpg", (COPIES / "elephants_thumb.jpg").read_bytes())]


def test_batch_callbacks_to_loopback_are_refused_by_default(
    sample_library: Library, keys: Keys, serve: Callable[..., Server], receivers
) -> None:
    receiver = receivers(status(204))
    server = serve(sample_library.settings.model_copy(update={"webhook_secret": SECRET}))
    with Client(server.url, keys.check) as client:
        batch = client.create_batch(small(), callback_url=receiver.url.replace("//", "//cms:hunter2@") + "?token=t0p")
        done = wait_done(client, batch["id"], callback=True)
    assert done["callback"] == {
        "url": f"http://***@127.0.0.1:{receiver.port}/hook?token=***", "status": "failed", "error": "refused_address"
    }
    assert receiver.calls == []


def test_a_slow_receiver_never_delays_the_next_batch(
    sample_library: Library, keys: Keys, serve: Callable[..., Server], receivers
) -> None:
    """Before: a receiver trickling a byte every 5 s held the only batch worker (6 min 17 s)."""
    receiver = receivers(trickle)
    settings = sample_library.settings.model_copy(
        update={"webhook_secret": SECRET, "callback_allow": ["127.0.0.1"], "callback_timeout": 5.0}
    )
    server = serve(settings)
    with Client(server.url, keys.check) as client:
        first = client.create_batch(small(), callback_url=receiver.url)
        first_done = wait_done(client, first["id"])
        while not receiver.calls:  # the callback is under way
            time.sleep(0.05)
        second = client.create_batch(small())
        started = time.monotonic()
        wait_done(client, second["id"])
        assert time.monotonic() - started < settings.callback_timeout, "the next batch waited for the receiver"
        assert client.batch(first["id"])["callback"]["status"] == "pending"
        failed = wait_done(client, first["id"], callback=True, timeout=60)
    assert first_done["status"] == "done"
    assert failed["callback"]["status"] == "failed" and failed["callback"]["error"] == "timeout"
