"""Candidate originals for a checked image: first from the perceptual-hash indexes,
then from local-feature votes.

Every rotation and mirror of the checked image is looked up in the hash indexes, so a
flipped or turned copy finds its upright original; feature votes find what hashes
miss (heavy crops, framing, a pasted part of another original). Thresholds are loose on
purpose: geometric verification, not the lookup, decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from collections.abc import Sequence

import numpy as np

from hashes import ALGORITHMS, Fingerprints
from provenance.library import Library

CANDIDATE_DISTANCE = {"pdq": 80, "phash": 22}
"""Largest distance that makes a candidate (of 256 and 64 bits; unrelated images sit near half)."""
CANDIDATE_LIMIT = 5
FEATURE_CANDIDATE_LIMIT = 4
MIN_VOTES = 12


@dataclass(frozen=True)
class Candidate:
    reference_id: int
    distances: dict[str, int]
    votes: int
    """Checked-image keypoints whose nearest library descriptor belongs to this reference."""

    @property
    def closeness(self) -> float:
        """0 for identical hashes, about 0.5 for unrelated images."""
        return min(self.distances[name] / ALGORITHMS[name].bits for name in CANDIDATE_DISTANCE)


def find_candidates(
    library: Library, fingerprints: Fingerprints, descriptor_sets: Sequence[np.ndarray]
) -> list[Candidate]:
    """Hash candidates (closest first), then feature candidates (most votes first)."""
    variants = {name: a.compute_dihedral(fingerprints.image.pixels) for name, a in ALGORITHMS.items()}
    by_hash: list[int] = []
    for name, limit in CANDIDATE_DISTANCE.items():
        for hit in library.index(name).search(variants[name], limit, CANDIDATE_LIMIT):
            if hit.reference_id not in by_hash:
                by_hash.append(hit.reference_id)
    votes: dict[int, int] = {}
    for descriptors in descriptor_sets:
        for reference_id, count in library.feature_index().vote(descriptors, FEATURE_CANDIDATE_LIMIT, MIN_VOTES):
            votes[reference_id] = max(count, votes.get(reference_id, 0))

    def candidate(reference_id: int) -> Candidate:
        distances = {name: library.index(name).distance(reference_id, codes) for name, codes in variants.items()}
        return Candidate(reference_id, distances, votes.get(reference_id, 0))

    hashed = sorted((candidate(rid) for rid in by_hash), key=lambda c: c.closeness)[:CANDIDATE_LIMIT]
    voted = sorted((candidate(rid) for rid in votes if rid not in by_hash), key=lambda c: -c.votes)
    return hashed + voted[:FEATURE_CANDIDATE_LIMIT]
