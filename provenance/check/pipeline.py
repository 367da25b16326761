"""A check, from bytes to report. Reads like the data flow in ARCHITECTURE.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from hashes import ALGORITHMS, DecodedImage, Fingerprints, Keypoints, extract_keypoints
from provenance.check.candidates import (
    Candidate,
    HashVariants,
    feature_candidates,
    hash_candidates,
    hash_variants,
    is_close,
)
from provenance.check.edits import colour_edits, describe_transform, global_edits
from provenance.check.enrich import enrich
from provenance.check.verdict import decide, is_hash_only_match
from provenance.claims import Claims
from provenance.errors import ProvenanceError
from provenance.library.library import Library, reference_metadata
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
from provenance.vision.evidence import render_evidence
from provenance.vision.framing import Box, content_box, cropped
from provenance.vision.keypoint_alignment import Alignment, align, align_either_way
from provenance.vision.localisation import Difference, box_in_reference, localise
from provenance.vision.pixel_alignment import align_pixels, refine

MAX_EXPLAINED_REGIONS = 3
"""Largest altered regions looked up in the library as possible parts of other originals."""
MIN_REGION_KEYPOINTS = 30
REDUCED_SCALE = 0.5
"""The last look-up describes the checked image at this share of its working size."""
OUTSIDE_SHARE = 0.2
"""A strip beyond the best match's keypoints this large is searched for another original."""
MAX_PIXEL_ALIGNMENTS = 2
"""Close-hash originals aligned pixel by pixel per check when their keypoints do not agree."""
REGION_MARGIN = 0.1
"""Keypoints this share of the region's size outside it still describe it (the edge of
a pasted part is where the changed region's outline is least exact)."""


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
    """Verify hash candidates, then (when none holds) local-feature candidates, as taken
    and mirrored; then look for other originals that parts of the picture come from."""
    fingerprints = query.fingerprints
    tried: list[Candidate] = []
    best = _first_verified(library, query, metadata, hash_candidates(library, query.hash_variants), tried)
    if best is None or best.alignment is None:
        # Hashes miss heavy crops, framing and screenshots; local features find those.
        by_features = feature_candidates(library, query.hash_variants, fingerprints.keypoints.descriptors, _ids(tried))
        best = _first_verified(library, query, metadata, by_features, tried) or best
    if best is None or best.alignment is None:
        mirrored = feature_candidates(library, query.hash_variants, query.mirrored.descriptors, _ids(tried))
        best = _first_verified(library, query, metadata, mirrored, tried) or best
    if best is None or best.alignment is None:
        # Zoomed-in crops and copies shown inside a bigger frame: their details are larger
        # than the original's, and described at a smaller size they match it again.
        reduced = _QueryFeatures(fingerprints, REDUCED_SCALE, query.pixels_tried)
        by_reduced = feature_candidates(library, query.hash_variants, reduced.keypoints.descriptors, set())
        best = _first_verified(library, reduced, metadata, by_reduced, tried) or best
    if best is None:
        return [], bool(tried)
    _describe_differences(library, query, best)
    return [best, *_explain_regions(library, query, metadata, best)], True


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
    """The checked image's keypoints, as taken and mirrored (ORB is not mirror-invariant),
    its hashes, the part inside its frame, and its pixel alignments with originals;
    `reduced` describes the picture at that share of its working size instead."""

    def __init__(
        self, fingerprints: Fingerprints, reduced: float | None = None, pixels_tried: set[int] | None = None
    ) -> None:
        self.fingerprints = fingerprints
        self.pixels_tried = set() if pixels_tried is None else pixels_tried
        """Originals already aligned pixel by pixel in this check (shared with the reduced view)."""
        self.image = fingerprints.image
        if reduced is not None:
            pixels = cv2.resize(self.image.pixels, None, fx=reduced, fy=reduced, interpolation=cv2.INTER_AREA)
            self.image = replace(self.image, pixels=pixels)
        self.keypoints = fingerprints.keypoints if reduced is None else extract_keypoints(self.image)

    @cached_property
    def mirrored(self) -> Keypoints:
        return extract_keypoints(self.image, mirrored=True)

    @cached_property
    def framed_box(self) -> Box | None:
        """Where the picture sits inside borders, a caption bar or app chrome, if it has them."""
        return content_box(self.fingerprints.image)

    @cached_property
    def framed(self) -> DecodedImage | None:
        return None if self.framed_box is None else cropped(self.fingerprints.image, self.framed_box)

    @cached_property
    def hash_variants(self) -> HashVariants:
        return hash_variants(self.fingerprints.image, self.framed)

    def align_pixels(self, library: Library, reference: Reference) -> Alignment | None:
        """Pixel alignment with one original, at most once per original and
        MAX_PIXEL_ALIGNMENTS times per check (each costs 50-100 ms)."""
        if reference.id in self.pixels_tried or len(self.pixels_tried) >= MAX_PIXEL_ALIGNMENTS:
            return None
        self.pixels_tried.add(reference.id)
        original = library.working_copy(reference)
        alignment = align_pixels(self.fingerprints.image, original)
        if alignment is None and self.framed is not None:
            alignment = align_pixels(self.framed, original)
            if alignment is not None:
                alignment = alignment.shifted(*self.framed_box[:2])
        return alignment

    def align(self, reference_keypoints: Keypoints, reference: Reference) -> Alignment | None:
        size = (reference.width, reference.height)
        return align_either_way(self.keypoints, lambda: self.mirrored, reference_keypoints, size)


