"""Decode image bytes once, safely, into a small RGB working copy.

Every fingerprint is computed from this one decode. JPEGs are reduced in the DCT
domain (Pillow's `draft`), so a 24-megapixel photograph costs little more than a
thumbnail. Only an allow-list of formats is ever opened (never EPS/PDF, which would
run Ghostscript), and byte and pixel caps stop decompression bombs before any pixel
is decoded.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from hashes.errors import CorruptImage, LimitExceeded, UnsupportedFormat

pillow_heif.register_heif_opener()
Image.init()

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "GIF", "HEIF", "AVIF")
_LOSSY_FORMATS = frozenset({"JPEG", "MPO", "WEBP", "HEIF", "AVIF"})


@dataclass(frozen=True)
class DecodeLimits:
    max_bytes: int = 64 * 2**20
    max_pixels: int = 120_000_000
    working_size: int = 1024
    """Long side, in pixels, of the working copy every fingerprint is computed from."""


DEFAULT_LIMITS = DecodeLimits()


@dataclass(frozen=True)
class DecodedImage:
    pixels: np.ndarray
    """H x W x 3 uint8 RGB, orientation applied, long side at most the working size."""
    format: str
    width: int
    """Full-resolution width after orientation, as a viewer shows the image."""
    height: int

    @property
    def scale(self) -> float:
        """Working-copy pixels per full-resolution pixel (<= 1)."""
        return self.pixels.shape[1] / self.width

    @property
    def is_lossy(self) -> bool:
        return self.format in _LOSSY_FORMATS


def decode(data: bytes, limits: DecodeLimits = DEFAULT_LIMITS) -> DecodedImage:
    if not data:
        raise CorruptImage("the file is empty")
    if len(data) > limits.max_bytes:
        raise LimitExceeded(f"the file has {len(data):,} bytes; the limit is {limits.max_bytes:,}")
    image = _open(data, limits)
    full_size = image.size
    target = _working_size(full_size, limits.working_size)
    if image.format in ("JPEG", "MPO"):
        image.draft("RGB", target)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImage(f"the image data is damaged: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(str(exc)) from exc
    before, stored_format = image.size, image.format
    image = _apply_orientation(image)
    width, height = full_size if image.size == before else full_size[::-1]
    rgb = _to_rgb(image)
    rgb = rgb.resize(_working_size(rgb.size, limits.working_size), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return DecodedImage(pixels=np.asarray(rgb), format=_format_name(stored_format), width=width, height=height)


def _open(data: bytes, limits: DecodeLimits) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except UnidentifiedImageError as exc:
        if _looks_like_allowed_format(data):
            raise CorruptImage(
                "the file starts like a supported image but could not be opened (truncated or damaged)"
            ) from exc
        raise UnsupportedFormat(
            "not an image in a supported format (JPEG, PNG, WebP, TIFF, GIF, HEIF/HEIC, AVIF)"
        ) from exc
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImage(f"the image header is damaged: {exc}") from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptImage("the image has no pixels")
    if width * height > limits.max_pixels:
        raise LimitExceeded(
            f"the image has {width * height:,} pixels ({width}x{height}); the limit is {limits.max_pixels:,}"
        )
    return image


_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")


def _looks_like_allowed_format(data: bytes) -> bool:
    """Magic numbers of the allowed formats: a file that has them but will not open is damaged, not foreign."""
    if data.startswith(_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return True
    return data[4:8] == b"ftyp" and (data[8:12] in _HEIF_BRANDS or any(b in data[16:64] for b in _HEIF_BRANDS))


def _working_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    width, height = size
    factor = min(1.0, long_side / max(width, height))
    return max(1, round(width * factor)), max(1, round(height * factor))


def _apply_orientation(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a broken EXIF block leaves the pixels as stored."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError, struct.error):
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Normalise every mode (palette, alpha, CMYK, 16-bit, float) to 8-bit RGB."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float32)
        peak = 65535.0 if mode != "F" else max(float(values.max()), 1.0)
        grey = np.clip(values * (255.0 / peak), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _format_name(pillow_format: str | None) -> str:
    return "JPEG" if pillow_format == "MPO" else (pillow_format or "UNKNOWN")
