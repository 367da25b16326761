"""Hostile requests over real HTTP: out-of-range ids, wrong-scope bodies, floods, other
keys' checks, odd file names, wrong statuses. Each answer is a JSON error with the
status the README documents, never a 500."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from provenance.config import Settings
from provenance.library.library import Library
from service.checks import clean_filename
from service.keys import KeyStore
from tests.api.conftest import Keys, Server
from tests.api.test_limits import assert_error
from tests.conftest import COPIES

SMALL = COPIES / "elephants_thumb.jpg"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/references/99999999999999999999"),
        ("GET", "/v1/references/2147483648"),
        ("GET", "/v1/references/-1"),
        ("GET", "/v1/references/99999999999999999999/thumbnail.jpg"),
        ("DELETE", "/v1/references/99999999999999999999"),
        ("GET", "/v1/references?offset=99999999999999999999"),
        ("GET", "/v1/references?offset=9223372036854775808"),
        ("GET", "/v1/references?limit=99999999999999999999"),
        ("GET", "/v1/checks/not-a-check-id"),
        ("GET", "/v1/checks/" + "a" * 5000 + "/evidence.png"),
        ("GET", "/v1/batches/%00"),
    ],
)
def test_out_of_range_ids_and_offsets_are_422(server: Server, keys: Keys, method: str, path: str) -> None:
    with server.client(keys.admin) as http:
        assert_error(http.request(method, path), 422, "invalid_request")


def test_largest_id_is_a_plain_404(server: Server, keys: Keys) -> None:
    with server.client(keys.admin) as http:
        assert_error(http.get("/v1/references/2147483647"), 404, "not_found")
        assert_error(http.get("/v1/checks/" + "0" * 32), 404, "not_found")


def test_wrong_scope_is_refused_before_the_body_is_read(server: Server, keys: Keys) -> None:
    """Before: the 100 MB body of a key without the scope was read in full, then 403."""
    sent = {"bytes": 0}

    def endless() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        for _ in range(1600):  # 100 MiB
            sent["bytes"] += 65536
            yield b"\0" * 65536

    for path, key in (("/v1/checks", keys.ingest), ("/v1/batches", keys.ingest), ("/v1/references", keys.check)):
        sent["bytes"] = 0
        with server.client(key) as http:
            answer = http.post(path, content=endless(), headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert_error(answer, 403, "forbidden")
        assert sent["bytes"] < 100 * 2**20, (path, sent)


def test_form_field_flood_is_413_too_many_fields(server: Server, keys: Keys) -> None:
    fields = {f"field{i}": "x" for i in range(60)}
    with server.client(keys.check) as http:
        answer = http.post("/v1/checks", files={"file": (SMALL.name, SMALL.read_bytes())}, data=fields)
    assert_error(answer, 413, "too_many_fields")


def test_bad_claimed_date_is_422(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        answer = http.post("/v1/checks", files={"file": (SMALL.name, SMALL.read_bytes())},
                           data={"claimed_date": "last tuesday"})
    assert_error(answer, 422, "invalid_input")
    assert "ISO 8601" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/v1/references", "GET, POST"),
        ("POST", "/v1/references/1", "DELETE, GET"),
        ("DELETE", "/v1/checks", "POST"),
        ("PATCH", "/v1/batches/" + "0" * 32, "GET"),
    ],
)
def test_405_names_every_allowed_method(server: Server, keys: Keys, method: str, path: str, allow: str) -> None:
    with server.client(keys.admin) as http:
        answer = http.request(method, path)
    assert_error(answer, 405, "method_not_allowed")
    assert answer.headers["allow"] == allow


def raw_exchange(server: Server, requests: list[bytes]) -> list[bytes]:
    """Send each request on one connection and read each answer; b"" once it is closed."""
    host, port = server.url.removeprefix("http://").split(":")
    answers = []
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        reader = connection.makefile("rb")
        for request in requests:
            connection.sendall(request)
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                byte = reader.read(1)
                if not byte:
                    break
                head += byte
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            answers.append(head + reader.read(length))
    return answers


def test_an_unexpected_failure_is_a_json_500_on_a_connection_kept_alive(
    server: Server, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the 500 was sent and the keep-alive connection closed under the client."""

    def fails(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("a fault injected by the test")

    monkeypatch.setattr(Library, "count", fails)
    get = f"GET /v1/references HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {keys.check}\r\n\r\n".encode()
    health = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    failed, after = raw_exchange(server, [get, health])
    head, _, body = failed.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 500") and b"connection: close" not in head.lower()
    assert json.loads(body)["error"]["code"] == "internal_error" and b"a fault injected" not in body
    assert after.startswith(b"HTTP/1.1 200") and after.endswith(b'{"status":"ok"}')


@pytest.fixture
def two_desks(library: Library) -> tuple[str, str]:
    store = KeyStore(library.sessions)
    return store.create("desk-a", ["check"]).secret, store.create("desk-b", ["check"]).secret


def test_checks_and_batches_are_visible_to_their_key_and_admins_only(
    server: Server, keys: Keys, two_desks: tuple[str, str]
) -> None:
    """Before: any key with the check scope read any other key's checks, evidence and batches."""
    desk_a, desk_b = two_desks
    with server.client(desk_a) as http:
        check = http.post("/v1/checks", files={"file": (SMALL.name, SMALL.read_bytes())}).json()
        batch = http.post("/v1/batches", files={"files": (SMALL.name, SMALL.read_bytes())}).json()
    paths = [f"/v1/checks/{check['id']}", check["evidence"], f"/v1/batches/{batch['id']}"]
    for key, expected in ((desk_a, 200), (keys.admin, 200), (desk_b, 404)):
        with server.client(key) as http:
            for path in paths:
                answer = http.get(path)
                assert answer.status_code == expected, (path, answer.text)
    with server.client(desk_b) as http:
        assert http.get(paths[0]).json()["error"]["message"] == f"no check with id {check['id']}"


def test_control_and_bidi_characters_leave_file_names(server: Server, keys: Keys) -> None:
    name = "holiday\u202egpj.exe\u200b\u2067.jpg"  # httpx percent-encodes the C0 controls itself
    with server.client(keys.check) as http:
        check = http.post("/v1/checks", files={"file": (name, SMALL.read_bytes())}).json()
        batch = http.post("/v1/batches", files={"files": (name, SMALL.read_bytes())}).json()
    assert check["input"]["path"] == "holidaygpj.exe.jpg"
    assert batch["items"][0]["filename"] == "holidaygpj.exe.jpg"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("a\x00b\x07\x1b[31mc\x7f.jpg", "ab[31mc.jpg"),
        ("\u2066\u061c\u200e\ufeff", "upload"),
        ("C:\\photos\\фото №1.jpg", "фото №1.jpg"),
        ("../../etc/passwd", "passwd"),
    ],
)
def test_clean_filename(given: str, kept: str) -> None:
    assert clean_filename(given) == kept


@pytest.fixture
def strict(sample_library: Library, keys: Keys, serve: Callable[..., Server]) -> Server:
    limits = {"rate_limit_per_minute": 5, "max_concurrent_checks": 2, "max_concurrent_checks_per_key": 1,
              "body_timeout": 4.0}
    return serve(sample_library.settings.model_copy(update=limits))


def test_rate_limit_per_key_answers_429_with_retry_after(strict: Server, keys: Keys) -> None:
    with strict.client(keys.check) as http:
        answers = [http.get("/v1/references?limit=1") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert_error(answers[-1], 429, "too_many_requests")
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 12
    with strict.client(keys.admin) as http:
        assert http.get("/v1/references?limit=1").status_code == 200, "another key has its own rate"


def held_upload(server: Server, key: str) -> socket.socket:
    """A check whose body has not all arrived yet: it holds a check slot."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)))
    connection.sendall(
        f"POST /v1/checks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n".encode()
    )
    return connection


def test_concurrent_checks_are_bounded_per_key_and_in_all(
    strict: Server, keys: Keys, two_desks: tuple[str, str]
) -> None:
    upload = {"file": (SMALL.name, SMALL.read_bytes())}
    first = held_upload(strict, keys.check)
    try:
        time.sleep(0.5)
        with strict.client(keys.check) as http:
            busy_key = http.post("/v1/checks", files=upload)
        assert_error(busy_key, 429, "too_many_requests")
        assert busy_key.headers["retry-after"] == "2"
        second = held_upload(strict, two_desks[0])
        try:
            time.sleep(0.5)
            with strict.client(two_desks[1]) as http:
                assert_error(http.post("/v1/checks", files=upload), 429, "too_many_requests")
                assert http.get("/v1/references?limit=1").status_code == 200, "reads are not checks"
        finally:
            second.close()
    finally:
        first.close()
    time.sleep(0.5)
    with strict.client(two_desks[1]) as http:
        assert http.post("/v1/checks", files=upload).status_code == 201, "slots are given back"


def test_a_trickled_body_is_cut_off_with_408(strict: Server, keys: Keys) -> None:
    connection = held_upload(strict, keys.admin)
    started = time.monotonic()
    with connection:
        connection.settimeout(30)
        answer = b""
        try:
            while not answer.endswith(b"}"):
                connection.sendall(b"y")
                time.sleep(0.2)
                connection.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    answer += connection.recv(4096)
                connection.setblocking(True)
        except OSError:
            pass
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b'"request_timeout"' in answer and time.monotonic() - started < 4.0 + 3


def test_demo_mode_shows_every_check(settings: Settings, serve: Callable[..., Server]) -> None:
    demo = serve(settings, require_auth=False)
    with httpx.Client(base_url=demo.url) as http:
        check = http.post("/v1/checks", files={"file": (SMALL.name, SMALL.read_bytes())}).json()
        assert http.get(f"/v1/checks/{check['id']}").status_code == 200
