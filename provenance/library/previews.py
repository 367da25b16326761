"""Small previews of originals for pages, re-encoded from the decoded pixels: the
uploaded bytes themselves are never served back."""

from __future__ import annotations

import io

from PIL import Image

from provenance.library.library import Library
from provenance.store import Reference

THUMBNAIL_SIZE = 480


def thumbnail(library: Library, reference: Reference) -> bytes:
    """A JPEG whose long side is at most THUMBNAIL_SIZE pixels."""
    decoded = library.working_copy(reference)
    image = Image.fromarray(decoded.pixels)
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
