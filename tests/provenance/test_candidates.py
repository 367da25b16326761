"""Candidate ranking from a library view built in memory: which originals are tried,
and in what order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from provenance.check.candidates import (
    CANDIDATE_LIMIT,
    FEATURE_CANDIDATE_LIMIT,
    Candidate,
    closest_first,
    feature_candidates,
    hash_candidates,
    is_close,
)

VARIANTS = {"pdq": [b"pdq"], "phash": [b"phash"], "dhash": [b"dhash"]}
FAR = {"pdq": 128, "phash": 32, "dhash": 32}


class HashStub:
    """Only what candidate ranking reads: neighbours per algorithm, distances, votes."""

    def __init__(
        self,
        neighbours: dict[str, list[int]],
        distances: dict[int, dict[str, int]],
        votes: Sequence[tuple[int, int]] = (),
    ) -> None:
        self.neighbours, self.distances, self.votes = neighbours, distances, list(votes)
        self.searched: list[tuple[str, int, int]] = []

    def hash_neighbours(self, algorithm: str, codes: Sequence[bytes], max_distance: int, limit: int) -> list[int]:
        self.searched.append((algorithm, max_distance, limit))
        return self.neighbours.get(algorithm, [])

    def hash_distance(self, algorithm: str, reference_id: int, codes: Sequence[bytes]) -> int:
        assert list(codes) == VARIANTS[algorithm]
        return self.distances[reference_id][algorithm]

    def feature_votes(self, descriptors: np.ndarray, limit: int, min_votes: int) -> list[tuple[int, int]]:
        return self.votes[:limit]


def _distances(pdq: int, phash: int) -> dict[str, int]:
    return {"pdq": pdq, "phash": phash, "dhash": 20}


def test_hash_candidates_are_searched_in_every_searched_index_and_ranked_by_their_closest_hash() -> None:
    library = HashStub(
        {"pdq": [3, 1], "phash": [2, 3]},
        {1: _distances(pdq=64, phash=8), 2: _distances(pdq=128, phash=2), 3: _distances(pdq=16, phash=20)},
    )
    candidates = hash_candidates(library, VARIANTS)
    # closeness: 1 -> 8/64 = 0.125, 2 -> 2/64 = 0.03, 3 -> 16/256 = 0.0625
    assert [c.reference_id for c in candidates] == [2, 3, 1]
    assert candidates[0].distances == _distances(pdq=128, phash=2)
    assert library.searched == [("pdq", 80, CANDIDATE_LIMIT), ("phash", 22, CANDIDATE_LIMIT)]


def test_hash_candidates_keep_the_closest_few() -> None:
    ids = list(range(1, 9))
    library = HashStub({"pdq": ids}, {i: _distances(pdq=10 * (9 - i), phash=32) for i in ids})
    assert [c.reference_id for c in hash_candidates(library, VARIANTS)] == [8, 7, 6, 5, 4]


def test_ties_keep_the_order_the_indexes_found_them_in() -> None:
    tied = [Candidate(rid, _distances(pdq=32, phash=8)) for rid in (5, 1, 3)]
    assert [c.reference_id for c in closest_first(tied)] == [5, 1, 3]


def test_feature_candidates_skip_originals_already_tried_and_keep_the_vote_order() -> None:
    votes = [(4, 90), (2, 60), (7, 40), (1, 30), (9, 20), (3, 15)]
    library = HashStub({}, {rid: FAR for rid, _ in votes}, votes)
    candidates = feature_candidates(library, VARIANTS, np.zeros((10, 32), np.uint8), exclude={2})
    assert [c.reference_id for c in candidates] == [4, 7, 1, 9][:FEATURE_CANDIDATE_LIMIT]
    assert all(c.distances == FAR for c in candidates)


def test_a_candidate_is_close_when_any_hash_is_within_its_close_distance() -> None:
    assert is_close(Candidate(1, {"pdq": 80, "phash": 32, "dhash": 32}))
    assert is_close(Candidate(1, {"pdq": 128, "phash": 32, "dhash": 12}))
    assert not is_close(Candidate(1, {"pdq": 81, "phash": 15, "dhash": 13}))
