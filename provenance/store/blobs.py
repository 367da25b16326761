"""Blobs by key: working copies of originals and evidence pictures (addressed by their
SHA-256) and the spooled files of batches, in a folder (the embedded default, or a
path every worker mounts) or in an S3-compatible bucket, so that any worker can read
what any other process wrote.

`open_blobs(settings, area)` picks the store from PROVENANCE_BLOB_URL. A store has two
faces: raw keys (`write`, `write_stream`, `read`, `exists`, `remove`, `list`,
`remove_prefix`) and content addressing over them (`put`, `get`, `delete` by SHA-256,
kept under `ab/cd/<sha256>` as the folder always did).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

from provenance.config import Settings
from provenance.errors import NotFound, StorageFull, StorageUnavailable

AREAS = ("originals", "evidence", "spool", "watched", "previews", "working")
"""What each process keeps: working copies of originals, evidence pictures, batch files,
uploads of watched checks (the watchlist), previews of originals (made at ingest) and
the working-size pixels of originals costly to decode (made once)."""
TEMPORARY_PREFIX = ".incoming-"
"""A folder store's half-written file (a crash between create and rename leaves one)."""
_CHUNK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FULL = {errno.ENOSPC, errno.EDQUOT}


class Readable(Protocol):
    """What `write_stream` reads: any file object (an upload, a zip member, a bounded reader)."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    modified: datetime


def content_key(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def digest_of(key: str) -> str | None:
    """The SHA-256 a content key holds; None for any other key (a temporary, a stray file)."""
    parts = key.split("/")
    if len(parts) == 3 and _SHA256.fullmatch(parts[2]) and key == content_key(parts[2]):
        return parts[2]
    return None


class BlobStore(ABC):
    """What every store does; the content-addressed methods are built on the raw ones."""

    location: str
    """Where the blobs are, for messages (a path or an s3:// URL)."""

    @abstractmethod
    def write(self, key: str, data: bytes) -> None:
        """Atomically: a crash leaves either no blob or the whole blob."""

    @abstractmethod
    def write_stream(self, key: str, stream: Readable) -> int:
        """Copy a file object in chunks (never whole in memory); the bytes written.
        An exception raised by `stream.read` leaves no blob and propagates."""

    @abstractmethod
    def read(self, key: str) -> bytes:
        """The blob, or NotFound."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def remove(self, key: str) -> None:
        """Gone (no error when it was not there)."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Every blob whose key starts with `prefix`."""

    def remove_prefix(self, prefix: str) -> int:
        """Remove every blob under `prefix`; how many there were."""
        keys = [info.key for info in self.list(prefix)]
        for key in keys:
            self.remove(key)
        return len(keys)

    def probe(self) -> None:
        """Write, read and remove a small blob: raises StorageFull or StorageUnavailable
        when the store cannot take a write (what `/readyz` asks)."""
        key = f".probe-{uuid.uuid4().hex}"
        try:
            self.write(key, b"\0" * 4096)
            self.read(key)
        finally:
            with suppress(StorageFull, StorageUnavailable):
                self.remove(key)

    def put(self, sha256: str, data: bytes) -> bool:
        """Store content by its SHA-256; False when it was already there."""
        key = content_key(sha256)
        if self.exists(key):
            return False
        self.write(key, data)
        return True

    def get(self, sha256: str) -> bytes:
        try:
            return self.read(content_key(sha256))
        except NotFound as exc:
            raise NotFound(f"no working copy for {sha256}") from exc

    def delete(self, sha256: str) -> None:
        self.remove(content_key(sha256))


class FolderBlobs(BlobStore):
    """Blobs as files under a folder: `<root>/<key>`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)

    def write(self, key: str, data: bytes) -> None:
        self._write(key, lambda handle: handle.write(data))

    def write_stream(self, key: str, stream: Readable) -> int:
        def copy(handle: BinaryIO) -> int:
            written = 0
            while chunk := stream.read(_CHUNK):
                handle.write(chunk)
                written += len(chunk)
            return written

        return self._write(key, copy)

    def _write(self, key: str, fill: Callable[[BinaryIO], object]) -> int:
        target = self.root / key
        temporary: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=TEMPORARY_PREFIX)
            with os.fdopen(fd, "wb") as handle:
                written = fill(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
            return written if isinstance(written, int) else 0
        except OSError as exc:
            if temporary:
                Path(temporary).unlink(missing_ok=True)
            if exc.errno in _FULL:
                raise StorageFull(f"no space left for blobs in {self.root}") from exc
            raise
        except BaseException:
            if temporary:
                Path(temporary).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        try:
            return (self.root / key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise NotFound(f"no blob {key}") from exc

    def exists(self, key: str) -> bool:
        return (self.root / key).is_file()

    def remove(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        folder = self.root / prefix.rpartition("/")[0]
        for directory, _dirs, files in os.walk(folder):
            for name in files:
                path = Path(directory) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    try:
                        stat = path.stat()
                    except FileNotFoundError:
                        continue
                    yield BlobInfo(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    def remove_prefix(self, prefix: str) -> int:
        removed = super().remove_prefix(prefix)
        if prefix.endswith("/"):
            shutil.rmtree(self.root / prefix, ignore_errors=True)
        return removed


class S3Blobs(BlobStore):
    """Blobs as objects of an S3-compatible bucket: `s3://<bucket>/<prefix><key>`."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.location = f"s3://{bucket}/{prefix}"

    def write(self, key: str, data: bytes) -> None:
        with _s3_errors(self.location):
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)

    def write_stream(self, key: str, stream: Readable) -> int:
        counted = _Counting(stream)
        with _s3_errors(self.location):
            self.client.upload_fileobj(counted, self.bucket, self.prefix + key)
        return counted.count

    def read(self, key: str) -> bytes:
        with _s3_errors(self.location, key):
            return bytes(self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read())

    def exists(self, key: str) -> bool:
        try:
            with _s3_errors(self.location, key):
                self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except NotFound:
            return False
        return True

    def remove(self, key: str) -> None:
        with _s3_errors(self.location):
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        with _s3_errors(self.location):
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :]
                    yield BlobInfo(key, int(item["Size"]), item["LastModified"])

    def remove_prefix(self, prefix: str) -> int:
        keys = [info.key for info in self.list(prefix)]
        for start in range(0, len(keys), 1000):
            objects = [{"Key": self.prefix + key} for key in keys[start : start + 1000]]
            with _s3_errors(self.location):
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})
        return len(keys)


