"""Candidate originals for a checked image: first from the perceptual-hash indexes,
then from local-feature votes.

Every rotation and mirror of the checked image is looked up in the hash indexes, so a
flipped or turned copy finds its upright original; feature votes find what hashes
miss (heavy crops, framing, a pasted part of another original). Thresholds are loose on
purpose: geometric verification, not the lookup, decides.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from hashes import ALGORITHMS, SEARCHED, DecodedImage
from provenance.check.library_view import IndexView

HashVariants = dict[str, list[bytes]]
CANDIDATE_LIMIT = 5
FEATURE_CANDIDATE_LIMIT = 4
MIN_VOTES = 12


@dataclass(frozen=True)
class Candidate:
    reference_id: int
    distances: dict[str, int]

    @property
    def closeness(self) -> float:
        """0 for identical hashes, about 0.5 for unrelated images (PDQ, the one hash every
        original has, always counts)."""
        return min(self.distances[a.name] / a.bits for a in SEARCHED if a.name in self.distances)


def is_close(candidate: Candidate) -> bool:
    return any(
        candidate.distances[a.name] <= a.close_distance
        for a in ALGORITHMS.values()
        if a.close_distance is not None and a.name in candidate.distances
    )


def hash_candidates(library: IndexView, variants: HashVariants) -> list[Candidate]:
    """Originals whose hashes are near any rotation or mirror of the checked image, closest first."""
    reference_ids: list[int] = []
    for algorithm in SEARCHED:
        limit = algorithm.candidate_distance
        assert limit is not None, "SEARCHED holds only signals that declare a candidate distance"
        for reference_id in library.hash_neighbours(algorithm.name, variants[algorithm.name], limit, CANDIDATE_LIMIT):
            if reference_id not in reference_ids:
                reference_ids.append(reference_id)
    return closest_first([candidate(library, variants, rid) for rid in reference_ids])[:CANDIDATE_LIMIT]


def closest_first(candidates: list[Candidate]) -> list[Candidate]:
    """Ranked by their closest hash; ties keep the order the indexes found them in."""
    return sorted(candidates, key=lambda c: c.closeness)


def feature_candidates(
    library: IndexView, variants: HashVariants, descriptors: np.ndarray, exclude: Collection[int]
) -> list[Candidate]:
    """Originals most of the checked image's descriptors point at, most votes first."""
    votes = library.feature_votes(descriptors, FEATURE_CANDIDATE_LIMIT + len(exclude), MIN_VOTES)
    fresh = [rid for rid, _ in votes if rid not in exclude][:FEATURE_CANDIDATE_LIMIT]
    return [candidate(library, variants, rid) for rid in fresh]


def hash_variants(image: DecodedImage, framed: DecodedImage | None) -> HashVariants:
    """Every hash of the checked image in all 8 rotations and mirrors, and of the part
    inside its frame when it has one: computed once per check, used by every look-up
    and for every candidate's distances."""
    pictures = [image.pixels] if framed is None else [image.pixels, framed.pixels]
    return {name: [code for p in pictures for code in a.compute_dihedral(p)] for name, a in ALGORITHMS.items()}


def candidate(library: IndexView, variants: HashVariants, reference_id: int) -> Candidate:
    """One original with its distance to the checked image under every hash it has."""
    distances = {name: library.hash_distance(name, reference_id, codes) for name, codes in variants.items()}
    return Candidate(reference_id, {name: d for name, d in distances.items() if d is not None})
