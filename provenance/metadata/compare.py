"""What a copy changed or stripped relative to its original's metadata."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from provenance.metadata.model import ImageMetadata

Change = Literal["stripped", "changed", "added"]

_COMPARED = (
    "captured_at",
    "byline",
    "credit",
    "source",
    "copyright",
    "headline",
    "caption",
    "city",
    "country",
    "camera_make",
    "camera_model",
    "camera_serial",
    "software",
    "gps_latitude",
    "gps_longitude",
    "document_id",
)
_GPS_TOLERANCE_DEGREES = 1e-4


class MetadataChange(BaseModel):
    field: str
    original: str | float | None
    copy_value: str | float | None
    change: Change


def compare_metadata(original: ImageMetadata, copy: ImageMetadata) -> list[MetadataChange]:
    changes = []
    for name in _COMPARED:
        before, after = getattr(original, name), getattr(copy, name)
        if _same(before, after):
            continue
        kind: Change = "stripped" if after is None else "added" if before is None else "changed"
        changes.append(MetadataChange(field=name, original=before, copy_value=after, change=kind))
    return changes


def _same(before: object, after: object) -> bool:
    if isinstance(before, float) and isinstance(after, float):
        return abs(before - after) <= _GPS_TOLERANCE_DEGREES
    if isinstance(before, str) and isinstance(after, str):
        return " ".join(before.split()) == " ".join(after.split())
    return before == after
