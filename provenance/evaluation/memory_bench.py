"""`provenance bench-memory`: peak memory of a check on the worst inputs the caps accept.

The inputs are generated in a temporary folder: the biggest JPEGs (baseline and
progressive 4:4:4, which keeps every DCT coefficient while decoding), the biggest
RGBA PNG, WebP and HEIF (decoded at full size), tiny files whose headers claim huge sizes, a
50 MB XMP caption and a 1-pixel line. Each is checked in a fresh process against a
one-original library; the child reports its peak RSS and its RSS after the check,
printed next to the cap every accepted input must stay under.

The peak is the child's `VmHWM` (/proc/self/status), its own `ru_maxrss` elsewhere:
Linux carries `ru_maxrss` across `exec`, so a child forked from this process (which
has just made 120-megapixel inputs) would report this process's size, not its own.
"""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, PngImagePlugin

from hashes.decode import DEFAULT_LIMITS

pillow_heif.register_heif_opener()

PEAK_CAP_MB = 1024
"""Every accepted input must be checked under this peak RSS (issue 14)."""


@dataclass(frozen=True)
class MemoryRow:
    name: str
    file_bytes: int
    outcome: str
    peak_mb: float
    after_mb: float
    before_mb: float
    seconds: float

    @property
    def within_cap(self) -> bool:
        return self.peak_mb <= PEAK_CAP_MB


def _side(pixels: int) -> int:
    return int(pixels**0.5)


def _jpeg(progressive: bool) -> bytes:
    side = _side(DEFAULT_LIMITS.max_pixels)
    gradient = Image.linear_gradient("L").resize((side, side)).convert("RGB")
    out = io.BytesIO()
    gradient.save(out, "JPEG", quality=80, progressive=progressive, subsampling=0 if progressive else 2)
    return out.getvalue()


def _full_decode(fmt: str) -> bytes:
    side = _side(DEFAULT_LIMITS.pixel_cap(fmt))
    rgba = Image.new("RGBA", (side, side), (200, 100, 50, 128))
    out = io.BytesIO()
    options = {"WEBP": {"lossless": True, "method": 0}, "HEIF": {"quality": 50}}.get(fmt, {"compress_level": 1})
    rgba.save(out, fmt, **options)
    return out.getvalue()


def _claiming(fmt: str, pixels: int) -> bytes:
    """A 16 x 16 file whose header claims `pixels` (a square): bytes tiny, size huge."""
    side = _side(pixels)
    data = bytearray(_encoded(Image.new("RGB", (16, 16), (90, 90, 90)), fmt))
    if fmt == "JPEG":
        marker = data.find(b"\xff\xc0")
        struct.pack_into(">HH", data, marker + 5, side, side)
    else:
        struct.pack_into(">II", data, 16, side, side)
        struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _big_xmp() -> bytes:
    caption = "A" * 50_000_000
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt>'
        f'<rdf:li xml:lang="x-default">{caption}</rdf:li></rdf:Alt></dc:description></rdf:Description>'
        "</rdf:RDF></x:xmpmeta>"
    )
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)  # compressed text over 1 MB Pillow refuses itself
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


WORST_INPUTS: dict[str, Callable[[], bytes]] = {
    "jpeg-120MP-baseline.jpg": lambda: _jpeg(progressive=False),
    "jpeg-120MP-progressive-444.jpg": lambda: _jpeg(progressive=True),
    "png-50MP-rgba.png": lambda: _full_decode("PNG"),
    "webp-37MP-rgba.webp": lambda: _full_decode("WEBP"),
    "heif-50MP-rgba.heic": lambda: _full_decode("HEIF"),
    "tiny-jpeg-claiming-120MP.jpg": lambda: _claiming("JPEG", DEFAULT_LIMITS.max_pixels),
    "tiny-png-claiming-50MP.png": lambda: _claiming("PNG", DEFAULT_LIMITS.max_full_decode_pixels),
    "xmp-50MB-caption.png": _big_xmp,
    "line-1x3000.png": lambda: _encoded(Image.new("RGB", (1, 3000), (10, 20, 30)), "PNG"),
}


def run_memory_bench(names: list[str] | None = None) -> Iterator[MemoryRow]:
    """Each worst input checked in a fresh process; rows in the order of WORST_INPUTS."""
    with tempfile.TemporaryDirectory(prefix="provenance-bench-memory-") as folder:
        home = Path(folder) / "home"
        _child(["ingest", str(home), _write(Path(folder), "original.png", _photo())])
        for name, make in WORST_INPUTS.items():
            if names and name not in names:
                continue
            path = _write(Path(folder), name, make())
            report = _child(["check", str(home), path])
            yield MemoryRow(
                name, os.path.getsize(path), report["outcome"], report["peak_mb"], report["after_mb"],
                report["before_mb"], report["seconds"],
            )


def _photo() -> bytes:
    noise = np.random.default_rng(0).integers(0, 255, (600, 800, 3), dtype=np.uint8)
    return _encoded(Image.fromarray(noise).resize((1600, 1200)), "PNG")


def _write(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def _child(arguments: list[str]) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_")}
    result = subprocess.run(
        [sys.executable, "-m", "provenance.evaluation.memory_bench", *arguments],
        capture_output=True, text=True, env=environment, timeout=600, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the child failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(command: str, home: str, path: str) -> dict:
    import time

    from provenance.check.pipeline import check_file
    from provenance.config import Settings
    from provenance.library.library import Library

    library = Library(Settings(home=Path(home)))
    if command == "ingest":
        library.ingest(Path(path).read_bytes(), path)
        return {}
    library.count()
    before = _rss_mb()
    started = time.perf_counter()
    report = check_file(library, path)
    seconds = time.perf_counter() - started
    outcome = getattr(report, "verdict", None) or f"error: {report.error.code}"  # type: ignore[union-attr]
    del report
    peak = _peak_mb()
    return {"outcome": outcome, "peak_mb": peak, "after_mb": _rss_mb(), "before_mb": before, "seconds": seconds}


if __name__ == "__main__":
    print(json.dumps(_in_child(*sys.argv[1:4])))
