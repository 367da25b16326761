"""The indexes a check searches, behind one interface: a Hamming index per hash
algorithm and the local-feature index, loaded from the store on first use and kept in
step with ingest and delete, by this process or any other (through the store's
generation: see `provenance.store.changes`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hashes import ALGORITHMS, KEYPOINTS, Keypoints
from provenance.library.index import FeatureIndex, HammingIndex
from provenance.store import Fingerprint, changes

REFRESH_SECONDS = 1.0
"""How stale another process's changes may be before a look-up applies them."""
RELOAD_OVER = 50_000
"""More changes than this at once (a bulk import elsewhere): reload rather than apply one by one."""


class OriginalsIndex:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._hashes: dict[str, HammingIndex] | None = None
        self._features: FeatureIndex | None = None
        self._generation = 0
        self._checked_at = 0.0
        self._lock = threading.RLock()

    def hash_neighbours(self, algorithm: str, codes: Sequence[bytes], max_distance: int, limit: int) -> list[int]:
        """Originals within `max_distance` of any of the codes, closest first."""
        with self._lock:
            return [hit.reference_id for hit in self.hashes(algorithm).search(codes, max_distance, limit)]

    def hash_distance(self, algorithm: str, reference_id: int, codes: Sequence[bytes]) -> int | None:
        with self._lock:
            return self.hashes(algorithm).distance(reference_id, codes)

    def feature_votes(self, descriptors: np.ndarray, limit: int, min_votes: int) -> list[tuple[int, int]]:
        self.refresh()
        return self.features().vote(descriptors, limit, min_votes)

    @property
    def generation(self) -> int:
        """The store's generation the indexes reflect (see `provenance.store.changes`)."""
        return self._generation

    def refresh(self, force: bool = False) -> None:
        """Apply the originals added and removed since the last look, by this process or
        another; at most once every REFRESH_SECONDS unless forced (after a local write)."""
        now = time.monotonic()
        if self._hashes is None or (not force and now - self._checked_at < REFRESH_SECONDS):
            return
        with self._lock:
            self._checked_at = now
            with self._sessions() as session:
                news = changes.since(session, self._generation)
                if news.generation == self._generation:
                    return
                if len(news.added) + len(news.removed) > RELOAD_OVER:
                    self._hashes = None
                    return
                added = _hash_rows(session, news.added) if news.added else {}
            for name, index in self._hashes.items():
                index.remove_many(news.removed)
                ids, values = added.get(name, ([], []))
                index.add_many(ids, values)
            self._generation = news.generation
            self._features = None

    def hashes(self, algorithm: str) -> HammingIndex:
        """The in-memory index of one hash algorithm: loaded from the store on first use,
        then kept in step with it by `refresh`."""
        self.refresh()
        with self._lock:
            if self._hashes is None:
                indexes = {name: HammingIndex(a.bits) for name, a in ALGORITHMS.items()}
                with self._sessions() as session:
                    generation = changes.current(session)
                    grouped = _hash_rows(session, None)
                for name, (ids, values) in grouped.items():
                    indexes[name].add_many(ids, values)
                self._hashes, self._generation, self._checked_at = indexes, generation, time.monotonic()
                self._features = None
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


def _hash_rows(session: Session, reference_ids: list[int] | None) -> dict[str, tuple[list[int], list[bytes]]]:
    """(reference ids, codes) per hash algorithm: of every original (one query per
    algorithm, through its index), or of a few (through their primary key)."""
    grouped: dict[str, tuple[list[int], list[bytes]]] = {name: ([], []) for name in ALGORITHMS}
    if reference_ids is None:
        for name in ALGORITHMS:
            every = select(Fingerprint.reference_id, Fingerprint.value).where(Fingerprint.algorithm == name)
            ids, values = grouped[name]
            for reference_id, value in session.execute(every):
                ids.append(reference_id)
                values.append(value)
        return grouped
    for start in range(0, len(reference_ids), 1000):
        some = select(Fingerprint.algorithm, Fingerprint.reference_id, Fingerprint.value).where(
            Fingerprint.reference_id.in_(reference_ids[start : start + 1000])
        )
        for name, reference_id, value in session.execute(some):
            if name in grouped:
                grouped[name][0].append(reference_id)
                grouped[name][1].append(value)
    return grouped
