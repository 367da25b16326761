"""Telling a full disk from other failures, wherever it surfaced: a blob write
(OSError ENOSPC or EDQUOT), SQLite ("database or disk is full") or PostgreSQL
(SQLSTATE 53100, disk_full)."""

from __future__ import annotations

import errno

from sqlalchemy.exc import DBAPIError

from provenance.errors import StorageFull

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_SQLITE_FULL = 13
_POSTGRES_DISK_FULL = "53100"


def is_storage_full(error: BaseException | None) -> bool:
    """True when this error, or one it was raised from, says there is no space left."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, StorageFull):
            return True
        if isinstance(error, OSError) and error.errno in _FULL_ERRNOS:
            return True
        if isinstance(error, DBAPIError) and _database_full(error.orig):
            return True
        error = error.__cause__ or error.__context__
    return False


def _database_full(driver_error: BaseException | None) -> bool:
    if getattr(driver_error, "sqlite_errorcode", None) == _SQLITE_FULL:
        return True
    return getattr(driver_error, "sqlstate", None) == _POSTGRES_DISK_FULL


def as_storage_full(error: BaseException) -> StorageFull:
    """The domain's error for a full store, raised from `error`."""
    if isinstance(error, StorageFull):
        return error
    full = StorageFull("no space left to store this: the server's storage is full; try again later")
    full.__cause__ = error
    return full
