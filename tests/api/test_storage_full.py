"""A full disk, for real: a 2 MB tmpfs mounted for the test (we run as root; without
the right to mount, the tests are skipped). Full blobs answer 507 and `/readyz` says
not ready until space is freed; a database full after the blob write leaves no blob."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provenance.config import Settings
from provenance.store import open_blobs
from tests.api.conftest import Server
from tests.conftest import ORIGINALS

DUNE = ORIGINALS / "Dune.jpg"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(disk: Path) -> Path:
    """Take every free byte of the disk; the filler file, to remove to free it."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def ingest(server: Server, photo: Path = DUNE):
    with server.client() as http:
        return http.post("/v1/references", files={"file": (photo.name, photo.read_bytes())})


def test_full_blob_store_answers_507_and_is_not_ready_until_freed(
    tmp_path: Path, tiny_disk: Path, serve: Callable[..., Server]
) -> None:
    settings = Settings(home=tmp_path / "home", blob_url=str(tiny_disk))
    server = serve(settings, require_auth=False)
    filler = fill(tiny_disk)
    refused = ingest(server)
    assert refused.status_code == 507, refused.text
    assert refused.json()["error"]["code"] == "insufficient_storage"
    with server.client() as http:
        ready = http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["error"]["code"] == "insufficient_storage"
        assert http.get("/v1/references").json()["total"] == 0, "no row for the original that was refused"
        filler.unlink()
        assert http.get("/readyz").json() == {"status": "ready"}
    assert ingest(server).status_code == 201


def test_full_database_after_the_blob_write_answers_507_and_leaves_no_blob(
    tmp_path: Path, tiny_disk: Path, serve: Callable[..., Server]
) -> None:
    settings = Settings(home=tiny_disk, blob_url=str(tmp_path / "blobs"))
    server = serve(settings, require_auth=False)
    filler = fill(tiny_disk)
    refused = ingest(server)
    assert refused.status_code == 507, refused.text
    assert refused.json()["error"]["code"] == "insufficient_storage"
    assert list(open_blobs(settings, "originals").list()) == [], "the blob written before the row was removed"
    filler.unlink()
    assert ingest(server).status_code == 201
    assert len(list(open_blobs(settings, "originals").list())) == 1


def test_an_unreachable_bucket_makes_the_server_not_ready(tmp_path: Path, serve: Callable[..., Server]) -> None:
    settings = Settings(home=tmp_path / "home", blob_url="s3://gone/p", s3_endpoint_url="http://127.0.0.1:9",
                        s3_region="us-east-1", s3_access_key_id="x", s3_secret_access_key="y")
    server = serve(settings, require_auth=False)
    with server.client() as http:
        ready = http.get("/readyz")
    assert ready.status_code == 503 and ready.json()["error"]["code"] == "storage_unavailable"
