"""Persistence: the SQL schema and its migrations, the database session factory and the blob stores."""

from provenance.store import changes
from provenance.store.blobs import BlobStore, FolderBlobs, S3Blobs, open_blobs
from provenance.store.database import dispose, get_or_raise, open_database
from provenance.store.schema import (
    DEFAULT_SOURCE,
    ApiKey,
    Batch,
    CheckMatch,
    CheckRecord,
    Decision,
    Fingerprint,
    Reference,
    StoredCredentials,
    WatchedCheck,
)

__all__ = [
    "DEFAULT_SOURCE",
    "ApiKey",
    "Batch",
    "BlobStore",
    "CheckMatch",
    "CheckRecord",
    "Decision",
    "Fingerprint",
    "FolderBlobs",
    "Reference",
    "S3Blobs",
    "StoredCredentials",
    "WatchedCheck",
    "changes",
    "dispose",
    "get_or_raise",
    "open_blobs",
    "open_database",
]
