"""Small previews of originals for pages, made once and stored: re-encoded from the
decoded pixels (the uploaded bytes themselves are never served back), and never made
by decoding a full original on request.

Ingest makes the preview from the working copy it has just decoded for the
fingerprints, so it costs no second decode. An original ingested before previews were
kept gets its preview on first request, from its working copy (a decode under the
process's decode budget), and stored then.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from provenance.errors import NotFound
from provenance.store import BlobStore

THUMBNAIL_SIZE = 480
THUMBNAIL_QUALITY = 85


def encode_preview(pixels: np.ndarray) -> bytes:
    """A JPEG whose long side is at most THUMBNAIL_SIZE pixels."""
    image = Image.fromarray(pixels)
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY)
    return out.getvalue()


class Previews:
    """Preview JPEGs by the original's SHA-256, in their own blob area beside the originals'."""

    def __init__(self, files: BlobStore) -> None:
        self._files = files

    def save(self, sha256: str, pixels: np.ndarray) -> bytes:
        preview = encode_preview(pixels)
        self._files.put(sha256, preview)
        return preview

    def get(self, sha256: str) -> bytes | None:
        try:
            return self._files.get(sha256)
        except NotFound:
            return None

    def delete(self, sha256: str) -> None:
        self._files.delete(sha256)
