"""Speed of ingest and check next to a plain decode of the same files, in one run."""

from __future__ import annotations

import io
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from provenance.check import check_bytes
from provenance.config import Settings
from provenance.library import Library


@dataclass(frozen=True)
class Timing:
    name: str
    images: int
    seconds: float

    @property
    def per_image_ms(self) -> float:
        return 1000 * self.seconds / self.images

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds


def run_bench(files: list[str]) -> list[Timing]:
    """Plain Pillow decode, ingest, check of each original, check of a half-size q40 copy."""
    originals = [Path(f).read_bytes() for f in files]
    copies = [_half_size_q40(data) for data in originals]
    timings = [_timed("plain decode (Pillow, full size)", originals, _plain_decode)]
    with tempfile.TemporaryDirectory() as home:
        library = Library(Settings(home=Path(home)))
        try:
            timings.append(_timed("ingest", list(zip(originals, files)), lambda item: library.ingest(item[0], item[1])))
            library.index("pdq")
            timings.append(_timed("check original", originals, lambda data: check_bytes(library, data, "bench")))
            timings.append(_timed("check half-size q40 copy", copies, lambda data: check_bytes(library, data, "bench")))
        finally:
            library.close()
    return timings


def _timed(name: str, items: list, action) -> Timing:
    start = time.perf_counter()
    for item in items:
        action(item)
    return Timing(name, len(items), time.perf_counter() - start)


def _plain_decode(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.convert("RGB")


def _half_size_q40(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB").resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=40)
    return buffer.getvalue()
