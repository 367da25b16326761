"""JPEG structure read from the marker segments: quantisation tables, an estimated
quality, the likely encoder and traces the writing software left.

No pixels are decoded. The quality estimate compares the luminance and chrominance
tables with the IJG (libjpeg) reference tables scaled to every quality from 1 to 100:
an exact match means a libjpeg-family encoder (editing software, web services, Pillow,
social platforms); tables that match no IJG quality are the encoder's own (cameras,
Photoshop, phone pipelines).
"""

from __future__ import annotations

import re
import struct
from functools import cache
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

_ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
    28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
    54, 47, 55, 62, 63,
)  # fmt: skip
"""Position in the 8x8 block (row-major) of the n-th coefficient as stored in a DQT segment."""
IJG_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
    87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
IJG_CHROMA = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99,
    99, 99, 99, *([99] * 32),
)  # fmt: skip
"""The reference tables of ITU-T T.81 Annex K, row-major, as libjpeg scales them."""

_SOF_NAMES = {
    0xC0: "baseline",
    0xC1: "extended sequential",
    0xC2: "progressive",
    0xC3: "lossless",
    0xC9: "arithmetic sequential",
    0xCA: "arithmetic progressive",
}
_APP_NAMES = {
    (0xE0, b"JFIF"): "JFIF",
    (0xE1, b"Exif"): "EXIF",
    (0xE1, b"http"): "XMP",
    (0xE2, b"ICC_"): "ICC profile",
    (0xE2, b"MPF\x00"): "MPF (multi-picture)",
    (0xED, b"Phot"): "Photoshop IRB / IPTC",
    (0xEE, b"Adob"): "Adobe",
    (0xEB, b"JP"): "JUMBF (C2PA)",
}
EDITING_SOFTWARE = re.compile(
    r"photoshop|lightroom|gimp|snapseed|pixelmator|affinity|capture one|paint|picasa|acdsee|luminar|darktable|"
    r"rawtherapee|photoscape|canva|facetune|picsart|instagram|facebook|whatsapp|telegram|twitter|imagemagick|"
    r"graphicconverter|preview|photos \d|lavc|gd-jpeg|photoshop express|fotor|meitu|vsco",
    re.IGNORECASE,
)
"""Software names that mark an edit or re-encode, as opposed to camera firmware versions."""
Encoder = Literal["libjpeg-standard", "camera-or-custom", "photoshop", "unknown"]


class JpegInfo(BaseModel):
    """What the JPEG's own structure says about how it was written."""

    process: str | None = Field(default=None, description="baseline, progressive...")
    subsampling: str | None = Field(default=None, description="chroma subsampling, e.g. 4:2:0")
    quantisation_tables: list[list[int]] = Field(
        default_factory=list, description="each table's 64 values in row-major order (table 0 is luminance)"
    )
    estimated_quality: int | None = Field(default=None, description="1..100 on the IJG (libjpeg) scale")
    standard_tables: bool = Field(default=False, description="the tables are exactly IJG tables at that quality")
    table_error: float | None = Field(default=None, description="mean distance to the nearest IJG tables")
    encoder: Encoder = "unknown"
    likely_encoder: str = Field(default="", description="a sentence on the likely encoder, with its caveats")
    segments: list[str] = Field(default_factory=list, description="application segments present (EXIF, XMP, ICC...)")
    comments: list[str] = Field(default_factory=list, description="COM segments (encoders often sign here)")


def read_jpeg_structure(data: bytes) -> JpegInfo | None:
    """The JPEG's markers up to the first scan; None when the data is not a JPEG."""
    if not data.startswith(b"\xff\xd8"):
        return None
    info = JpegInfo()
    tables: dict[int, list[int]] = {}
    position = 2
    try:
        while position + 4 <= len(data):
            if data[position] != 0xFF:
                break
            marker = data[position + 1]
            if marker == 0xFF:
                position += 1
                continue
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                position += 2
                continue
            (length,) = struct.unpack(">H", data[position + 2 : position + 4])
            body = data[position + 4 : position + 2 + length]
            if marker == 0xDA or marker == 0xD9:
                break
            if marker == 0xDB:
                _read_dqt(body, tables)
            elif marker in _SOF_NAMES:
                info.process = _SOF_NAMES[marker]
                info.subsampling = _subsampling(body)
            elif marker == 0xFE:
                info.comments.append(body.decode("latin-1", errors="replace").strip("\x00 ")[:200])
            elif 0xE0 <= marker <= 0xEF:
                name = _APP_NAMES.get((marker, body[:4])) or _APP_NAMES.get((marker, body[:2]))
                info.segments.append(name or f"APP{marker - 0xE0}")
            position += 2 + length
    except struct.error:
        pass
    info.quantisation_tables = [tables[k] for k in sorted(tables)]
    _estimate(info)
    return info


