"""The evidence a check adds beyond matching: Content Credentials (the copy's own and
its original's), no-reference forensics when no original explains the pixels, and
the answers to claims. Called once by `check_bytes` after the verdict is decided."""

from __future__ import annotations

from collections.abc import Callable

from hashes import DecodedImage
from provenance.claims import ClaimContext, Claims, assess_claims
from provenance.forensics.analyse import analyse
from provenance.library.library import Library, reference_metadata
from provenance.metadata.c2pa import read_content_credentials
from provenance.report import CheckReport

FORENSICS_VERDICTS = ("unknown", "related")
"""Verdicts after which no original explains the pixels, so the pixel indicators run."""


def enrich(
    report: CheckReport,
    library: Library,
    data: bytes,
    image: DecodedImage,
    claims: Claims | None = None,
    sink: Callable[[bytes], str] | None = None,
) -> CheckReport:
    credentials, _ = read_content_credentials(data, image.format)
    report.content_credentials = credentials
    if credentials.present:
        report.reasons.append(credentials.summary)
    original_metadata = None
    for position, match in enumerate(report.matches):
        stored = library.credentials(match.reference.id)
        match.original_credentials = stored
        if stored is None:
            continue
        who = stored.signer or "an unnamed signer"
        when = f" on {stored.signed_at}" if stored.signed_at else ""
        if credentials.present:
            match.credentials_note = f"The original carried Content Credentials signed by {who}{when}; so does this copy."
        else:
            match.credentials_note = (
                f"This copy carries no Content Credentials, but its original {match.reference.external_id} "
                f"({match.reference.source}) carried Content Credentials signed by {who}{when}: the copy's provenance "
                "can be recovered from the original's credentials (a C2PA soft-binding lookup)."
            )
        if position == 0:
            report.reasons.append(match.credentials_note)
    best = report.matches[0] if report.matches else None
    if best is not None:
        original_metadata = reference_metadata(library.get(best.reference.id))
    run_pixels = report.verdict in FORENSICS_VERDICTS
    forensics, png = analyse(data, image, report.metadata, credentials, pixels=run_pixels)
    if run_pixels or forensics.raised("weak"):
        report.forensics = forensics
        if png is not None and sink is not None and report.evidence is None:
            # One evidence picture per check: the match's when there is one, else the indicators'.
            forensics.evidence = report.evidence = sink(png)
        raised = forensics.raised("moderate")
        if run_pixels and raised:
            names = ", ".join(f"{i.title.lower()} ({i.level})" for i in raised)
            report.reasons.append(f"No-reference indicators raised: {names}. They are not proof; see forensics.")
    if claims is not None and not claims.is_empty():
        context = ClaimContext(
            verdict=report.verdict,
            original_label=_label(best) if best else None,
            original_source=best.reference.source if best else None,
            original=original_metadata if best and report.verdict != "related" else None,
            region_count=len(best.regions) if best else 0,
            changed_fraction=best.changed_fraction if best else None,
            edits=tuple(best.edits) if best else (),
            copy=report.metadata,
            credentials=credentials,
            original_credentials=best.original_credentials if best else None,
            forensics=forensics,
        )
        report.claims = assess_claims(claims, context)
    return report


def _label(match) -> str:
    reference = match.reference
    return f"{reference.source} original {reference.external_id}"
