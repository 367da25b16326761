"""The indexes a check searches, behind one interface: a Hamming index per hash
algorithm and the local-feature index, loaded from the store on first use and kept in
step with ingest and delete."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hashes import ALGORITHMS, KEYPOINTS, Keypoints
from provenance.library.index import FeatureIndex, HammingIndex
from provenance.store import Fingerprint


class OriginalsIndex:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._hashes: dict[str, HammingIndex] | None = None
        self._features: FeatureIndex | None = None

    def hash_neighbours(self, algorithm: str, codes: Sequence[bytes], max_distance: int, limit: int) -> list[int]:
        """Originals within `max_distance` of any of the codes, closest first."""
        return [hit.reference_id for hit in self.hashes(algorithm).search(codes, max_distance, limit)]

    def hash_distance(self, algorithm: str, reference_id: int, codes: Sequence[bytes]) -> int | None:
        return self.hashes(algorithm).distance(reference_id, codes)

    def feature_votes(self, descriptors: np.ndarray, limit: int, min_votes: int) -> list[tuple[int, int]]:
        return self.features().vote(descriptors, limit, min_votes)

    def added(self, reference_id: int, hashes: dict[str, bytes]) -> None:
        if self._hashes is not None:
            for name, value in hashes.items():
                self._hashes[name].add(reference_id, value)
        self._features = None

    def removed(self, reference_id: int) -> None:
        if self._hashes is not None:
            for index in self._hashes.values():
                index.remove(reference_id)
        self._features = None

    def hashes(self, algorithm: str) -> HammingIndex:
        """The in-memory index of one hash algorithm, loaded from the store on first use."""
        if self._hashes is None:
            indexes = {name: HammingIndex(a.bits) for name, a in ALGORITHMS.items()}
            with self._sessions() as session:
                rows = session.execute(
                    select(Fingerprint.algorithm, Fingerprint.reference_id, Fingerprint.value).where(
                        Fingerprint.algorithm.in_(list(ALGORITHMS))
                    )
                )
                grouped: dict[str, tuple[list[int], list[bytes]]] = {name: ([], []) for name in ALGORITHMS}
                for name, reference_id, value in rows:
                    grouped[name][0].append(reference_id)
                    grouped[name][1].append(value)
            for name, (ids, values) in grouped.items():
                indexes[name].add_many(ids, values)
            self._hashes = indexes
        return self._hashes[algorithm]

    def features(self) -> FeatureIndex:
        """The local-feature index over every original, rebuilt after the library changes."""
        if self._features is None:
            with self._sessions() as session:
                rows = session.execute(
                    select(Fingerprint.reference_id, Fingerprint.value).where(Fingerprint.algorithm == KEYPOINTS)
                )
                self._features = FeatureIndex(
                    (reference_id, Keypoints.from_bytes(value).descriptors) for reference_id, value in rows
                )
        return self._features