def _read_dqt(body: bytes, tables: dict[int, list[int]]) -> None:
    offset = 0
    while offset < len(body):
        precision, table_id = body[offset] >> 4, body[offset] & 0x0F
        size = 128 if precision else 64
        raw = body[offset + 1 : offset + 1 + size]
        if len(raw) < size:
            return
        values = struct.unpack(">64H", raw) if precision else tuple(raw)
        natural = [0] * 64
        for index, value in enumerate(values):
            natural[_ZIGZAG[index]] = value
        tables[table_id] = natural
        offset += 1 + size


def _subsampling(body: bytes) -> str | None:
    if len(body) < 6:
        return None
    components = body[5]
    if components == 1:
        return "greyscale"
    if len(body) < 6 + 3 * components:
        return None
    factors = [(body[7 + 3 * i] >> 4, body[7 + 3 * i] & 0x0F) for i in range(components)]
    (h, v), rest = factors[0], factors[1:]
    if any(f != (1, 1) for f in rest):
        return f"{h}x{v} (unusual)"
    return {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0", (4, 1): "4:1:1"}.get((h, v), f"{h}x{v}")


def ijg_table(base: tuple[int, ...], quality: int) -> list[int]:
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return [min(255, max(1, (value * scale + 50) // 100)) for value in base]


@cache
def _ijg_tables(base: tuple[int, ...]) -> np.ndarray:
    """100 x 64: the IJG table of every quality from 1 to 100 (computed once; the
    estimate compares a file's tables with all of them)."""
    return np.array([ijg_table(base, quality) for quality in range(1, 101)], dtype=np.float64)


def _estimate(info: JpegInfo) -> None:
    tables = info.quantisation_tables
    if not tables:
        return
    errors = _distances(tables[0], _ijg_tables(IJG_LUMA))
    if len(tables) > 1:
        errors = (errors + _distances(tables[1], _ijg_tables(IJG_CHROMA))) / 2
    best = int(np.argmin(errors))
    best_quality, best_error = best + 1, float(errors[best])
    info.estimated_quality = best_quality
    info.table_error = round(best_error, 3)
    info.standard_tables = best_error == 0
    if info.standard_tables:
        info.encoder = "libjpeg-standard"
    elif "Adobe" in info.segments and "Photoshop IRB / IPTC" in info.segments:
        info.encoder = "photoshop"
    else:
        info.encoder = "camera-or-custom"


def _distances(actual: list[int], references: np.ndarray) -> np.ndarray:
    """Mean relative difference of one table from each reference table (one per row)."""
    return (np.abs(np.asarray(actual, dtype=np.float64) - references) / references).sum(axis=1) / 64


def is_editing_software(name: str | None) -> bool:
    return bool(name and EDITING_SOFTWARE.search(name))


def describe_encoder(info: JpegInfo, camera: str | None, software: str | None, long_side: int | None) -> str:
    """A careful sentence: tables hint at the encoder, they do not prove it. `software`
    counts only when it names editing software (cameras write firmware versions there)."""
    software = software if is_editing_software(software) else None
    quality = f"quality about {info.estimated_quality}"
    if info.encoder == "libjpeg-standard":
        text = f"Standard IJG/libjpeg tables at {quality}: written by general-purpose software"
        if camera and not software:
            text += f" although the EXIF names a camera ({camera}): it was probably re-saved after leaving the camera"
        elif not camera and not software and long_side is not None and long_side <= 2048:
            text += (
                " with no camera metadata, at a size platforms serve:"
                " consistent with a social-platform or web re-encode"
            )
        elif software:
            text += f" ({software} is named in the metadata)"
        return text + "."
    if info.encoder == "photoshop":
        return (
            f"Non-standard tables ({quality} on the IJG scale) with Adobe segments:"
            " typical of Adobe Photoshop's encoder."
        )
    if camera and not software:
        return (
            f"Tables of the encoder's own (not IJG; {quality} on the IJG scale), "
            f"consistent with the camera named in the EXIF ({camera})."
        )
    owner = f"; the metadata names {software}" if software else ""
    return f"Tables of the encoder's own (not IJG; {quality} on the IJG scale): a camera or proprietary encoder{owner}."
