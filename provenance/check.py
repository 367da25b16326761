"""A check, from bytes to report. Reads like the data flow in ARCHITECTURE.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from hashes import ALGORITHMS, DecodedImage, Fingerprints, Keypoints, extract_keypoints
from provenance.claims import Claims
from provenance.candidates import Candidate, feature_candidates, hash_candidates
from provenance.diff import Difference, localise
from provenance.edits import colour_edits, describe_transform, global_edits
from provenance.enrich import enrich
from provenance.errors import ProvenanceError
from provenance.evidence import render_evidence
from provenance.library import Library, reference_metadata
from provenance.match import Alignment, align_either_way
from provenance.metadata import ImageMetadata, compare_metadata, extract_metadata
from provenance.report import (
    CheckReport,
    ErrorInfo,
    ErrorReport,
    InputInfo,
    Match,
    ReferenceLink,
    ReferenceSummary,
    Region,
)
from provenance.store import Reference
from provenance.verdict import decide, is_hash_only_match

ATTRIBUTION_SHARE = 0.6
"""Share of another original's matching keypoints that must fall inside an altered
region for that region to be attributed to it."""


EvidenceSink = Callable[[bytes], str]
"""Stores an evidence PNG and returns where it can be found (a path or a URL)."""


def check_file(
    library: Library, path: str, evidence: EvidenceSink | None = None, claims: Claims | None = None
) -> CheckReport | ErrorReport:
    """Check one file; an unreadable or invalid file gives an error report, never an exception."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return ErrorReport(input=InputInfo(path=path), error=ErrorInfo(code="unreadable", message=exc.strerror or str(exc)))
    try:
        return check_bytes(library, data, path, evidence, claims)
    except ProvenanceError as exc:
        return ErrorReport(input=InputInfo(path=path), error=ErrorInfo(code=exc.code, message=str(exc)))


def check_bytes(
    library: Library, data: bytes, path: str, evidence: EvidenceSink | None = None, claims: Claims | None = None
) -> CheckReport:
    """The report on one image; with an evidence sink, also the evidence picture of
    the best verified match, stored through the sink and referenced in the report."""
    fingerprints = library.fingerprint(data)
    metadata = extract_metadata(data, fingerprints.image)
    same_bytes = library.find_by_sha256(fingerprints.sha256)
    if same_bytes is not None:
        found = [_Found(same_bytes, None, _match(same_bytes, metadata, {name: 0 for name in ALGORITHMS}, True))]
        had_candidates = True
    else:
        found, had_candidates = _find_originals(library, _QueryFeatures(fingerprints), metadata)
    decision = decide(same_bytes is not None, [f.match for f in found], library.count(), had_candidates)
    image = fingerprints.image
    report = CheckReport(
        input=InputInfo(path=path, sha256=fingerprints.sha256, format=image.format, width=image.width, height=image.height),
        verdict=decision.verdict,
        confidence=decision.confidence,
        reasons=decision.reasons,
        matches=[f.match for f in found],
        metadata=metadata,
        evidence=_evidence(found, image, evidence),
    )
    return enrich(report, library, data, image, claims, evidence)


def _evidence(found: list[_Found], image: DecodedImage, sink: EvidenceSink | None) -> str | None:
    best = found[0] if found else None
    if sink is None or best is None or best.difference is None:
        return None
    return sink(render_evidence(image, best.difference, best.match.regions))


def _find_originals(library: Library, query: _QueryFeatures, metadata: ImageMetadata) -> tuple[list[_Found], bool]:
    """Verify candidates in order until one holds; look further only when the first
    match leaves altered regions that another original might explain."""
    fingerprints = query.fingerprints
    candidates = hash_candidates(library, fingerprints)
    candidates += feature_candidates(library, fingerprints, fingerprints.keypoints.descriptors, _ids(candidates))
    tried: list[Candidate] = []
    best = _first_verified(library, query, metadata, candidates, tried)
    if best is None:
        mirrored = feature_candidates(library, fingerprints, query.mirrored.descriptors, _ids(tried))
        best = _first_verified(library, query, metadata, mirrored, tried)
    if best is None:
        return [], bool(tried)
    found = [best]
    _describe_differences(library, query, best)
    if best.match.regions:
        untried = [c for c in candidates if c.reference_id not in _ids(tried)]
        found += [f for f in (_verify(library, query, metadata, c) for c in untried) if f and f.alignment]
        _attribute(best.match.regions, found[1:])
    return found, True


