"""Nearest neighbours by Hamming distance: faiss's exact binary index.

`IndexBinaryFlat` compares every code (exact: nothing within the radius is missed,
which approximate binary indexes, HNSW or IVF, do not promise), with SIMD popcounts and
no temporary the size of the library; `IndexBinaryIDMap2` keys it by reference id, so
ids survive deletes and one reference's code can be read back for its distance. All
query codes (the rotations and mirrors of one image) go in one call: top-k per code,
then the radius, then per reference the closest code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import faiss
import numpy as np

faiss.omp_set_num_threads(1)
"""One thread per look-up: a server checks several images at once, and on a busy machine
OpenMP threads waiting at a barrier cost more than they save (at 1M codes under load 5
on 2 cores: p50 34 ms with one thread, 120 ms with two)."""

FIRST_K = 32
"""Neighbours asked per query code at first; doubled while ties at the cut could hide one."""


@dataclass(frozen=True)
class Hit:
    reference_id: int
    distance: int


class HammingIndex:
    def __init__(self, bits: int) -> None:
        self.bits = bits
        self._index = faiss.IndexBinaryIDMap2(faiss.IndexBinaryFlat(bits))

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, reference_id: int, code: bytes) -> None:
        self.add_many([reference_id], [code])

    def add_many(self, reference_ids: Sequence[int], codes: Sequence[bytes]) -> None:
        """Index the codes; a reference already indexed keeps only its new code."""
        if not reference_ids:
            return
        if len(self):
            # Only ids already present: a removal rescans the whole index (30 ms at 1M codes).
            self.remove_many([rid for rid in reference_ids if self.code(rid) is not None])
        self._index.add_with_ids(self._packed(codes), np.asarray(reference_ids, dtype=np.int64))

    def remove(self, reference_id: int) -> None:
        self.remove_many([reference_id])

    def remove_many(self, reference_ids: Sequence[int]) -> None:
        if reference_ids:
            ids = np.asarray(reference_ids, dtype=np.int64)
            self._index.remove_ids(faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids)))

    def code(self, reference_id: int) -> bytes | None:
        """One reference's code, or None if it is not indexed."""
        try:
            return bytes(self._index.reconstruct(reference_id))
        except RuntimeError:
            return None

    def distance(self, reference_id: int, queries: Sequence[bytes]) -> int | None:
        """The closest of the query codes to one reference's code, or None if it is not indexed."""
        code = self.code(reference_id) if queries else None
        if code is None:
            return None
        stored = np.frombuffer(code, dtype=np.uint8)
        return int(np.bitwise_count(self._packed(queries) ^ stored).sum(axis=1).min())

    def search(self, queries: Sequence[bytes], max_distance: int, limit: int) -> list[Hit]:
        """References within `max_distance` of any query code, closest first; equally close
        ones by id (the order they were added in). Exact: k grows until no reference
        equally close to the last one kept can have been cut off."""
        if not len(self) or not queries or limit <= 0:
            return []
        packed = self._packed(queries)
        k = min(len(self), max(FIRST_K, limit))
        while True:
            distances, ids = self._index.search(packed, k)
            best: dict[int, int] = {}
            for row_distances, row_ids in zip(distances, ids, strict=True):
                for distance, reference_id in zip(row_distances.tolist(), row_ids.tolist(), strict=True):
                    if reference_id >= 0 and distance <= max_distance and distance < best.get(reference_id, 1 << 30):
                        best[reference_id] = distance
            hits = sorted((Hit(rid, d) for rid, d in best.items()), key=lambda h: (h.distance, h.reference_id))[:limit]
            cut = hits[-1].distance if len(hits) == limit else max_distance
            if k >= len(self) or int(distances[:, -1].min()) > cut:
                return hits
            k = min(len(self), 2 * k)

    def _packed(self, codes: Sequence[bytes]) -> np.ndarray:
        return np.frombuffer(b"".join(codes), dtype=np.uint8).reshape(len(codes), self.bits // 8)
