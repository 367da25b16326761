"""The checked file as the forensic indicators read it.

The working pixels come decoded already; the JPEG's stored pixels (what error levels
and double JPEG measure) cost a second, full-resolution decode, so it is made once,
when the first indicator that needs it asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from hashes import DecodedImage
from hashes.decode import decode_stored
from provenance.metadata.c2pa import ContentCredentials
from provenance.metadata.model import ImageMetadata

Needs = Literal["metadata", "pixels", "stored_jpeg"]
"""What an indicator reads beyond the metadata: nothing (always runs, cheap), the
decoded working pixels, or the JPEG's stored pixels (both only when no original
explains the pixels)."""

FULL_RESOLUTION_PIXELS = 16_000_000
"""Above this, error levels are computed on a DCT-reduced decode (by 2, 4 or 8, until
it fits under this many pixels: a 120-megapixel JPEG is read at 7.5) and double JPEG
is skipped."""


@dataclass(frozen=True)
class StoredJpeg:
    rgb: np.ndarray
    """The JPEG's pixels as stored: no orientation applied, so the 8x8 grid stays where the encoder put it."""
    on_grid: bool
    """Whether they are at full resolution (the grid intact)."""
    to_image: float | None
    """Factor from them to the checked image's pixels (None when EXIF orientation turns them)."""


class Subject:
    def __init__(
        self, data: bytes, image: DecodedImage, metadata: ImageMetadata, credentials: ContentCredentials | None
    ) -> None:
        self.data = data
        self.image = image
        self.metadata = metadata
        self.credentials = credentials

    @cached_property
    def stored_jpeg(self) -> StoredJpeg | None:
        """None for any other format."""
        if self.image.format != "JPEG":
            return None
        stored = decode_stored(self.data, FULL_RESOLUTION_PIXELS)
        upright = stored.stored_size == (self.image.width, self.image.height)
        to_image = (stored.stored_size[0] / stored.rgb.shape[1]) if upright else None
        return StoredJpeg(stored.rgb, stored.full_resolution, to_image)

    def unavailable(self, needs: Needs) -> str | None:
        """Why what an indicator needs cannot be had, or None when it can."""
        if needs == "stored_jpeg" and self.stored_jpeg is None:
            return "only JPEG files are analysed"
        return None
