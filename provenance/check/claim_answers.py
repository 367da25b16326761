"""The answers to what someone claims about the image, from what the check found."""

from __future__ import annotations

from provenance.check.library_view import Original
from provenance.claims import ClaimAssessment, ClaimContext, Claims, assess_claims
from provenance.forensics.model import ForensicsReport
from provenance.metadata import ImageMetadata
from provenance.metadata.c2pa import ContentCredentials
from provenance.report import Match, Verdict


def answer_claims(
    claims: Claims | None,
    verdict: Verdict,
    best: Match | None,
    original: Original | None,
    copy: ImageMetadata,
    credentials: ContentCredentials,
    forensics: ForensicsReport,
) -> list[ClaimAssessment]:
    """Each claim supported, contradicted or unverifiable; none without claims. The
    original's metadata is not evidence about a different photograph (`related`)."""
    if claims is None or claims.is_empty():
        return []
    context = ClaimContext(
        verdict=verdict,
        original_label=f"{best.reference.source} original {best.reference.external_id}" if best else None,
        original_source=best.reference.source if best else None,
        original=original.metadata if original and best and verdict != "related" else None,
        region_count=len(best.regions) if best else 0,
        changed_fraction=best.changed_fraction if best else None,
        cannot_tell=best is not None and best.scene is not None and best.scene.finding == "moved_subjects",
        edits=tuple(best.edits) if best else (),
        copy=copy,
        credentials=credentials,
        original_credentials=best.original_credentials if best else None,
        forensics=forensics,
    )
    return assess_claims(claims, context)
