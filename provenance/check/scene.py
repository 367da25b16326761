"""Another exposure of the same scene, or an edit of the original? (issue 13)

A false `altered` lends a montage claim the weight of our evidence, so before the
verdict this stage looks for what no edit of the original produces:

- viewpoint: the point pairs fit one camera geometry but no flat mapping of the
  original (see provenance.vision.epipolar for the method and the measured margins);
- moved subjects: the alignment holds, but several separate places differ, spread over
  the frame, none of them dominant. That is what people or objects moving between two
  exposures of a fixed camera leave; an edit of those places cannot be told from it.
  Measured on the issue 13 spike: every edited copy (164 altered variants, composites
  included) has one dominant changed place (>= 0.52 of the changed area, median 1.0);
  12 of 15 aligned real second exposures meet all three bounds below;
- viewpoint of an unverified candidate: no transform of any candidate explains the
  picture, but one candidate shares a camera geometry with it far beyond chance.

The stage only runs where the verdict would otherwise claim an edit or a copy on thin
evidence: regions that differ, few agreeing keypoints, or no verified original at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import cv2
import numpy as np

from provenance.check.candidates import Candidate
from provenance.check.library_view import LibraryView, Original
from provenance.check.query import Query
from provenance.check.verdict import RELATED_DISTORTION
from provenance.check.verify import Found, new_match
from provenance.metadata import ImageMetadata
from provenance.report import Region, SceneEvidence
from provenance.vision.epipolar import Epipolar, Features, compare_geometry, describe

MIN_EPIPOLAR_INLIERS = 50
"""Aligned copies: enough pairs for the plane share to mean something (the pair is already
verified by the affine fit, so chance is not the question)."""
MAX_PLANE_SHARE = 0.80
"""Below this share of the epipolar inliers on one homography, the viewpoint moved. Set by
the edited copies (benign >= 0.831, altered >= 0.884 with changed regions left out), not
by the real pairs (0.36-0.83)."""
MIN_UNALIGNED_INLIERS = 100
"""No transform verified: a camera geometry this well supported ties the picture to a
candidate. Set by chance: 941 unrelated pairs reach at most 81 (99th percentile 39)."""
MAX_UNALIGNED_CANDIDATES = 9
"""Candidates tried for a shared camera geometry when none verified (the search offers 6-9)."""
LOW_INLIER_SHARE = 0.5
"""A copy whose affine keeps fewer than this share of its keypoint matches may be a flat
wall seen from another angle (its perspective fits an affine only over a band)."""
MIN_PLACES = 3
MIN_SPREAD = 0.2
"""The box around the differing places covers at least this share of the frame."""
MAX_LARGEST_SHARE = 0.6
"""No one place holds this share of the changed pixels (edits: >= 0.52, median 1.0)."""


def judge_scene(library: LibraryView, query: Query, metadata: ImageMetadata, best: Found) -> Found:
    """The best match with scene evidence when it shows another photograph of the
    original's scene; unchanged otherwise (and when a region is traced to another
    original: a composite is proven, not guessed)."""
    match, alignment = best.match, best.alignment
    if alignment is None or match.transform is None or match.transform.distortion >= RELATED_DISTORTION:
        return best
    if any(r.explained_by is not None for r in match.regions):
        return best
    if not match.regions and alignment.inliers >= LOW_INLIER_SHARE * alignment.matches:
        return best
    image = query.fingerprints.image
    geometry = _aligned_geometry(library, query, best.original, alignment.mirrored, match.regions)
    evidence = viewpoint(geometry, MIN_EPIPOLAR_INLIERS)
    if evidence is None and not recorded_as_derived(best.original.metadata, metadata):
        evidence = moved_subjects(match.regions, match.changed_fraction or 0.0, image.width, image.height)
    if evidence is None:
        return best
    return replace(best, match=match.model_copy(update={"scene": evidence}))


def viewpoint_among(
    library: LibraryView, query: Query, metadata: ImageMetadata, candidates: Sequence[Candidate]
) -> Found | None:
    """When no candidate verified: the candidate that shares a camera geometry with the
    picture far beyond chance, as an unverified match carrying the evidence."""
    first: dict[int, Candidate] = {}
    for candidate in candidates:
        first.setdefault(candidate.reference_id, candidate)
    unique = list(first.values())[:MAX_UNALIGNED_CANDIDATES]
    # Originals known by their hashes only have no pixels to compare a geometry with.
    with_pixels = [(c, o) for c in unique if (o := library.original(c.reference_id)).has_pixels]
    if not with_pixels:
        return None
    features = describe(_grey(query.fingerprints.image.pixels))
    scored = []
    for candidate, original in with_pixels:
        scored.append((compare_geometry(features, _original_features(library, original)), candidate, original))
    geometry, candidate, original = max(scored, key=lambda s: s[0].epipolar_inliers)
    evidence = viewpoint(geometry, MIN_UNALIGNED_INLIERS)
    if evidence is None:
        return None
    match = new_match(original, metadata, candidate.distances, False).model_copy(update={"scene": evidence})
    return Found(original, None, match)


def viewpoint(geometry: Epipolar, min_inliers: int) -> SceneEvidence | None:
    """Viewpoint evidence when enough pairs fit one camera geometry and fewer than
    MAX_PLANE_SHARE of them fit one flat mapping (more: a copy, even one no affine verified,
    such as a photograph of a print seen at an angle)."""
    if geometry.epipolar_inliers < min_inliers or geometry.plane_share >= MAX_PLANE_SHARE:
        return None
    return SceneEvidence(
        finding="viewpoint", epipolar_inliers=geometry.epipolar_inliers, plane_inliers=geometry.plane_inliers
    )


def moved_subjects(regions: Sequence[Region], changed_fraction: float, width: int, height: int) -> SceneEvidence | None:
    """Moved-subjects evidence when at least MIN_PLACES places differ, their box spans
    MIN_SPREAD of the frame, and none holds MAX_LARGEST_SHARE of the changed pixels."""
    if len(regions) < MIN_PLACES or changed_fraction <= 0:
        return None
    boxes = np.array([r.bbox for r in regions], dtype=np.float64)
    left, top = boxes[:, 0].min(), boxes[:, 1].min()
    right, bottom = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
    spread = float((right - left) * (bottom - top) / (width * height))
    largest = max(r.area_fraction for r in regions) / changed_fraction
    if spread < MIN_SPREAD or largest >= MAX_LARGEST_SHARE:
        return None
    return SceneEvidence(finding="moved_subjects", places=len(regions), spread=round(spread, 3))


def recorded_as_derived(original: ImageMetadata, copy: ImageMetadata) -> bool:
    """The copy's XMP says it was made from the original's file (its document, original
    document or derived-from id is one of the original's ids): then it is this exposure,
    edited, whatever the pattern of its changes. Burst frames are separate files with ids
    of their own, so they are not caught here."""
    ids = {original.document_id, original.instance_id, original.original_document_id} - {None, ""}
    claimed = {copy.document_id, copy.original_document_id, copy.derived_from_document_id} - {None, ""}
    return bool(ids & claimed)


def _aligned_geometry(
    library: LibraryView, query: Query, original: Original, mirrored: bool, regions: Sequence[Region]
) -> Epipolar:
    """The camera geometry of the copy against its original, with the changed regions left
    out (a pasted or moved patch is a plane of its own)."""
    image = query.fingerprints.image
    grey = _grey(image.pixels)
    working_width = grey.shape[1]
    boxes = [_working_box(r.bbox, image.scale) for r in regions]
    if mirrored:
        grey = cv2.flip(grey, 1)
        boxes = [(working_width - x - w, y, w, h) for x, y, w, h in boxes]
    return compare_geometry(describe(grey), _original_features(library, original), boxes)


def _original_features(library: LibraryView, original: Original) -> Features:
    return describe(_grey(library.working_copy(original).pixels))


def _working_box(bbox: list[int], scale: float) -> tuple[int, int, int, int]:
    x, y, w, h = bbox
    return round(x * scale), round(y * scale), round(w * scale), round(h * scale)


def _grey(pixels: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
