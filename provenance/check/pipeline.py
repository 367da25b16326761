"""A check, from bytes to report: the data flow of ARCHITECTURE.md, one stage a line.
Each stage returns a new value; the report is assembled once, at the end."""

from __future__ import annotations

from pathlib import Path

from hashes import ALGORITHMS
from hashes.budget import trim_memory
from provenance.check.claim_answers import answer_claims
from provenance.check.composite import explain_regions
from provenance.check.credentials import credentials_evidence
from provenance.check.describe import describe_differences
from provenance.check.evidence import EvidenceSink, match_evidence
from provenance.check.indicators import indicators_evidence
from provenance.check.library_view import LibraryView, Original
from provenance.check.query import Query
from provenance.check.scene import judge_scene, viewpoint_among
from provenance.check.search import search
from provenance.check.verdict import decide
from provenance.check.verify import Found, new_match
from provenance.claims import Claims
from provenance.errors import ProvenanceError
from provenance.metadata import ImageMetadata, extract_metadata
from provenance.report import CheckReport, ErrorInfo, ErrorReport, InputInfo

__all__ = ["EvidenceSink", "check_bytes", "check_file"]

TRIM_AFTER_PIXELS = 16_000_000
"""After checking a picture this big, the heap its stages freed is given back to the
system (glibc keeps it otherwise: a server stayed at 1.2-3.3 GB after big inputs)."""


def check_file(
    library: LibraryView, path: str, evidence: EvidenceSink | None = None, claims: Claims | None = None
) -> CheckReport | ErrorReport:
    """Check one file; an unreadable or invalid file gives an error report, never an exception."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        error = ErrorInfo(code="unreadable", message=exc.strerror or str(exc))
        return ErrorReport(input=InputInfo(path=path), error=error)
    try:
        return check_bytes(library, data, path, evidence, claims)
    except ProvenanceError as exc:
        return ErrorReport(input=InputInfo(path=path), error=ErrorInfo(code=exc.code, message=str(exc)))


def check_bytes(
    library: LibraryView, data: bytes, path: str, evidence: EvidenceSink | None = None, claims: Claims | None = None
) -> CheckReport:
    """The report on one image; with an evidence sink, also the evidence picture of
    the best verified match, stored through the sink and referenced in the report."""
    fingerprints = library.fingerprint(data)
    image = fingerprints.image
    metadata = extract_metadata(data, image)
    same_bytes = library.original_by_sha256(fingerprints.sha256)
    if same_bytes is not None:
        found, verified = [_same_file(same_bytes, metadata)], 0
    else:
        found, verified = _originals(library, Query(fingerprints), metadata)
    had_candidates = same_bytes is not None or verified > 0
    best = found[0] if found else None
    decision = decide(
        same_bytes is not None,
        [f.match for f in found],
        library.count(),
        had_candidates,
        fingerprints.low_information,
    )
    picture = match_evidence(best, image, evidence)
    credentials = credentials_evidence(library, data, image.format, [f.match for f in found])
    matches = credentials.matches
    indicators = indicators_evidence(data, image, metadata, credentials.own, decision.verdict, picture, evidence)
    answers = answer_claims(
        claims,
        decision.verdict,
        matches[0] if matches else None,
        best.original if best else None,
        metadata,
        credentials.own,
        indicators.forensics,
    )
    report = CheckReport(
        input=InputInfo(
            path=path, sha256=fingerprints.sha256, format=image.format, width=image.width, height=image.height
        ),
        verdict=decision.verdict,
        confidence=decision.confidence,
        reasons=[*decision.reasons, *credentials.reasons, *indicators.reasons],
        matches=matches,
        candidates_verified=verified,
        metadata=metadata,
        evidence=indicators.evidence,
        content_credentials=credentials.own,
        claims=answers,
        forensics=indicators.forensics if indicators.shown else None,
    )
    if image.width * image.height >= TRIM_AFTER_PIXELS:
        trim_memory()
    return report


def _same_file(original: Original, metadata: ImageMetadata) -> Found:
    """The file is an original itself: every hash at distance 0, nothing to describe."""
    return Found(original, None, new_match(original, metadata, {name: 0 for name in ALGORITHMS}, True))


def _originals(library: LibraryView, query: Query, metadata: ImageMetadata) -> tuple[list[Found], int]:
    """The best match, described, then the originals other parts of the picture come
    from, and whether it is another photograph of the scene; and how many candidate
    originals the search verified. When none verified, a candidate may still share a
    camera geometry."""
    searched = search(library, query, metadata)
    if searched.best is None:
        other = viewpoint_among(library, query, metadata, searched.tried)
        return ([other] if other else []), len(searched.tried)
    best = describe_differences(library, query, searched.best)
    best, parts = explain_regions(library, query, metadata, best)
    return [judge_scene(library, query, metadata, best), *parts], len(searched.tried)
