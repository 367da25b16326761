"""Passing faults: a full disk, a database that went away. A batch item that meets one is
tried again later, never stored as a failed check; anything else is the item's own fault."""

from __future__ import annotations

import errno

from sqlalchemy.exc import InterfaceError, OperationalError

from provenance.errors import StorageFull, StorageUnavailable

TRANSIENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EAGAIN, errno.ENOMEM, errno.ESTALE})
MAX_BACKOFF = 60.0


def is_transient(error: BaseException) -> bool:
    """True for faults of the machine rather than of the input: out of space or quota,
    I/O errors, a database that is down, locked or full (SQLAlchemy's OperationalError),
    a blob store that is full or does not answer."""
    if isinstance(error, OperationalError | InterfaceError | StorageFull | StorageUnavailable):
        return True
    return isinstance(error, OSError) and error.errno in TRANSIENT_ERRNOS


def backoff(first: float, attempt: int) -> float:
    """Seconds to wait before attempt `attempt` (0-based): doubling, at most a minute."""
    return min(MAX_BACKOFF, first * 2**attempt)