@dataclass
class _Found:
    reference: Reference
    alignment: Alignment | None
    match: Match
    difference: Difference | None = field(default=None)


def _verify(library: Library, query: _QueryFeatures, metadata: ImageMetadata, candidate: Candidate) -> _Found | None:
    reference = library.get(candidate.reference_id)
    alignment = query.align(library.keypoints(reference.id), reference)
    if alignment is None and is_close(candidate):
        # Smooth pictures give keypoints too few or too noisy to agree; their pixels can.
        alignment = query.align_pixels(library, reference)
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
        difference = localise(image, original, best.alignment)
        if difference.regions:
            difference = _polished(image, original, best, difference)
        colour = colour_edits(image, original, best.alignment)
        best.difference = difference
        best.match.regions = _regions(difference)
        best.match.changed_fraction = round(difference.changed_fraction, 4)
    best.match.edits = global_edits(image, best.reference, best.match.transform, colour, best.match.metadata_diff)


def _polished(image: DecodedImage, original: DecodedImage, best: _Found, difference: Difference) -> Difference:
    """The difference map again after the pixels polished the keypoint alignment (see
    provenance.vision.pixel_alignment.refine): regions that were only a transform a pixel or two off go.
    Asked only when the first map found regions; distortion (another photograph?) stays
    measured on the keypoints' own fit."""
    refined = refine(image, original, best.alignment)
    if refined is best.alignment:
        return difference
    best.alignment = refined
    best.match.transform = describe_transform(refined, image, best.reference)
    return localise(image, original, refined)


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


def _explain_regions(library: Library, query: _QueryFeatures, metadata: ImageMetadata, best: _Found) -> list[_Found]:
    """Other originals that altered regions were taken from (a composite): each region's
    own keypoints are looked up and verified, so the rest of the picture, which belongs
    to the first original, cannot outvote them."""
    found: list[_Found] = []
    for region in best.match.regions[:MAX_EXPLAINED_REGIONS]:
        known = {best.reference.id, *(f.reference.id for f in found)}
        part = _original_of_part(library, query, metadata, _widened(region.bbox), known)
        if part is not None:
            found.append(part)
            region.explained_by = _link(part.reference)
    outside = _outside_part(query, best)
    if outside is not None:
        known = {best.reference.id, *(f.reference.id for f in found)}
        part = _original_of_part(library, query, metadata, outside, known)
        if part is not None and part.alignment is not None:
            found.append(part)
            best.match.regions.append(_region_from(part, best, query.fingerprints.image))
    return found


def _original_of_part(
    library: Library, query: _QueryFeatures, metadata: ImageMetadata, box: tuple[int, int, int, int], known: set[int]
) -> _Found | None:
    """The first other original that the keypoints of one part of the checked image verify against."""
    keypoints = extract_keypoints(query.fingerprints.image, box=box)
    if len(keypoints) < MIN_REGION_KEYPOINTS:
        return None
    for candidate in feature_candidates(library, query.hash_variants, keypoints.descriptors, known):
        reference = library.get(candidate.reference_id)
        alignment = align(keypoints, library.keypoints(reference.id), (reference.width, reference.height))
        if alignment is not None:
            match = _match(reference, metadata, candidate.distances, True)
            match.transform = describe_transform(alignment, query.fingerprints.image, reference)
            return _Found(reference, alignment, match)
    return None


def _region_from(part: _Found, best: _Found, image: DecodedImage) -> Region:
    """The part of the picture another original explains, outlined by its agreeing keypoints."""
    (left, top), (right, bottom) = part.alignment.query_points.min(axis=0), part.alignment.query_points.max(axis=0)
    box = (int(left), int(top), int(right - left), int(bottom - top))
    return Region(
        bbox=list(box),
        reference_bbox=list(box_in_reference(box, best.alignment)),
        area_fraction=round(box[2] * box[3] / (image.width * image.height), 4),
        strength=None,
        explained_by=_link(part.reference),
    )


def _outside_part(query: _QueryFeatures, best: _Found) -> tuple[int, int, int, int] | None:
    """The widest strip of the checked image beyond the part the best match covers:
    when the best match is itself only the pasted part of a composite, the other
    original lies there (borders and app chrome of a screenshot lie there too, and
    simply match nothing)."""
    if best.difference is None:
        return None
    covered = best.difference.compared
    rows, columns = np.flatnonzero(covered.any(axis=1)), np.flatnonzero(covered.any(axis=0))
    if len(rows) == 0:
        return None
    image = query.fingerprints.image
    scale = image.scale
    left, right = round(columns[0] / scale), round((columns[-1] + 1) / scale)
    top, bottom = round(rows[0] / scale), round((rows[-1] + 1) / scale)
    strips = [
        (0, 0, left, image.height),
        (right, 0, image.width - right, image.height),
        (0, 0, image.width, top),
        (0, bottom, image.width, image.height - bottom),
    ]
    widest = max(strips, key=lambda box: box[2] * box[3])
    return widest if widest[2] * widest[3] >= OUTSIDE_SHARE * image.width * image.height else None


def _link(reference: Reference) -> ReferenceLink:
    return ReferenceLink(id=reference.id, external_id=reference.external_id, source=reference.source)


def _widened(bbox: list[int]) -> tuple[int, int, int, int]:
    x, y, w, h = bbox
    margin_x, margin_y = round(REGION_MARGIN * w), round(REGION_MARGIN * h)
    return x - margin_x, y - margin_y, w + 2 * margin_x, h + 2 * margin_y


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
