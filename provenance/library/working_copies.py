"""Decoded originals kept in memory, least recently used out first."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from hashes import DecodedImage, DecodeLimits, decode
from provenance.store import BlobStore

WORKING_COPY_CACHE = 32
"""Decoded originals kept in memory: a disputed photo is checked again and again, in
many copies, and decoding its 12-megapixel original is a fifth of a check."""


class WorkingCopies:
    def __init__(self, blobs: BlobStore, limits: DecodeLimits, size: int = WORKING_COPY_CACHE) -> None:
        self._blobs = blobs
        # An original was accepted at ingest: one stored under an older, higher cap for
        # full-size formats still decodes (under the process's decode budget, one at a time).
        self._limits = replace(limits, max_full_decode_pixels=limits.max_pixels)
        self._size = size
        self._decoded: OrderedDict[str, DecodedImage] = OrderedDict()

    def get(self, sha256: str) -> DecodedImage:
        """The original's pixels at working size, decoded from its blob on first use."""
        cached = self._decoded.pop(sha256, None)
        if cached is None:
            cached = decode(self._blobs.get(sha256), self._limits)
            cached.pixels.setflags(write=False)  # shared between checks
        self._decoded[sha256] = cached
        while len(self._decoded) > self._size:
            self._decoded.popitem(last=False)
        return cached

    def forget(self, sha256: str) -> None:
        self._decoded.pop(sha256, None)
