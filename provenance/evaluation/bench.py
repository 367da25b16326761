"""Speed of ingest and check next to a plain decode of the same files, in one run."""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from provenance.check.pipeline import check_bytes
from provenance.config import Settings
from provenance.library.library import Library


@dataclass(frozen=True)
class Timing:
    name: str
    milliseconds: list[float]

    @property
    def images(self) -> int:
        return len(self.milliseconds)

    @property
    def per_image_ms(self) -> float:
        return statistics.fmean(self.milliseconds)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.milliseconds)

    @property
    def images_per_second(self) -> float:
        return 1000 * self.images / sum(self.milliseconds)


def run_bench(files: list[str], library_size: int = 0) -> list[Timing]:
    """Plain Pillow decode, ingest, then checks of each original, of a full-size q85
    re-encode (what a 12-megapixel copy costs) and of a half-size q40 copy, against a
    library padded with distinct synthetic originals up to `library_size`."""
    originals = [Path(f).read_bytes() for f in files]
    timings = [_timed("plain decode (Pillow, full size)", originals, _plain_decode)]
    with tempfile.TemporaryDirectory() as home:
        library = Library(Settings(home=Path(home)))
        try:
            pairs = list(zip(originals, files, strict=True))
            timings.append(_timed("ingest", pairs, lambda item: library.ingest(item[0], item[1])))
            for number in range(max(0, library_size - len(files))):
                library.ingest(_filler(number), f"filler-{number}.jpg")
            library.indexes.hashes("pdq")
            library.indexes.features()
            check = lambda data: check_bytes(library, data, "bench")  # noqa: E731
            timings.append(_timed("check original", originals, check))
            timings.append(_timed("check full-size q85 re-encode", [_reencoded(d, 1.0, 85) for d in originals], check))
            timings.append(_timed("check half-size q40 copy", [_reencoded(d, 0.5, 40) for d in originals], check))
        finally:
            library.close()
    return timings


def _timed(name: str, items: list, action) -> Timing:
    milliseconds = []
    for item in items:
        start = time.perf_counter()
        action(item)
        milliseconds.append(1000 * (time.perf_counter() - start))
    return Timing(name, milliseconds)


def _plain_decode(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.convert("RGB")


def _filler(number: int) -> bytes:
    """A distinct 1024 x 768 picture full of corners (random shapes over smooth colour),
    so that index search and keypoint voting work as hard as with real originals."""
    rng = np.random.default_rng(number)
    base = cv2.resize(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8), (1024, 768), interpolation=cv2.INTER_CUBIC)
    image = Image.fromarray(base)
    draw = ImageDraw.Draw(image)
    for _ in range(120):
        x, y = rng.integers(0, 1024), rng.integers(0, 768)
        w, h = rng.integers(5, 120, size=2)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = (int(x), int(y), int(x + w), int(y + h))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(shape, fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _reencoded(data: bytes, factor: float, quality: int) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        picture = image.convert("RGB")
    if factor != 1.0:
        size = (round(picture.width * factor), round(picture.height * factor))
        picture = picture.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
