"""The one typed metadata record every source (EXIF, IPTC IIM, XMP) is normalised into."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from provenance.metadata.exif_thumbnail import ThumbnailCheck
from provenance.metadata.jpeg_quality import JpegInfo


class HistoryEvent(BaseModel):
    """One `xmpMM:History` event: what software did to the file, and when."""

    action: str | None = None
    when: str | None = None
    software_agent: str | None = None
    changed: str | None = None
    instance_id: str | None = None


MAX_TEXT_CHARS = 2000
"""Longest metadata string kept: IPTC's own limit for a caption, the longest field it
defines. A hostile file can carry megabytes of XMP; reports, rows and pages stay small."""
MAX_ITEMS = 100
"""Most items kept of any metadata list (keywords, history, segments...)."""
MAX_RAW_TAGS = 500
"""Most raw tags kept."""


def _capped(value: Any, limits: tuple[int, int]) -> tuple[Any, bool]:
    """The value with every string, list and mapping inside it cut to the caps, and whether anything was cut."""
    text_chars, items = limits
    if isinstance(value, str):
        return (value[:text_chars], True) if len(value) > text_chars else (value, False)
    if isinstance(value, list):
        kept = [_capped(item, limits) for item in value[:items]]
        return [item for item, _ in kept], len(value) > items or any(cut for _, cut in kept)
    if isinstance(value, dict):
        pairs = list(value.items())
        kept_pairs = [(key, _capped(item, limits)) for key, item in pairs[:items]]
        return {key: item for key, (item, _) in kept_pairs}, len(pairs) > items or any(
            cut for _, (_, cut) in kept_pairs
        )
    return value, False


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
    province_state: str | None = None
    sublocation: str | None = None
    country_code: str | None = None
    date_created: str | None = None
    """IPTC Date Created as the caption desk recorded it (MWG: XMP or IIM), ISO 8601."""
    modified_at: str | None = None
    """EXIF DateTime or xmp:ModifyDate: when software last saved the file."""
    transmission_reference: str | None = None
    document_id: str | None = None
    instance_id: str | None = None
    original_document_id: str | None = None
    derived_from_document_id: str | None = None
    history: list[HistoryEvent] = Field(default_factory=list)
    """`xmpMM:History`: the edit history Adobe-compatible software records."""
    iptc_digest: Literal["matches", "differs", "absent"] | None = None
    """IPTC IIM digest (Photoshop 0x0425) against the IIM block: `differs` means a tool unaware
    of XMP edited the IIM after the XMP was written, so IIM values are preferred (MWG)."""
    software_traces: list[str] = Field(default_factory=list)
    """Every software name the file carries (EXIF Software, XMP CreatorTool, history agents, JPEG comments)."""
    jpeg: JpegInfo | None = None
    thumbnail: ThumbnailCheck | None = None
    """The EXIF thumbnail and whether it shows the same picture."""
    keywords: list[str] = Field(default_factory=list)
    raw: dict[str, str] = Field(default_factory=dict)
    """Every tag read, as `EXIF:Tag`, `IPTC:2:80`, `XMP:ns:Name`, for the report."""
    warnings: list[str] = Field(default_factory=list)
    """Parts of the metadata that could not be read (damaged blocks)."""
    truncated: bool = False
    """Some value or list was longer than the caps (`MAX_TEXT_CHARS`, `MAX_ITEMS`,
    `MAX_RAW_TAGS`) and was cut to them."""

    @model_validator(mode="before")
    @classmethod
    def _cut_to_caps(cls, data: Any) -> Any:
        """Every string and list is cut to the caps whatever source filled it (EXIF, IPTC,
        XMP, a sidecar, a stored row), and `truncated` says so."""
        if not isinstance(data, dict):
            return data
        capped: dict[str, Any] = {}
        cut_any = bool(data.get("truncated"))
        for name, value in data.items():
            items = MAX_RAW_TAGS if name == "raw" else MAX_ITEMS
            capped[name], cut = _capped(value, (MAX_TEXT_CHARS, items))
            cut_any = cut_any or cut
        capped["truncated"] = cut_any
        return capped
