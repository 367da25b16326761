"""hashes.decode: bytes in, a small upright RGB working copy out, or a typed error."""

from __future__ import annotations

import io

import numpy as np
import pillow_heif
import pytest
from PIL import EpsImagePlugin, Image

from hashes import CorruptImage, DecodeLimits, ImageError, LimitExceeded, UnsupportedFormat, decode
from tests.conftest import MALFORMED, ORIGINALS
from tests.images import encode

pillow_heif.register_heif_opener()

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def _photo(size: tuple[int, int] = (200, 125)) -> Image.Image:
    return Image.open(ORIGINALS / "Dune.jpg").convert("RGB").resize(size)


def _halves(mode: str, left, right, size: tuple[int, int] = (20, 10)) -> Image.Image:
    """An image whose left half is `left` and right half is `right`."""
    image = Image.new(mode, size, left)
    image.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return image


@pytest.mark.parametrize(
    ("fmt", "lossy", "tolerance"),
    [
        ("JPEG", True, 12),
        ("PNG", False, 0),
        ("WEBP", True, 12),
        ("TIFF", False, 0),
        ("GIF", False, 6),
        ("HEIF", True, 12),
    ],
)
def test_each_allowed_format_decodes_to_rgb(fmt: str, lossy: bool, tolerance: float) -> None:
    photo = _photo()
    image = decode(encode(photo, fmt))
    assert image.format == fmt and image.is_lossy is lossy
    assert (image.width, image.height) == (200, 125)
    assert image.pixels.shape == (125, 200, 3) and image.pixels.dtype == np.uint8
    assert np.abs(image.pixels.astype(int) - np.asarray(photo, dtype=int)).mean() <= tolerance


def test_animated_gif_gives_its_first_frame() -> None:
    first, second = Image.new("RGB", (40, 30), RED), Image.new("RGB", (40, 30), BLUE)
    data = encode(first, "GIF", save_all=True, append_images=[second], duration=100)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    image = decode(data)
    assert image.pixels.shape == (30, 40, 3)
    assert (image.pixels == RED).all()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_working_copy_is_reduced_to_the_working_size(fmt: str) -> None:
    data = encode(_photo((800, 500)), fmt)
    image = decode(data, DecodeLimits(working_size=200))
    assert (image.width, image.height) == (800, 500)
    assert max(image.pixels.shape[:2]) == 200
    assert image.scale == pytest.approx(0.25)


def test_small_images_are_never_enlarged() -> None:
    image = decode(encode(_photo((120, 80)), "PNG"), DecodeLimits(working_size=1024))
    assert image.pixels.shape == (80, 120, 3) and image.scale == 1.0


def test_exif_orientation_6_is_applied_and_swaps_width_and_height() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: rotate 90 degrees clockwise to view
    stored = _halves("RGB", RED, (0, 0, 0), size=(60, 40))
    image = decode(encode(stored, "JPEG", exif=exif, quality=95))
    assert (image.width, image.height) == (40, 60)
    assert image.pixels.shape == (60, 40, 3)
    # The stored left half is the viewed top half.
    assert image.pixels[:25].mean(axis=(0, 1)).tolist() == pytest.approx(RED, abs=8)
    assert image.pixels[35:].mean(axis=(0, 1)).tolist() == pytest.approx((0, 0, 0), abs=8)


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = _halves("CMYK", (0, 255, 255, 0), (0, 0, 0, 0))
    data = encode(cmyk, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    pixels = decode(data).pixels
    assert pixels.shape == (10, 20, 3)
    assert pixels[5, 2].tolist() == pytest.approx(RED, abs=8)
    assert pixels[5, 17].tolist() == pytest.approx(WHITE, abs=8)


def test_transparent_palette_png_is_composited_on_white() -> None:
    palette = _halves("P", 0, 1)
    palette.putpalette([*RED, *BLUE])
    data = encode(palette, "PNG", transparency=1)
    pixels = decode(data).pixels
    assert tuple(pixels[5, 2]) == RED
    assert tuple(pixels[5, 17]) == WHITE  # blue, but fully transparent


def test_greyscale_with_alpha_is_composited_on_white() -> None:
    data = encode(_halves("LA", (0, 255), (0, 0)), "PNG")
    pixels = decode(data).pixels
    assert pixels.shape == (10, 20, 3)
    assert tuple(pixels[5, 2]) == (0, 0, 0) and tuple(pixels[5, 17]) == WHITE


def test_16_bit_greyscale_is_scaled_to_8_bits() -> None:
    values = np.zeros((10, 20), np.uint16)
    values[:, 10:] = 65535
    values[:, :5] = 32768
    data = encode(Image.fromarray(values), "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    pixels = decode(data).pixels
    assert pixels.dtype == np.uint8 and pixels.shape == (10, 20, 3)
    assert tuple(pixels[5, 2]) == (127, 127, 127)
    assert tuple(pixels[5, 7]) == (0, 0, 0)
    assert tuple(pixels[5, 17]) == WHITE


def test_broken_exif_block_still_decodes() -> None:
    image = decode((MALFORMED / "hopper_bad_exif.jpg").read_bytes())
    assert image.format == "JPEG" and image.pixels.shape == (500, 500, 3)


def test_empty_bytes_are_corrupt() -> None:
    with pytest.raises(CorruptImage):
        decode(b"")


@pytest.mark.parametrize(
    "data",
    [np.random.default_rng(0).bytes(2000), b"Just some text, not an image.\n" * 20],
    ids=["random", "text"],
)
def test_non_images_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedFormat):
        decode(data)


def test_eps_is_refused_and_never_rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow would open this EPS by itself and render it with Ghostscript on load."""
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\nshowpage\n%%EOF\n"
    assert Image.open(io.BytesIO(eps)).format == "EPS"

    def ghostscript(*args, **kwargs):
        raise AssertionError("Ghostscript was run")

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", ghostscript)
    with pytest.raises(UnsupportedFormat):
        decode(eps)


def test_truncated_jpeg_is_corrupt() -> None:
    with pytest.raises(CorruptImage):
        decode((MALFORMED / "truncated_jpeg.jpg").read_bytes())


def test_byte_limit() -> None:
    data = encode(_photo(), "PNG")
    assert decode(data, DecodeLimits(max_bytes=len(data))).width == 200
    with pytest.raises(LimitExceeded, match=f"the limit is {len(data) - 1:,}"):
        decode(data, DecodeLimits(max_bytes=len(data) - 1))


def test_pixel_limit() -> None:
    data = encode(_photo((200, 125)), "PNG")
    assert decode(data, DecodeLimits(max_pixels=25_000)).width == 200
    with pytest.raises(LimitExceeded, match="the limit is 24,999"):
        decode(data, DecodeLimits(max_pixels=24_999))


@pytest.mark.parametrize(
    ("error", "code"),
    [(UnsupportedFormat, "unsupported_format"), (CorruptImage, "corrupt_image"), (LimitExceeded, "limit_exceeded")],
)
def test_errors_are_image_errors_with_a_code(error: type[ImageError], code: str) -> None:
    assert issubclass(error, ImageError)
    assert error("message").code == code


@pytest.mark.parametrize("cut", [60, 200, 400])
def test_truncated_heif_is_corrupt_not_unsupported(cut: int) -> None:
    data = encode(Image.new("RGB", (64, 48), (200, 30, 30)), "HEIF")
    with pytest.raises(CorruptImage):
        decode(data[:cut])


def test_foreign_bytes_stay_unsupported() -> None:
    with pytest.raises(UnsupportedFormat):
        decode(b"%PDF-1.4 not an image at all" * 10)
