"""The deployment's store end to end: PostgreSQL (a schema of its own) and blobs on S3 (moto)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from api.client import Client
from provenance.config import Settings
from provenance.library.library import Library
from service.keys import KeyStore
from tests.api.conftest import Server
from tests.conftest import COPIES, ORIGINALS, POSTGRES_URL, s3_settings

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PROVENANCE_TEST_POSTGRES_URL is not set (make test sets it)")


@pytest.fixture
def pg_settings(tmp_path: Path, postgres_url: str, s3_endpoint: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=postgres_url, **s3_settings(s3_endpoint))


def test_api_on_postgres(pg_settings: Settings, serve: Callable[..., Server]) -> None:
    library = Library(pg_settings)
    key = KeyStore(library.sessions).create("pg", ["admin"]).secret
    library.close()
    server = serve(pg_settings)
    with Client(server.url, key) as client:
        reference, created = client.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg")
        assert created and client.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "again.jpg") == (reference, False)
        assert client.references(q="dune")["total"] == 1 and client.references(q="nothing-like-it")["total"] == 0
        report = client.check((COPIES / "dune_half_q40.jpg").read_bytes(), "copy.jpg")
        assert report["verdict"] == "copy" and client.get_check(report["id"]) == report
        batch = client.create_batch([("a.jpg", (COPIES / "dune_half_q40.jpg").read_bytes()), ("b.jpg", b"")])
        done = client.wait_for_batch(batch["id"], timeout=120)
        assert [i["status"] for i in done["items"]] == ["done", "error"]
    with server.client() as http:
        assert http.get("/readyz").json() == {"status": "ready"}
