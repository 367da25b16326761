"""EXIF through exifread, maker notes included (camera serial numbers live there)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from fractions import Fraction

import exifread

_SKIPPED_PREFIXES = ("JPEGThumbnail", "TIFFThumbnail", "Thumbnail ")
_SKIPPED_TAGS = {"EXIF MakerNote", "MakerNote DataDump", "MakerNote PrintIM"}
_MAX_VALUE_CHARS = 300
logging.getLogger("exifread").setLevel(logging.CRITICAL)
"""exifread logs a warning for every file without EXIF; the record says what is missing."""


@dataclass
class ExifRecord:
    tags: dict[str, str] = field(default_factory=dict)
    gps: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    thumbnail: bytes | None = None
    """The JPEG preview in IFD1, when the file carries one."""

    def first(self, *names: str) -> str | None:
        for name in names:
            value = self.tags.get(name, "").strip().strip("\x00").strip()
            if value:
                return value
        return None


def read_exif(data: bytes) -> ExifRecord:
    record = ExifRecord()
    try:
        tags = exifread.process_file(io.BytesIO(data), details=True, debug=False)
    except Exception as exc:  # exifread raises anything on hostile input; never fail a check for it
        record.error = f"EXIF could not be read: {type(exc).__name__}: {exc}"
        return record
    thumbnail = tags.get("JPEGThumbnail")
    if isinstance(thumbnail, bytes) and thumbnail.startswith(b"\xff\xd8"):
        record.thumbnail = thumbnail
    for name, value in tags.items():
        if name.startswith(_SKIPPED_PREFIXES) or name in _SKIPPED_TAGS:
            continue
        record.tags[name] = str(value)[:_MAX_VALUE_CHARS]
    record.gps = _gps(tags)
    return record


def _gps(tags: dict) -> dict[str, float]:
    result: dict[str, float] = {}
    for axis, negative in (("Latitude", "S"), ("Longitude", "W")):
        value, ref = tags.get(f"GPS GPS{axis}"), tags.get(f"GPS GPS{axis}Ref")
        degrees = _degrees(value)
        if degrees is not None:
            sign = -1.0 if ref is not None and str(ref).strip().upper().startswith(negative) else 1.0
            result[axis.lower()] = round(sign * degrees, 7)
    altitude = tags.get("GPS GPSAltitude")
    if altitude is not None and altitude.values:
        below_sea = str(tags.get("GPS GPSAltitudeRef", "0")).strip() == "1"
        metres = _to_float(altitude.values[0])
        if metres is not None:
            result["altitude"] = round(-metres if below_sea else metres, 2)
    return result


def _degrees(tag) -> float | None:
    if tag is None or len(getattr(tag, "values", [])) != 3:
        return None
    whole, minutes, seconds = (_to_float(v) for v in tag.values)
    if whole is None or minutes is None or seconds is None:
        return None
    degrees = whole + minutes / 60 + seconds / 3600
    return degrees if 0 <= degrees <= 180 else None


def _to_float(value) -> float | None:
    try:
        if hasattr(value, "num"):
            return float(Fraction(value.num, value.den)) if value.den else None
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
