"""Shared fixtures: paths to the committed sample files and a library in a temporary home.

Tests marked `store` (whole modules: `pytestmark = pytest.mark.store`) run on each store:
`sqlite` (the embedded default: SQLite and blob folders in the home) and, when
PROVENANCE_TEST_POSTGRES_URL is set (`make test` sets it), `postgres` (the shared
store of a deployment: PostgreSQL, in a schema of its own for each test, and blobs in
an S3 bucket of their own on moto's server). Other tests use the embedded default.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from provenance.config import Settings
from provenance.library.library import Library

FIXTURES = Path(__file__).parent / "fixtures"
ORIGINALS = FIXTURES / "originals"
COPIES = FIXTURES / "copies"
METADATA = FIXTURES / "metadata"
MALFORMED = FIXTURES / "malformed"
POSTGRES_URL = os.environ.get("PROVENANCE_TEST_POSTGRES_URL")
STORES = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
S3_PORTS = range(18400, 18500)
"""Where moto's S3 server listens: the first free port of this range."""
S3_CREDENTIALS = {"s3_access_key_id": "testing", "s3_secret_access_key": "testing", "s3_region": "us-east-1"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_settings" in metafunc.fixturenames and metafunc.definition.get_closest_marker("store"):
        metafunc.parametrize("store_settings", STORES, indirect=True)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server, started once for the session on a port of S3_PORTS."""
    port = next(p for p in S3_PORTS if _free(p))
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/moto-api/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def s3_settings(endpoint: str) -> dict[str, Any]:
    """Settings for blobs in a new, empty bucket on moto's server."""
    import boto3

    bucket = f"test-{uuid.uuid4().hex[:16]}"
    options = {**S3_CREDENTIALS, "s3_endpoint_url": endpoint}
    boto3.client(
        "s3", endpoint_url=endpoint, region_name=options["s3_region"],
        aws_access_key_id=options["s3_access_key_id"], aws_secret_access_key=options["s3_secret_access_key"],
    ).create_bucket(Bucket=bucket)
    return {**options, "blob_url": f"s3://{bucket}/provenance"}


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a new schema of their own, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("PROVENANCE_TEST_POSTGRES_URL is not set (make test sets it)")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text("SET lock_timeout = '30s'"))
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def store_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The settings that choose the store (empty for the embedded default)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return {}
    return {
        "database_url": request.getfixturevalue("postgres_url"),
        **s3_settings(request.getfixturevalue("s3_endpoint")),
    }


def environment_of(settings: Settings) -> dict[str, str]:
    """The PROVENANCE_* variables that make a subprocess open the same store."""
    names = ("home", "database_url", "blob_url", *S3_CREDENTIALS, "s3_endpoint_url")
    values = {name: getattr(settings, name) for name in names}
    return {f"PROVENANCE_{name.upper()}": str(value) for name, value in values.items() if value is not None}


@pytest.fixture
def settings(tmp_path: Path, store_settings: dict[str, Any]) -> Settings:
    return Settings(home=tmp_path / "home", **store_settings)


@pytest.fixture
def library(settings: Settings) -> Iterator[Library]:
    library = Library(settings)
    yield library
    library.close()


@pytest.fixture
def sample_library(library: Library) -> Library:
    """The four sample originals, ingested with their sidecars."""
    from provenance.folders import read_sidecar

    for path in sorted(ORIGINALS.glob("*.jpg")):
        library.ingest(path.read_bytes(), str(path), read_sidecar(str(path)))
    return library
