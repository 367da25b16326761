"""One memory budget for every decode in a process, and memory given back after a big one.

A pixel cap bounds one decode; it does not bound four at once. Every decode reserves
the bytes its peak will need before it decodes a pixel and waits while other decodes
hold the budget, so N concurrent requests on big images take turns instead of
multiplying the peak. A decode bigger than the whole budget still runs, alone.

glibc keeps freed heap pages (Pillow allocates images in 16 MB blocks, below its mmap
threshold), so a process that decoded one big image stays big; after a big decode
the free pages are handed back with `malloc_trim(0)` (a no-op elsewhere).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager

DECODE_BUDGET_BYTES = 512 * 2**20
"""Decoded pixels all decodes of a process may hold at once. Together with the pixel
caps of `hashes.decode` (at most ~400 MB for the biggest accepted decode) this keeps a
process under 1 GB whatever number of checks run at once."""
TRIM_AFTER_BYTES = 64 * 2**20
"""Decodes at least this big give their freed memory back to the system afterwards."""


class DecodeBudget:
    def __init__(self, total: int) -> None:
        self.total = total
        self._free = total
        self._changed = threading.Condition()

    @contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        """Hold `nbytes` of the budget while the block runs (waiting for them first)."""
        need = max(0, min(nbytes, self.total))
        with self._changed:
            self._changed.wait_for(lambda: self._free >= need)
            self._free -= need
        try:
            yield
        finally:
            with self._changed:
                self._free += need
                self._changed.notify_all()
            if nbytes >= TRIM_AFTER_BYTES:
                trim_memory()

    @property
    def free(self) -> int:
        return self._free


BUDGET = DecodeBudget(DECODE_BUDGET_BYTES)
"""The process's budget: every decode in `hashes` and the domain reserves from it."""


def _malloc_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def trim_memory() -> None:
    """Return freed heap pages to the system (glibc); nothing elsewhere."""
    if _TRIM is not None:
        _TRIM(0)
