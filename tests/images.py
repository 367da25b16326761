"""One helper for turning test pictures into file bytes, shared by every test."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image


def encode(image: Image.Image, fmt: str = "JPEG", **options: Any) -> bytes:
    """The bytes of `image` saved as `fmt` with Pillow's `options` (quality, exif, icc_profile...)."""
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()
