"""Stored reference rows as the check sees them: plain values, no SQL session attached."""

from __future__ import annotations

from provenance.check.library_view import Original
from provenance.metadata import ImageMetadata
from provenance.store import Reference


def reference_metadata(reference: Reference) -> ImageMetadata:
    return ImageMetadata.model_validate(reference.image_metadata)


def as_original(reference: Reference, hash_quality: int | None = None) -> Original:
    return Original(
        id=reference.id,
        external_id=reference.external_id,
        source=reference.source,
        format=reference.format,
        width=reference.width,
        height=reference.height,
        sha256=reference.sha256,
        metadata=reference_metadata(reference),
        has_pixels=reference.has_pixels,
        hash_quality=hash_quality,
    )