def _first_verified(
    library: Library, query: _QueryFeatures, metadata: ImageMetadata, candidates: list[Candidate], tried: list[Candidate]
) -> _Found | None:
    hash_only = None
    for candidate in candidates:
        tried.append(candidate)
        found = _verify(library, query, metadata, candidate)
        if found is not None and found.alignment is not None:
            return found
        hash_only = hash_only or found
    return hash_only


def _ids(candidates: list[Candidate]) -> set[int]:
    return {c.reference_id for c in candidates}


class _QueryFeatures:
    """The checked image's keypoints, as taken and mirrored (ORB is not mirror-invariant)."""

    def __init__(self, fingerprints: Fingerprints) -> None:
        self.fingerprints = fingerprints

    @cached_property
    def mirrored(self) -> Keypoints:
        return extract_keypoints(self.fingerprints.image, mirrored=True)

    def align(self, reference_keypoints: Keypoints, reference: Reference) -> Alignment | None:
        size = (reference.width, reference.height)
        return align_either_way(self.fingerprints.keypoints, lambda: self.mirrored, reference_keypoints, size)


@dataclass
class _Found:
    reference: Reference
    alignment: Alignment | None
    match: Match
    difference: Difference | None = field(default=None)


def _verify(library: Library, query: _QueryFeatures, metadata: ImageMetadata, candidate: Candidate) -> _Found | None:
    reference = library.get(candidate.reference_id)
    alignment = query.align(library.keypoints(reference.id), reference)
    match = _match(reference, metadata, candidate.distances, alignment is not None)
    if alignment is None and not is_hash_only_match(match):
        return None
    if alignment is not None:
        match.transform = describe_transform(alignment, query.fingerprints.image, reference)
    return _Found(reference, alignment, match)


def _match(reference: Reference, metadata: ImageMetadata, distances: dict[str, int], verified: bool) -> Match:
    return Match(
        reference=_summary(reference),
        distances=distances,
        verified=verified,
        metadata_diff=compare_metadata(reference_metadata(reference), metadata),
    )


def _describe_differences(library: Library, query: _QueryFeatures, best: _Found) -> None:
    """Global edits and altered regions of the best match."""
    image = query.fingerprints.image
    original = library.working_copy(best.reference) if best.alignment else None
    colour: list = []
    if original is not None and best.alignment is not None:
        colour = colour_edits(image, original, best.alignment)
        difference = localise(image, original, best.alignment)
        best.difference = difference
        best.match.regions = _regions(difference)
        best.match.changed_fraction = round(difference.changed_fraction, 4)
    best.match.edits = global_edits(image, best.reference, best.match.transform, colour, best.match.metadata_diff)


def _regions(difference: Difference) -> list[Region]:
    return [
        Region(
            bbox=list(r.box),
            reference_bbox=list(r.reference_box),
            area_fraction=r.area_fraction,
            strength=r.strength,
        )
        for r in difference.regions
    ]


def _attribute(regions: list[Region], others: list[_Found]) -> None:
    for other in others:
        if other.alignment is None:
            continue
        points = other.alignment.query_points
        for region in regions:
            x, y, w, h = region.bbox
            margin_x, margin_y = 0.1 * w, 0.1 * h
            inside = (
                (points[:, 0] >= x - margin_x)
                & (points[:, 0] <= x + w + margin_x)
                & (points[:, 1] >= y - margin_y)
                & (points[:, 1] <= y + h + margin_y)
            )
            if region.explained_by is None and np.mean(inside) >= ATTRIBUTION_SHARE:
                ref = other.reference
                region.explained_by = ReferenceLink(id=ref.id, external_id=ref.external_id, source=ref.source)


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
