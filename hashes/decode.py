"""Decode image bytes once, safely, into a small RGB working copy.

Every fingerprint is computed from this one decode. JPEGs are reduced in the DCT
domain (Pillow's `draft`), so a 24-megapixel photograph costs little more than a
thumbnail. Only an allow-list of formats is ever opened (never EPS/PDF, which would
run Ghostscript), and byte and pixel caps stop decompression bombs before any pixel
is decoded.

Memory: every decode reserves its peak from the process's `hashes.budget.BUDGET`
first, so concurrent decodes take turns rather than add up. The pixel caps are set so
that the biggest accepted input stays under 1 GB peak for a whole check:

- JPEG decodes reduced (DCT scaling to 1/2, 1/4 or 1/8 while decoding), so a
  120-megapixel JPEG costs a 2-megapixel decode: `max_pixels` (120 MP) applies.
- PNG, WebP, TIFF, GIF and HEIF/AVIF have no reduced decode: Pillow holds 4 bytes a
  pixel, a mode conversion or an alpha premultiplication another 4 each, and WebP/HEIF
  decoders a buffer of their own: up to ~12 bytes a pixel at the peak, so they are
  capped at `max_full_decode_pixels` (50 MP: ~600 MB for the worst). WebP's decoder
  keeps two frames of its own (16 bytes a pixel): its cap is three quarters of that.
  Above `EARLY_REDUCE_PIXELS` they are box-reduced right after loading, before any mode
  conversion or orientation, so no second full-size copy is ever made.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from hashes.budget import BUDGET
from hashes.errors import CorruptImage, LimitExceeded, UnsupportedFormat

pillow_heif.register_heif_opener()
Image.init()

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "GIF", "HEIF", "AVIF")
_LOSSY_FORMATS = frozenset({"JPEG", "MPO", "WEBP", "HEIF", "AVIF"})
_REDUCED_FORMATS = frozenset({"JPEG", "MPO"})
"""Formats whose decoder can decode at a reduced size (libjpeg's DCT scaling)."""
EARLY_REDUCE_PIXELS = 16_000_000
"""Full decodes above this are box-reduced before anything else is done with them;
below it the pixels follow the exact path fingerprints have always been computed on."""
_FULL_DECODE_BYTES_PER_PIXEL = 12
_WEBP_DECODE_BYTES_PER_PIXEL = 16
"""Pillow decodes WebP through libwebp's animation decoder, which keeps two RGBA frames of its own."""
_REDUCED_DECODE_BYTES_PER_PIXEL = 8
_PROGRESSIVE_COEFFICIENT_BYTES = 6
"""A progressive JPEG keeps every DCT coefficient of the whole image while decoding
(2 bytes each, 3 components at most at full resolution), whatever the output size."""


@dataclass(frozen=True)
class DecodeLimits:
    max_bytes: int = 64 * 2**20
    max_pixels: int = 120_000_000
    """Largest image accepted at all; JPEGs (decoded reduced) up to this."""
    max_full_decode_pixels: int = 50_000_000
    """Largest image of a format that must be decoded at full size (every one but JPEG)."""
    working_size: int = 1024
    """Long side, in pixels, of the working copy every fingerprint is computed from."""

    def pixel_cap(self, image_format: str | None) -> int:
        """JPEG: `max_pixels`; the others: `max_full_decode_pixels`, lowered for WebP so
        that its peak is no higher than the other full decodes' (37.5 MP by default)."""
        if image_format in _REDUCED_FORMATS:
            return self.max_pixels
        share = _FULL_DECODE_BYTES_PER_PIXEL / _full_decode_bytes_per_pixel(image_format)
        return min(self.max_pixels, int(self.max_full_decode_pixels * share))


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
    if image.format in _REDUCED_FORMATS:
        image.draft("RGB", _working_size(full_size, limits.working_size))
    stored_format = image.format
    with BUDGET.reserve(peak_bytes(image, full_size)):
        try:
            rgb, turned = _small_rgb(image, limits.working_size)
        finally:
            image.close()
            del image  # decoders keep buffers of their own (WebP's two frames): gone before the memory is trimmed
    width, height = full_size[::-1] if turned else full_size
    return DecodedImage(pixels=np.asarray(rgb), format=_format_name(stored_format), width=width, height=height)


@dataclass(frozen=True)
class StoredPixels:
    rgb: np.ndarray
    """H x W x 3 uint8, as stored: no orientation applied."""
    stored_size: tuple[int, int]
    """The file's own width and height."""

    @property
    def full_resolution(self) -> bool:
        return self.rgb.shape[1] == self.stored_size[0]


def decode_stored(data: bytes, max_pixels: int) -> StoredPixels:
    """A JPEG's pixels as stored (the 8x8 grid where the encoder put it), at full
    resolution up to `max_pixels`, else DCT-reduced (by 2, 4 or 8) until they fit;
    under the process's decode budget. Other formats decode at full size (callers
    keep to JPEG); the caps of `decode` are assumed already checked."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise CorruptImage(f"the image could not be opened: {exc}") from exc
        stored_size = image.size
        scale = 1
        while stored_size[0] * stored_size[1] > max_pixels * scale * scale and scale < 8:
            scale *= 2
        if scale > 1 and image.format in _REDUCED_FORMATS:
            image.draft("RGB", (max(1, stored_size[0] // scale), max(1, stored_size[1] // scale)))
        with BUDGET.reserve(peak_bytes(image, stored_size)):
            try:
                _load(image)
                rgb = np.asarray(image.convert("RGB"))
            finally:
                image.close()
                del image
    return StoredPixels(rgb, stored_size)


def peak_bytes(image: Image.Image, full_size: tuple[int, int]) -> int:
    """What decoding this opened image (after any `draft`) will hold at its peak."""
    width, height = image.size
    if image.format in _REDUCED_FORMATS:
        progressive = bool(image.info.get("progressive"))
        coefficients = _PROGRESSIVE_COEFFICIENT_BYTES * full_size[0] * full_size[1] if progressive else 0
        return _REDUCED_DECODE_BYTES_PER_PIXEL * width * height + coefficients
    return _full_decode_bytes_per_pixel(image.format) * width * height


def _full_decode_bytes_per_pixel(image_format: str | None) -> int:
    return _WEBP_DECODE_BYTES_PER_PIXEL if image_format == "WEBP" else _FULL_DECODE_BYTES_PER_PIXEL


def _small_rgb(image: Image.Image, working_size: int) -> tuple[Image.Image, bool]:
    """The loaded image as 8-bit RGB at working size, upright; and whether orientation turned it."""
    _load(image)
    stored = image.size
    if stored[0] * stored[1] > EARLY_REDUCE_PIXELS:
        orientation = _orientation(image)
        upright = _reduce_early(image, working_size, orientation)
        turned = orientation in _ROTATING_ORIENTATIONS
    else:
        upright = _apply_orientation(image)
        turned = upright.size != stored
    rgb = _to_rgb(upright)
    rgb = rgb.resize(_working_size(rgb.size, working_size), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return rgb, turned


def _load(image: Image.Image) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImage(f"the image data is damaged: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(str(exc)) from exc


_ROTATING_ORIENTATIONS = frozenset({5, 6, 7, 8})
_TRANSPOSES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(image: Image.Image) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = image.getexif().get(0x0112, 1)
        return value if isinstance(value, int) else 1
    except (OSError, SyntaxError, ValueError, KeyError, TypeError, struct.error):
        return 1


def _reduce_early(image: Image.Image, working_size: int, orientation: int) -> Image.Image:
    """Box-average a big full decode by the factor Pillow's `resize(reducing_gap=2)` would
    use, before mode conversion and orientation (both then cost a small image)."""
    width, height = image.size
    target = _working_size(image.size, working_size)
    factor = max(1, int(min(width / target[0], height / target[1]) / 2))
    source = image
    if source.mode in ("P", "PA"):
        source = source.convert("RGBA" if source.mode == "PA" or "transparency" in source.info else "RGB")
    elif source.mode == "1":
        source = source.convert("L")
    elif source.mode.startswith("I;16"):
        source = source.convert("I")
    small = source.reduce(factor) if factor > 1 else source.copy()
    del source
    method = _TRANSPOSES.get(orientation)
    return small.transpose(method) if method is not None else small


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
    cap = limits.pixel_cap(image.format)
    if width * height > cap:
        why = "" if image.format in _REDUCED_FORMATS else f" ({image.format} decodes at full size; JPEG may be larger)"
        raise LimitExceeded(f"the image has {width * height:,} pixels ({width}x{height}); the limit is {cap:,}{why}")
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
