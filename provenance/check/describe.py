"""How the copy differs from its best match: the regions that changed, the share of the
picture that differs, and the global edits."""

from __future__ import annotations

from dataclasses import replace

from hashes import DecodedImage
from provenance.check.edits import colour_edits, describe_transform, global_edits
from provenance.check.library_view import LibraryView, Original
from provenance.check.query import Query
from provenance.check.verify import Found
from provenance.report import Region, Transform
from provenance.vision.keypoint_alignment import Alignment
from provenance.vision.localisation import Difference, localise
from provenance.vision.pixel_alignment import refine


def describe_differences(library: LibraryView, query: Query, best: Found) -> Found:
    """The best match with its edits, and (when the geometry verified it) its difference
    map, regions and changed fraction, on the polished alignment."""
    image = query.fingerprints.image
    match = best.match
    if best.alignment is None:
        edits = global_edits(image, best.original, match.transform, [], match.metadata_diff)
        return replace(best, match=match.model_copy(update={"edits": edits}))
    original = library.working_copy(best.original)
    alignment, transform = best.alignment, match.transform
    difference = localise(image, original, alignment)
    if difference.regions:
        alignment, transform, difference = _polished(image, original, best.original, alignment, transform, difference)
    colour = colour_edits(image, original, alignment)
    edits = global_edits(image, best.original, transform, colour, match.metadata_diff)
    described = match.model_copy(
        update={
            "transform": transform,
            "regions": regions(difference),
            "changed_fraction": round(difference.changed_fraction, 4),
            "edits": edits,
        }
    )
    return replace(best, alignment=alignment, match=described, difference=difference)


def _polished(
    image: DecodedImage,
    pixels: DecodedImage,
    original: Original,
    alignment: Alignment,
    transform: Transform | None,
    difference: Difference,
) -> tuple[Alignment, Transform | None, Difference]:
    """The difference map again after the pixels polished the keypoint alignment (see
    provenance.vision.pixel_alignment.refine): regions that were only a transform a pixel or two off go.
    Asked only when the first map found regions; distortion (another photograph?) stays
    measured on the keypoints' own fit."""
    refined = refine(image, pixels, alignment)
    if refined is alignment:
        return alignment, transform, difference
    return refined, describe_transform(refined, image, original), localise(image, pixels, refined)


def regions(difference: Difference) -> list[Region]:
    """The difference map's regions as the report shows them."""
    return [
        Region(
            bbox=list(r.box),
            reference_bbox=list(r.reference_box),
            area_fraction=r.area_fraction,
            strength=r.strength,
        )
        for r in difference.regions
    ]
