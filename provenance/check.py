"""A check, from bytes to report. Reads like the data flow in ARCHITECTURE.md."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from hashes import Fingerprints, Keypoints, extract_keypoints
from provenance.candidates import Candidate, find_candidates
from provenance.edits import colour_edits, describe_transform, global_edits
from provenance.errors import ProvenanceError
from provenance.library import Library, reference_metadata
from provenance.match import Alignment, align_either_way
from provenance.metadata import ImageMetadata, compare_metadata, extract_metadata
from provenance.report import CheckReport, ErrorInfo, ErrorReport, InputInfo, Match, ReferenceSummary
from provenance.store import Reference
from provenance.verdict import decide, is_hash_only_match


def check_file(library: Library, path: str) -> CheckReport | ErrorReport:
    """Check one file; an unreadable or invalid file gives an error report, never an exception."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return ErrorReport(input=InputInfo(path=path), error=ErrorInfo(code="unreadable", message=exc.strerror or str(exc)))
    try:
        return check_bytes(library, data, path)
    except ProvenanceError as exc:
        return ErrorReport(input=InputInfo(path=path), error=ErrorInfo(code=exc.code, message=str(exc)))


def check_bytes(library: Library, data: bytes, path: str) -> CheckReport:
    fingerprints = library.fingerprint(data)
    metadata = extract_metadata(data)
    query = _QueryFeatures(fingerprints)
    candidates = find_candidates(library, fingerprints, [fingerprints.keypoints.descriptors, query.mirrored.descriptors])
    matches = [m for m in (_verify(library, query, metadata, c) for c in candidates) if m is not None]
    matches.sort(key=lambda m: (not m.verified, -(m.transform.inliers if m.transform else 0)))
    identical = bool(matches) and library.get(matches[0].reference.id).sha256 == fingerprints.sha256
    decision = decide(identical, matches, library.count(), had_candidates=bool(candidates))
    image = fingerprints.image
    return CheckReport(
        input=InputInfo(path=path, sha256=fingerprints.sha256, format=image.format, width=image.width, height=image.height),
        verdict=decision.verdict,
        confidence=decision.confidence,
        reasons=decision.reasons,
        matches=matches,
        metadata=metadata,
    )


class _QueryFeatures:
    """The checked image's keypoints; the mirrored set is extracted only once a candidate needs it."""

    def __init__(self, fingerprints: Fingerprints) -> None:
        self.fingerprints = fingerprints

    @cached_property
    def mirrored(self) -> Keypoints:
        return extract_keypoints(self.fingerprints.image, mirrored=True)

    def align(self, reference_keypoints: Keypoints, reference: Reference) -> Alignment | None:
        size = (reference.width, reference.height)
        return align_either_way(self.fingerprints.keypoints, self.mirrored, reference_keypoints, size)


def _verify(library: Library, query: _QueryFeatures, metadata: ImageMetadata, candidate: Candidate) -> Match | None:
    reference = library.get(candidate.reference_id)
    alignment = query.align(library.keypoints(reference.id), reference)
    match = Match(
        reference=_summary(reference),
        distances=candidate.distances,
        verified=alignment is not None,
        metadata_diff=compare_metadata(reference_metadata(reference), metadata),
    )
    if alignment is None and not is_hash_only_match(match):
        return None
    image = query.fingerprints.image
    if reference.sha256 == query.fingerprints.sha256:
        return match
    transform = describe_transform(alignment, image, reference) if alignment else None
    original = library.working_copy(reference) if alignment else None
    colour = colour_edits(image, original, alignment) if alignment and original is not None else []
    match.transform = transform
    match.edits = global_edits(image, reference, transform, colour, match.metadata_diff)
    return match


def _summary(reference: Reference) -> ReferenceSummary:
    metadata = reference_metadata(reference)
    return ReferenceSummary(
        id=reference.id,
        external_id=reference.external_id,
        source=reference.source,
        credit=metadata.credit,
        byline=metadata.byline,
        captured_at=metadata.captured_at,
        headline=metadata.headline,
        caption=metadata.caption,
        width=reference.width,
        height=reference.height,
    )
