"""The blob stores: the same behaviour in a folder and in an S3 bucket (moto's server)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.config import Settings
from provenance.errors import InvalidInput, NotFound, StorageUnavailable
from provenance.store import BlobStore, FolderBlobs, S3Blobs, open_blobs
from provenance.store.blobs import content_key, digest_of
from tests.conftest import s3_settings

SHA = "ab" * 32


@pytest.fixture(params=["folder", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "folder":
        yield open_blobs(Settings(home=tmp_path), "spool")
    else:
        settings = Settings(home=tmp_path, **s3_settings(request.getfixturevalue("s3_endpoint")))
        yield open_blobs(settings, "spool")


def test_write_read_list_remove(blobs: BlobStore) -> None:
    blobs.write("b1/0", b"zero")
    blobs.write("b1/1", b"one")
    blobs.write("b2/0", b"other")
    assert blobs.read("b1/1") == b"one" and blobs.exists("b1/0") and not blobs.exists("b1/9")
    assert sorted(info.key for info in blobs.list("b1/")) == ["b1/0", "b1/1"]
    assert {info.key: info.size for info in blobs.list()} == {"b1/0": 4, "b1/1": 3, "b2/0": 5}
    assert blobs.remove_prefix("b1/") == 2
    assert [info.key for info in blobs.list()] == ["b2/0"]
    blobs.remove("b2/0")
    blobs.remove("b2/0")
    assert list(blobs.list()) == []
    with pytest.raises(NotFound):
        blobs.read("b2/0")


def test_content_addressed_put_get_delete(blobs: BlobStore) -> None:
    assert blobs.put(SHA, b"pixels") and not blobs.put(SHA, b"pixels")
    assert blobs.get(SHA) == b"pixels" and [digest_of(info.key) for info in blobs.list()] == [SHA]
    blobs.delete(SHA)
    with pytest.raises(NotFound, match="no working copy"):
        blobs.get(SHA)


def test_streaming_write_in_parts_and_a_failing_reader_leaves_nothing(blobs: BlobStore) -> None:
    big = bytes(range(256)) * (10 * 2**20 // 256)  # past boto3's multipart threshold (8 MB)
    assert blobs.write_stream("b/0", io.BytesIO(big)) == len(big)
    assert blobs.read("b/0") == big

    class Refusing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() >= 2**20:
                raise InvalidInput("too big", code="limit_exceeded")
            return super().read(min(size or 2**20, 2**20) if size and size > 0 else 2**20)

    with pytest.raises(InvalidInput):
        blobs.write_stream("b/1", Refusing(b"x" * 3 * 2**20))
    assert [info.key for info in blobs.list()] == ["b/0"]


def test_probe_writes_and_leaves_nothing(blobs: BlobStore) -> None:
    blobs.probe()
    assert list(blobs.list()) == []


def test_the_settings_choose_the_store(tmp_path: Path) -> None:
    default = open_blobs(Settings(home=tmp_path), "originals")
    assert isinstance(default, FolderBlobs) and default.root == tmp_path / "originals"
    shared = open_blobs(Settings(home=tmp_path, blob_url=str(tmp_path / "nfs")), "evidence")
    assert isinstance(shared, FolderBlobs) and shared.root == tmp_path / "nfs" / "evidence"
    bucket = open_blobs(Settings(home=tmp_path, blob_url="s3://media/prov/", s3_region="us-east-1"), "spool")
    assert isinstance(bucket, S3Blobs) and (bucket.bucket, bucket.prefix) == ("media", "prov/spool/")
    assert content_key(SHA) == f"ab/ab/{SHA}" and digest_of(f"ab/ab/{SHA}") == SHA and digest_of("ab/x") is None


def test_an_unreachable_bucket_is_storage_unavailable(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, blob_url="s3://nowhere/p", s3_endpoint_url="http://127.0.0.1:9",
                        s3_region="us-east-1", s3_access_key_id="x", s3_secret_access_key="y")
    with pytest.raises(StorageUnavailable):
        open_blobs(settings, "spool").probe()
