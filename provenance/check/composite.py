"""Other originals that parts of the checked image come from (a composite): each
altered region's own keypoints are looked up and verified, so the rest of the picture,
which belongs to the best match, cannot outvote them; and the strip beyond the part
the best match covers is looked up too."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hashes import DecodedImage, extract_keypoints
from provenance.check.candidates import feature_candidates
from provenance.check.edits import describe_transform
from provenance.check.library_view import LibraryView, Original
from provenance.check.query import Query
from provenance.check.verify import Found, new_match
from provenance.metadata import ImageMetadata
from provenance.report import ReferenceLink, Region
from provenance.vision.framing import Box
from provenance.vision.keypoint_alignment import Alignment, align
from provenance.vision.localisation import box_in_reference

MAX_EXPLAINED_REGIONS = 3
"""Largest altered regions looked up in the library as possible parts of other originals."""
MIN_REGION_KEYPOINTS = 30
OUTSIDE_SHARE = 0.2
"""A strip beyond the best match's keypoints this large is searched for another original."""
REGION_MARGIN = 0.1
"""Keypoints this share of the region's size outside it still describe it (the edge of
a pasted part is where the changed region's outline is least exact)."""


def explain_regions(
    library: LibraryView, query: Query, metadata: ImageMetadata, best: Found
) -> tuple[Found, list[Found]]:
    """The best match with its regions attributed to the originals they come from (and
    the outside part, when another original explains it, as one more region), and those
    other originals."""
    parts: list[Found] = []
    regions = list(best.match.regions)
    for position, region in enumerate(regions[:MAX_EXPLAINED_REGIONS]):
        known = {best.original.id, *(f.original.id for f in parts)}
        part = _original_of_part(library, query, metadata, widened(region.bbox), known)
        if part is not None:
            parts.append(part)
            regions[position] = region.model_copy(update={"explained_by": _link(part.original)})
    outside = outside_part(query, best)
    if outside is not None and best.alignment is not None:
        known = {best.original.id, *(f.original.id for f in parts)}
        part = _original_of_part(library, query, metadata, outside, known)
        if part is not None and part.alignment is not None:
            parts.append(part)
            regions.append(_region_from(part.original, part.alignment, best.alignment, query.fingerprints.image))
    return replace(best, match=best.match.model_copy(update={"regions": regions})), parts


def _original_of_part(
    library: LibraryView, query: Query, metadata: ImageMetadata, box: Box, known: set[int]
) -> Found | None:
    """The first other original that the keypoints of one part of the checked image verify against."""
    keypoints = extract_keypoints(query.fingerprints.image, box=box)
    if len(keypoints) < MIN_REGION_KEYPOINTS:
        return None
    for candidate in feature_candidates(library, query.hash_variants, keypoints.descriptors, known):
        original = library.original(candidate.reference_id)
        alignment = align(keypoints, library.keypoints(original.id), (original.width, original.height))
        if alignment is not None:
            match = new_match(original, metadata, candidate.distances, True)
            transform = describe_transform(alignment, query.fingerprints.image, original)
            return Found(original, alignment, match.model_copy(update={"transform": transform}))
    return None


def _region_from(original: Original, part: Alignment, best: Alignment, image: DecodedImage) -> Region:
    """The part of the picture another original explains, outlined by its agreeing keypoints."""
    (left, top), (right, bottom) = part.query_points.min(axis=0), part.query_points.max(axis=0)
    box = (int(left), int(top), int(right - left), int(bottom - top))
    return Region(
        bbox=list(box),
        reference_bbox=list(box_in_reference(box, best)),
        area_fraction=round(box[2] * box[3] / (image.width * image.height), 4),
        strength=None,
        explained_by=_link(original),
    )


def outside_part(query: Query, best: Found) -> Box | None:
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


def widened(bbox: list[int]) -> Box:
    """A region's box with REGION_MARGIN of its size added on every side."""
    x, y, w, h = bbox
    margin_x, margin_y = round(REGION_MARGIN * w), round(REGION_MARGIN * h)
    return x - margin_x, y - margin_y, w + 2 * margin_x, h + 2 * margin_y


def _link(original: Original) -> ReferenceLink:
    return ReferenceLink(id=original.id, external_id=original.external_id, source=original.source)
