"""Decoded originals kept in memory, least recently used out first; and, for originals
costly to decode, their working copy kept on disk.

JPEG originals decode reduced (DCT scaling), so their working copy costs little. The
other formats decode at full size: a 50-megapixel PNG holds ~600 MB while it decodes.
Their working copy (the same pixels fingerprints were computed from) is therefore
stored as a lossless PNG when they are ingested, or the first time an older one is
decoded, and a check that matches them reads that instead of the original.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from dataclasses import replace

import numpy as np
from PIL import Image, PngImagePlugin

from hashes import DecodedImage, DecodeLimits, decode
from hashes.decode import EARLY_REDUCE_PIXELS
from provenance.errors import NotFound
from provenance.store import BlobStore

WORKING_COPY_CACHE = 32
"""Decoded originals kept in memory: a disputed photo is checked again and again, in
many copies, and decoding its 12-megapixel original is a fifth of a check."""
_REDUCED_FORMATS = frozenset({"JPEG"})


def costly_to_decode(image: DecodedImage) -> bool:
    """Whether decoding the original again would hold a full-size picture in memory."""
    return image.format not in _REDUCED_FORMATS and image.width * image.height > EARLY_REDUCE_PIXELS


class WorkingCopies:
    def __init__(
        self, blobs: BlobStore, limits: DecodeLimits, stored: BlobStore, size: int = WORKING_COPY_CACHE
    ) -> None:
        self._blobs = blobs
        self._stored = stored
        # An original was accepted at ingest: one stored under an older, higher cap for
        # full-size formats still decodes (under the process's decode budget, one at a time).
        self._limits = replace(limits, max_full_decode_pixels=limits.max_pixels)
        self._size = size
        self._decoded: OrderedDict[str, DecodedImage] = OrderedDict()

    def get(self, sha256: str) -> DecodedImage:
        """The original's pixels at working size: from memory, its stored working copy,
        or decoded from its blob (and stored when that was costly)."""
        cached = self._decoded.pop(sha256, None)
        if cached is None:
            cached = self._stored_copy(sha256)
        if cached is None:
            cached = decode(self._blobs.get(sha256), self._limits)
            self.keep(sha256, cached)
        cached.pixels.setflags(write=False)  # shared between checks
        self._decoded[sha256] = cached
        while len(self._decoded) > self._size:
            self._decoded.popitem(last=False)
        return cached

    def keep(self, sha256: str, image: DecodedImage) -> None:
        """Store the working copy of an original costly to decode (nothing for the others)."""
        if not costly_to_decode(image):
            return
        info = PngImagePlugin.PngInfo()
        for key, value in (("format", image.format), ("width", str(image.width)), ("height", str(image.height))):
            info.add_text(key, value)
        out = io.BytesIO()
        Image.fromarray(image.pixels).save(out, "PNG", pnginfo=info, compress_level=1)
        self._stored.put(sha256, out.getvalue())

    def forget(self, sha256: str) -> None:
        self._decoded.pop(sha256, None)
        self._stored.delete(sha256)

    def _stored_copy(self, sha256: str) -> DecodedImage | None:
        try:
            data = self._stored.get(sha256)
        except NotFound:
            return None
        with Image.open(io.BytesIO(data), formats=("PNG",)) as picture:
            text = picture.text  # type: ignore[attr-defined]
            pixels = np.asarray(picture.convert("RGB"))
        return DecodedImage(pixels=pixels, format=text["format"], width=int(text["width"]), height=int(text["height"]))
