"""Property-based: whatever bytes arrive, decode gives an image or one of our own
errors (`hashes.ImageError`), never another exception. Bounded: a fixed number of
examples, each with a deadline, from a fixed seed."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from hashes import DecodeLimits, ImageError, decode
from tests.images import encode

LIMITS = DecodeLimits(max_pixels=4_000_000, max_full_decode_pixels=4_000_000, working_size=256)
"""Small caps: a mutated header may claim any size, and the properties are about errors, not memory."""
BOUNDED = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _seed_images() -> list[bytes]:
    pixels = (np.random.default_rng(3).random((24, 32, 3)) * 255).astype(np.uint8)
    picture = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = 6
    return [
        encode(picture, "JPEG", exif=exif.tobytes()),
        encode(picture, "JPEG", progressive=True),
        encode(picture.convert("RGBA"), "PNG"),
        encode(picture.convert("P"), "GIF"),
        encode(picture, "WEBP"),
        encode(picture, "TIFF"),
    ]


SEEDS = _seed_images()


def _decodes_or_our_error(data: bytes) -> None:
    try:
        image = decode(data, LIMITS)
    except ImageError:
        return
    assert image.pixels.dtype == np.uint8 and image.pixels.ndim == 3 and image.pixels.shape[2] == 3
    assert max(image.pixels.shape[:2]) <= LIMITS.working_size and min(image.pixels.shape[:2]) >= 1


@BOUNDED
@given(st.binary(max_size=4096))
def test_any_bytes(data: bytes) -> None:
    _decodes_or_our_error(data)


@BOUNDED
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=12),
    st.integers(min_value=0),
)
def test_damaged_images(seed: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    """Valid files of every format with bytes changed (headers included) and cut short."""
    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    _decodes_or_our_error(bytes(data[: max(1, len(data) - cut % len(data))]))


@BOUNDED
@given(
    st.integers(min_value=1, max_value=2000), st.integers(min_value=1, max_value=2000), st.sampled_from(["PNG", "JPEG"])
)
def test_any_size_within_the_caps_decodes_upright(width: int, height: int, fmt: str) -> None:
    image = decode(encode(Image.new("RGB", (width, height), (90, 90, 90)), fmt), LIMITS)
    assert (image.width, image.height) == (width, height)
