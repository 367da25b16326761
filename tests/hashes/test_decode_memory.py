"""Decompression bombs and the decode budget: caps by format, one budget for every
decode, and big full-size decodes reduced before anything else is done with them."""

from __future__ import annotations

import importlib
import io
import struct
import threading
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from hashes import DecodeLimits, LimitExceeded, decode
from hashes.budget import DecodeBudget
from hashes.decode import DEFAULT_LIMITS, decode_stored
from tests.conftest import ORIGINALS
from tests.images import encode

decode_module = importlib.import_module("hashes.decode")
"""The module (the package exports its `decode` function under the same name)."""


def _png_claiming(width: int, height: int, mode: str = "RGBA") -> bytes:
    """A tiny PNG whose header claims a huge size (the 466 KB RGBA bomb, without its bytes)."""
    data = bytearray(encode(Image.new(mode, (16, 16), (200, 100, 50, 128)), "PNG"))
    start = 8 + 8  # signature, IHDR length and type
    struct.pack_into(">II", data, start, width, height)
    struct.pack_into(">I", data, start + 13, zlib.crc32(bytes(data[start - 4 : start + 13])))
    return bytes(data)


def test_full_size_formats_have_a_lower_cap_than_jpeg() -> None:
    photo = Image.open(ORIGINALS / "Dune.jpg").convert("RGB").resize((200, 125))
    limits = DecodeLimits(max_pixels=25_000, max_full_decode_pixels=24_999)
    assert decode(encode(photo, "JPEG"), limits).width == 200
    with pytest.raises(LimitExceeded, match=r"the limit is 24,999 \(PNG decodes at full size"):
        decode(encode(photo, "PNG"), limits)


def test_a_119_megapixel_rgba_png_is_refused_before_decoding() -> None:
    bomb = _png_claiming(10950, 10950)
    assert len(bomb) < 1000
    started = time.perf_counter()
    with pytest.raises(LimitExceeded, match="the limit is 50,000,000"):
        decode(bomb)
    assert time.perf_counter() - started < 1.0, "refused from the header, no pixel decoded"
    assert DEFAULT_LIMITS.max_pixels == 120_000_000 and DEFAULT_LIMITS.max_full_decode_pixels == 50_000_000


def test_the_budget_makes_big_decodes_take_turns() -> None:
    budget = DecodeBudget(100)
    inside, most = 0, 0
    lock = threading.Lock()

    def hold(nbytes: int) -> None:
        nonlocal inside, most
        with budget.reserve(nbytes):
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=hold, args=(60,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 1 and budget.free == 100
    with budget.reserve(1000):  # bigger than the whole budget: runs alone, does not wait for ever
        assert budget.free == 0


def test_decode_reserves_its_peak_from_the_process_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    reserved: list[int] = []
    real = decode_module.BUDGET.reserve

    def spy(nbytes: int):  # type: ignore[no-untyped-def]
        reserved.append(nbytes)
        return real(nbytes)

    monkeypatch.setattr(decode_module.BUDGET, "reserve", spy)
    decode(encode(Image.new("RGBA", (300, 200), (1, 2, 3, 4)), "PNG"))
    assert reserved == [12 * 300 * 200]


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L", "I;16"])
@pytest.mark.parametrize("orientation", [1, 6])
def test_early_reduction_gives_the_pixels_of_the_plain_path(
    monkeypatch: pytest.MonkeyPatch, mode: str, orientation: int
) -> None:
    photo = Image.open(ORIGINALS / "Dune.jpg").convert("RGB").resize((900, 600))
    if mode == "RGBA":
        photo = photo.convert("RGBA")
        photo.putalpha(Image.linear_gradient("L").resize(photo.size))
    elif mode == "I;16":
        photo = Image.fromarray((np.asarray(photo.convert("L"), np.uint16) * 257).astype(np.uint16))
    elif mode != "RGB":
        photo = photo.convert(mode)
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(photo, "PNG", exif=exif.tobytes())
    limits = DecodeLimits(working_size=200)
    plain = decode(data, limits)
    monkeypatch.setattr(decode_module, "EARLY_REDUCE_PIXELS", 0)
    early = decode(data, limits)
    assert (early.width, early.height) == (plain.width, plain.height)
    assert early.pixels.shape == plain.pixels.shape
    assert np.abs(early.pixels.astype(int) - plain.pixels.astype(int)).mean() < 2.0


def test_stored_jpeg_pixels_are_reduced_until_they_fit() -> None:
    data = encode(Image.new("RGB", (1600, 1200), (90, 90, 90)), "JPEG")
    full = decode_stored(data, 2_000_000)
    assert full.full_resolution and full.rgb.shape == (1200, 1600, 3)
    reduced = decode_stored(data, 200_000)
    assert not reduced.full_resolution and reduced.stored_size == (1600, 1200)
    assert reduced.rgb.shape[0] * reduced.rgb.shape[1] <= 200_000 and reduced.rgb.shape[1] == 400


def test_one_pixel_images_decode() -> None:
    for size in ((1, 1), (1, 3000), (3000, 1)):
        image = decode(encode(Image.new("RGB", size, (10, 20, 30)), "PNG"))
        assert (image.width, image.height) == size and min(image.pixels.shape[:2]) == 1
    riff = io.BytesIO()
    Image.new("RGB", (1, 1)).save(riff, "WEBP")
    assert decode(riff.getvalue()).format == "WEBP"
