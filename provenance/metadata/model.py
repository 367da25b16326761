"""The one typed metadata record every source (EXIF, IPTC IIM, XMP) is normalised into."""

from __future__ import annotations

from pydantic import BaseModel, Field

KEY_FIELDS: tuple[str, ...] = (
    "captured_at",
    "camera_make",
    "camera_model",
    "camera_serial",
    "software",
    "gps_latitude",
    "gps_longitude",
    "byline",
    "credit",
    "source",
    "copyright",
    "headline",
    "caption",
    "city",
    "country",
    "transmission_reference",
    "document_id",
    "instance_id",
)
"""Fields a photo desk compares between a copy and its original."""


class ImageMetadata(BaseModel):
    captured_at: str | None = None
    """ISO 8601, with the offset where the camera recorded one."""
    camera_make: str | None = None
    camera_model: str | None = None
    camera_serial: str | None = None
    lens: str | None = None
    software: str | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude: float | None = None
    byline: str | None = None
    credit: str | None = None
    source: str | None = None
    copyright: str | None = None
    headline: str | None = None
    caption: str | None = None
    city: str | None = None
    country: str | None = None
    transmission_reference: str | None = None
    document_id: str | None = None
    instance_id: str | None = None
    original_document_id: str | None = None
    keywords: list[str] = Field(default_factory=list)
    raw: dict[str, str] = Field(default_factory=dict)
    """Every tag read, as `EXIF:Tag`, `IPTC:2:80`, `XMP:ns:Name`, for the report."""
    warnings: list[str] = Field(default_factory=list)
    """Parts of the metadata that could not be read (damaged blocks)."""

    def key_values(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in KEY_FIELDS}

    def has_descriptive_metadata(self) -> bool:
        return any(value is not None for value in self.key_values().values())
