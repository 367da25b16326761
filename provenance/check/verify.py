"""Verification of candidates: is it the same photograph, and how is it placed in the
original? Keypoints decide; close hashes of smooth pictures let the pixels decide."""

from __future__ import annotations

from dataclasses import dataclass

from provenance.check.candidates import Candidate, is_close
from provenance.check.edits import describe_transform
from provenance.check.library_view import LibraryView, Original
from provenance.check.query import Query
from provenance.check.verdict import is_hash_only_match
from provenance.metadata import ImageMetadata, compare_metadata
from provenance.report import Match, ReferenceSummary
from provenance.vision.keypoint_alignment import Alignment
from provenance.vision.localisation import Difference


@dataclass(frozen=True)
class Found:
    """An original the checked image was matched with; `alignment` is None for a match
    on hashes alone, `difference` is set once the differences are described."""

    original: Original
    alignment: Alignment | None
    match: Match
    difference: Difference | None = None


def first_verified(
    library: LibraryView, query: Query, metadata: ImageMetadata, candidates: list[Candidate]
) -> tuple[Found | None, list[Candidate]]:
    """The first candidate the geometry verifies, else the first hash-only match; with
    the candidates tried until then."""
    hash_only = None
    for tried, candidate in enumerate(candidates, start=1):
        found = verify(library, query, metadata, candidate)
        if found is not None and found.alignment is not None:
            return found, candidates[:tried]
        hash_only = hash_only or found
    return hash_only, candidates


def verify(library: LibraryView, query: Query, metadata: ImageMetadata, candidate: Candidate) -> Found | None:
    original = library.original(candidate.reference_id)
    hashes_identify = not (query.fingerprints.low_information or original.low_information)
    if not original.has_pixels:
        # Known by its hashes alone: nothing to align with, the distances decide.
        match = new_match(original, metadata, candidate.distances, verified=False)
        return Found(original, None, match) if hashes_identify and is_hash_only_match(match) else None
    alignment = query.align(library.keypoints(original.id), original)
    if alignment is None and is_close(candidate):
        # Smooth pictures give keypoints too few or too noisy to agree; their pixels can.
        alignment = query.align_pixels(library, original)
    match = new_match(original, metadata, candidate.distances, alignment is not None)
    if alignment is None and not (hashes_identify and is_hash_only_match(match)):
        # Blank or featureless pictures' hashes all fall together: never a match on their own.
        return None
    if alignment is not None:
        transform = describe_transform(alignment, query.fingerprints.image, original)
        match = match.model_copy(update={"transform": transform})
    return Found(original, alignment, match)


def new_match(original: Original, metadata: ImageMetadata, distances: dict[str, int], verified: bool) -> Match:
    """A match before its differences are described: who the original is and how its metadata differs."""
    return Match(
        reference=_summary(original),
        distances=distances,
        verified=verified,
        metadata_diff=compare_metadata(original.metadata, metadata),
    )


def _summary(original: Original) -> ReferenceSummary:
    metadata = original.metadata
    return ReferenceSummary(
        id=original.id,
        external_id=original.external_id,
        source=original.source,
        credit=metadata.credit,
        byline=metadata.byline,
        captured_at=metadata.captured_at,
        headline=metadata.headline,
        caption=metadata.caption,
        width=original.width,
        height=original.height,
        has_pixels=original.has_pixels,
    )