class _Counting:
    """A file object that counts what is read through it (boto3 reports no size)."""

    def __init__(self, stream: Readable) -> None:
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.count += len(chunk)
        return chunk


@contextmanager
def _s3_errors(location: str, key: str = "") -> Iterator[None]:
    """botocore's errors as ours: a missing key is NotFound, a full store (MinIO answers
    507) StorageFull, any other failure StorageUnavailable."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("NoSuchKey", "404"):
            raise NotFound(f"no blob {key}") from exc
        if status == 507 or code in ("XMinioStorageFull", "InsufficientStorage"):
            raise StorageFull(f"the blob store {location} is full") from exc
        raise StorageUnavailable(f"the blob store {location} failed: {code}") from exc
    except BotoCoreError as exc:
        raise StorageUnavailable(f"the blob store {location} does not answer: {exc}") from exc


def open_blobs(settings: Settings, area: str) -> BlobStore:
    """The store of one area (`AREAS`) as the settings say: a folder or an S3 prefix."""
    if area not in AREAS:
        raise ValueError(f"unknown blob area {area!r}")
    url = settings.blob_url
    if url and url.startswith("s3://"):
        parts = urlsplit(url)
        prefix = parts.path.strip("/")
        return S3Blobs(_s3_client(settings), parts.netloc, f"{prefix}/{area}/" if prefix else f"{area}/")
    return FolderBlobs(settings.blob_root / area)


def _s3_client(settings: Settings) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )
