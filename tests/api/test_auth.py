"""API keys: 401 without a valid key, 403 without the scope, demo mode only when asked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from provenance.library.library import Library
from service.keys import KeyStore
from tests.api.conftest import Keys, Server
from tests.conftest import COPIES

pytestmark = pytest.mark.store

ELEPHANTS = COPIES / "elephants_thumb.jpg"


def test_missing_or_wrong_key_is_401(server: Server) -> None:
    for headers in ({}, {"Authorization": "Bearer prv_wrong"}, {"Authorization": "Basic dXNlcjpwdw=="}):
        with server.client() as http:
            answer = http.get("/v1/references", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json()["error"]["code"] == "unauthorized"
        assert answer.headers["www-authenticate"] == "Bearer"


def test_uploads_without_a_key_are_refused_before_the_body_is_read(server: Server) -> None:
    def endless():
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        for _ in range(2000):  # 128 MiB the server must not wait for
            yield b"\0" * 65536

    for path in ("/v1/checks", "/v1/references", "/v1/batches"):
        with server.client() as http:
            answer = http.post(path, content=endless(), headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized", path


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/v1/checks", {"check", "admin"}),
        ("POST", "/v1/batches", {"check", "admin"}),
        ("POST", "/v1/references", {"ingest", "admin"}),
        ("GET", "/v1/references", {"check", "admin"}),
    ],
)
def test_scopes(server: Server, keys: Keys, method: str, path: str, allowed: set[str]) -> None:
    for scope in ("check", "ingest", "admin"):
        field = "files" if path == "/v1/batches" else "file"
        files = {field: (ELEPHANTS.name, ELEPHANTS.read_bytes())} if method == "POST" else None
        with server.client(getattr(keys, scope)) as http:
            answer = http.request(method, path, files=files)
        if scope in allowed:
            assert answer.status_code < 300, (scope, path, answer.text)
        else:
            assert answer.status_code == 403, (scope, path)
            message = f"this key lacks the '{path_scope(path, method)}' scope"
            assert answer.json()["error"] == {"code": "forbidden", "message": message}


def path_scope(path: str, method: str) -> str:
    return "ingest" if (path, method) == ("/v1/references", "POST") else "check"


def test_revoked_key_is_refused_at_once(server: Server, keys: Keys, library: Library) -> None:
    store = KeyStore(library.sessions)
    created = store.create("temp", ["check"])
    with server.client(created.secret) as http:
        assert http.get("/v1/references").status_code == 200
        store.revoke(created.key.id)
        assert http.get("/v1/references").status_code == 401


def test_keys_are_stored_hashed(server: Server, keys: Keys, library: Library) -> None:
    with library.sessions() as session:
        rows = session.execute(text("SELECT * FROM api_keys")).all()
    dump = "\n".join(repr(tuple(row)) for row in rows)
    assert len(rows) == 3 and keys.check[:8] in dump, "the rows hold each key's prefix"
    assert keys.check not in dump and keys.admin not in dump


def test_health_needs_no_key(server: Server) -> None:
    with server.client() as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").json() == {"status": "ready"}


def test_demo_mode_needs_no_key(sample_library: Library, serve: Callable[..., Server]) -> None:
    demo = serve(sample_library.settings, require_auth=False)
    with demo.client() as http:
        assert http.get("/v1/references").json()["total"] == 4
        checked = http.post("/v1/checks", files={"file": (ELEPHANTS.name, ELEPHANTS.read_bytes())})
        assert checked.json()["verdict"] == "copy"
