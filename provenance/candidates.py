"""Candidate originals for a checked image, from the perceptual-hash indexes.

Every rotation and mirror of the checked image is looked up, so a flipped or turned
copy finds its upright original. Thresholds are loose on purpose: geometric
verification, not the hash, decides whether a candidate is the same photograph.
"""

from __future__ import annotations

from dataclasses import dataclass

from hashes import ALGORITHMS, Fingerprints
from provenance.library import Library

CANDIDATE_DISTANCE = {"pdq": 80, "phash": 22}
"""Largest distance that makes a candidate (of 256 and 64 bits; unrelated images sit near half)."""
CANDIDATE_LIMIT = 5


@dataclass(frozen=True)
class Candidate:
    reference_id: int
    distances: dict[str, int]

    @property
    def closeness(self) -> float:
        """0 for identical hashes, about 0.5 for unrelated images."""
        return min(self.distances[name] / ALGORITHMS[name].bits for name in CANDIDATE_DISTANCE)


def find_candidates(library: Library, fingerprints: Fingerprints) -> list[Candidate]:
    variants = {name: a.compute_dihedral(fingerprints.image.pixels) for name, a in ALGORITHMS.items()}
    reference_ids: list[int] = []
    for name, limit in CANDIDATE_DISTANCE.items():
        for hit in library.index(name).search(variants[name], limit, CANDIDATE_LIMIT):
            if hit.reference_id not in reference_ids:
                reference_ids.append(hit.reference_id)
    candidates = [
        Candidate(rid, {name: library.index(name).distance(rid, codes) for name, codes in variants.items()})
        for rid in reference_ids
    ]
    return sorted(candidates, key=lambda c: c.closeness)[:CANDIDATE_LIMIT]
