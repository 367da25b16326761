"""The indexes a check searches, behind one interface: a Hamming index per hash
algorithm and the local-feature index, loaded on first use and kept in step with ingest
and delete, by this process or any other (through the store's generation: see
`provenance.store.changes`). The feature index is also saved in `folder` with the
generation it reflects, so a new process opens it and applies only the changes since."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hashes import ALGORITHMS, KEYPOINTS, Keypoints
from provenance.library.index import FeatureIndex, HammingIndex
from provenance.library.references import References
from provenance.store import Fingerprint, changes

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0
"""How stale another process's changes may be before a look-up applies them."""
RELOAD_OVER = 50_000
"""More changes than this at once (a bulk import elsewhere): reload rather than apply one by one."""
SAVE_FROM = 1_000
"""Originals from which a feature index built from the store is saved (below, rebuilding is quick)."""
SAVE_EVERY = 10_000
"""Changes applied in memory before the feature index is saved again."""
BUILD_BATCH = 1_000
SAVED_PREFIX = "features-"


class OriginalsIndex:
    def __init__(self, sessions: sessionmaker[Session], references: References, folder: Path | None = None) -> None:
        self._sessions = sessions
        self._references = references
        self._folder = folder
        self._hashes: dict[str, HammingIndex] | None = None
        self._features: FeatureIndex | None = None
        self._generation = 0
        self._feature_generation = 0
        self._unsaved = 0
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
        with self._lock:
            return self.features().vote(descriptors, limit, min_votes)

    @property
    def generation(self) -> int:
        """The store's generation the indexes reflect (see `provenance.store.changes`)."""
        return self._generation

    def refresh(self, force: bool = False) -> None:
        """Apply the originals added and removed since the last look, by this process or
        another; at most once every REFRESH_SECONDS unless forced (after a local write)."""
        now = time.monotonic()
        if (self._hashes is None and self._features is None) or (
            not force and now - self._checked_at < REFRESH_SECONDS
        ):
            return
        with self._lock:
            self._checked_at = now
            if self._hashes is not None:
                self._refresh_hashes(self._hashes)
            if self._features is not None:
                with self._sessions() as session:
                    news = changes.since(session, self._feature_generation)
                if len(news.added) + len(news.removed) > RELOAD_OVER:
                    self._features = None
                elif news.generation != self._feature_generation:
                    self._apply_features(self._features, news)

    def _refresh_hashes(self, indexes: dict[str, HammingIndex]) -> None:
        with self._sessions() as session:
            news = changes.since(session, self._generation)
            if news.generation == self._generation:
                return
            if len(news.added) + len(news.removed) > RELOAD_OVER:
                self._hashes = None
                return
            added = _hash_rows(session, news.added) if news.added else {}
        for name, index in indexes.items():
            index.remove_many(news.removed)
            ids, values = added.get(name, ([], []))
            index.add_many(ids, values)
        self._generation = news.generation

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
            return self._hashes[algorithm]

    def features(self) -> FeatureIndex:
        """The local-feature index over every original: the newest saved one with the
        changes since, or built from the store; then kept in step by `refresh` (at its own
        generation: it is opened later than the hash indexes, or not at all)."""
        with self._lock:
            if self._features is None:
                self._features = self._open_features()
            return self._features

    def full_descriptors(self, reference_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Every stored descriptor of some originals (stage 2 of a feature look-up)."""
        return {rid: keypoints.descriptors for rid, keypoints in self._references.keypoints_of(reference_ids).items()}

    def save_features(self) -> Path | None:
        """Save the feature index with the generation it reflects; older saves are removed.
        A home that cannot take it (read-only, full) only costs the next process a rebuild."""
        if self._folder is None:
            return None
        with self._lock:
            index, generation = self.features(), self._feature_generation
            final = self._folder / f"{SAVED_PREFIX}{generation:012d}"
            partial = self._folder / f".{final.name}.{threading.get_ident()}.partial"
            try:
                if not final.exists():
                    shutil.rmtree(partial, ignore_errors=True)
                    index.save(partial)
                    partial.rename(final)
            except (OSError, RuntimeError) as exc:
                log.warning("could not save the feature index in %s: %s", self._folder, exc)
                shutil.rmtree(partial, ignore_errors=True)
                return None
            finally:
                self._unsaved = 0
        for older in self._folder.glob(f"{SAVED_PREFIX}*"):
            if older.name < final.name:
                shutil.rmtree(older, ignore_errors=True)
        return final

    def _open_features(self) -> FeatureIndex:
        with self._sessions() as session:
            generation = changes.current(session)
        saved = self._newest_saved(generation)
        if saved is not None:
            saved_generation, folder = saved
            try:
                index = FeatureIndex.load(folder, self.full_descriptors)
            except (OSError, RuntimeError, ValueError) as exc:
                log.warning("feature index %s unreadable (%s); rebuilding from the store", folder, exc)
            else:
                with self._sessions() as session:
                    news = changes.since(session, saved_generation)
                if len(news.added) + len(news.removed) <= RELOAD_OVER:
                    self._feature_generation = saved_generation
                    self._apply_features(index, news)
                    return index
        index = self._build_features()
        self._feature_generation = generation
        if len(index) >= SAVE_FROM:
            self._features = index
            self.save_features()
        return index

    def _build_features(self) -> FeatureIndex:
        index = FeatureIndex(self.full_descriptors)
        with self._sessions() as session:
            rows = session.execute(
                select(Fingerprint.reference_id, Fingerprint.value)
                .where(Fingerprint.algorithm == KEYPOINTS)
                .execution_options(yield_per=BUILD_BATCH)
            )
            batch: list[tuple[int, Keypoints]] = []
            for reference_id, value in rows:
                batch.append((reference_id, Keypoints.from_bytes(value)))
                if len(batch) == BUILD_BATCH:
                    index.add_many(batch)
                    batch = []
            index.add_many(batch)
        return index

    def _apply_features(self, index: FeatureIndex, news: changes.Changes) -> None:
        index.remove_many(news.removed)
        if news.added:
            index.add_many(list(self._references.keypoints_of(news.added).items()))
        self._feature_generation = max(self._feature_generation, news.generation)
        self._unsaved += len(news.added) + len(news.removed)
        if self._unsaved >= SAVE_EVERY and self._features is index:
            self.save_features()

    def _newest_saved(self, generation: int) -> tuple[int, Path] | None:
        """The newest saved feature index no newer than the store (a store restored from
        a backup must not take an index of originals it no longer has)."""
        if self._folder is None or not self._folder.is_dir():
            return None
        saved = []
        for folder in self._folder.glob(f"{SAVED_PREFIX}*"):
            number = folder.name.removeprefix(SAVED_PREFIX)
            if number.isdigit() and int(number) <= generation:
                saved.append((int(number), folder))
        return max(saved) if saved else None


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
