"""The search for the original: hash candidates first, then (when none verifies)
local-feature candidates, as taken, mirrored and at a reduced size."""

from __future__ import annotations

from dataclasses import dataclass

from provenance.check.candidates import Candidate, feature_candidates, hash_candidates
from provenance.check.library_view import LibraryView
from provenance.check.query import Query
from provenance.check.verify import Found, first_verified
from provenance.metadata import ImageMetadata

REDUCED_SCALE = 0.5
"""The last look-up describes the checked image at this share of its working size."""


@dataclass(frozen=True)
class Search:
    best: Found | None
    tried: tuple[Candidate, ...]
    """Every candidate verified, in the order they were tried."""


def search(library: LibraryView, query: Query, metadata: ImageMetadata) -> Search:
    """The best verified original (else a hash-only match), trying each source of
    candidates only while none has verified."""
    best, tried = first_verified(library, query, metadata, hash_candidates(library, query.hash_variants))
    if best is None or best.alignment is None:
        # Hashes miss heavy crops, framing and screenshots; local features find those.
        descriptors = query.fingerprints.keypoints.descriptors
        by_features = feature_candidates(library, query.hash_variants, descriptors, _ids(tried))
        found, more = first_verified(library, query, metadata, by_features)
        best, tried = found or best, tried + more
    if best is None or best.alignment is None:
        mirrored = feature_candidates(library, query.hash_variants, query.mirrored.descriptors, _ids(tried))
        found, more = first_verified(library, query, metadata, mirrored)
        best, tried = found or best, tried + more
    if best is None or best.alignment is None:
        # Zoomed-in crops and copies shown inside a bigger frame: their details are larger
        # than the original's, and described at a smaller size they match it again.
        reduced = query.reduced(REDUCED_SCALE)
        by_reduced = feature_candidates(library, query.hash_variants, reduced.keypoints.descriptors, set())
        found, more = first_verified(library, reduced, metadata, by_reduced)
        best, tried = found or best, tried + more
    return Search(best, tuple(tried))


def _ids(candidates: list[Candidate]) -> set[int]:
    return {c.reference_id for c in candidates}
