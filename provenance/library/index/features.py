"""Candidates from local features, for copies whose global hashes no longer match
(heavy crops, framing, screenshots, the pasted half of a composite), in two stages:

1. A shortlist from faiss's `IndexBinaryIVF` over INDEXED descriptors of each original
   (the strongest of each part of it, in turns: `spread_over_grid`): an inverted
   file whose lists are the words of the shipped visual vocabulary (`vocabulary.py`),
   searched in NPROBE lists per descriptor, so a look-up reads a small share of a
   library of millions, and an ingest or a delete changes it in place. Everything it
   keeps is 40 bytes a descriptor (the code and its original's id): about 5 KB an original.
2. The shortlist re-ranked on every stored descriptor of each original (read per
   candidate, kept in an LRU): exact brute force with the ratio test across the
   shortlist, which is what decides the votes. A library of up to EXACT_UP_TO originals
   skips stage 1, so small libraries are ranked exactly.

Geometric verification then decides, so votes only need to rank.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import faiss
import numpy as np

from hashes.keypoints import DESCRIPTOR_BYTES, Keypoints
from provenance.library.index.vocabulary import shipped_vocabulary

INDEXED = 128
"""Descriptors of an original in the shortlist index: 128 x 40 bytes keeps it near 5 KB an original."""
NPROBE = 4
"""Inverted lists read per query descriptor (measured at a million originals with
`bench-scale`: 8 cost 1.7x the time of 4 and found no more originals)."""
SHORTLIST = 24
"""Originals re-ranked on their full descriptors."""
EXACT_UP_TO = 64
"""A library this small is re-ranked whole: exact, and no slower than a shortlist would be."""
MAX_DESCRIPTOR_DISTANCE = 64
"""Of 256 bits; ORB descriptors of the same point after recompression and resizing are far closer."""
RATIO = 0.8
CACHED_ORIGINALS = 512
"""Full descriptor sets kept in memory (32 KB each) for stage 2."""
HNSW_NEIGHBOURS = 16
INDEX_FILE = "features.faiss"
IDS_FILE = "ids.npy"

GRID = 4
DescriptorSource = Callable[[Sequence[int]], dict[int, np.ndarray]]
"""Every stored descriptor of some originals, by id (stage 2 reads them through this)."""


class FeatureIndex:
    def __init__(
        self, full_descriptors: DescriptorSource, index: faiss.IndexBinaryIVF | None = None, ids: Sequence[int] = ()
    ) -> None:
        self._full_descriptors = full_descriptors
        self._index = index if index is not None else _empty_index()
        self._index.nprobe = NPROBE
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._ids: set[int] = set(ids)

    def __len__(self) -> int:
        """Originals indexed (those with descriptors)."""
        return len(self._ids)

    @property
    def descriptor_count(self) -> int:
        return int(self._index.ntotal)

    def add(self, reference_id: int, keypoints: Keypoints) -> None:
        self.add_many([(reference_id, keypoints)])

    def add_many(self, entries: Sequence[tuple[int, Keypoints]]) -> None:
        """Originals' INDEXED most telling descriptors (one faiss add for all of them)."""
        # One removal for every original indexed already: each removal scans every list.
        self.remove_many([reference_id for reference_id, _ in entries if reference_id in self._ids])
        blocks, owners = [], []
        for reference_id, keypoints in entries:
            first = keypoints.descriptors[spread_over_grid(keypoints.points, INDEXED)]
            if len(first):
                blocks.append(first)
                owners.append(np.full(len(first), reference_id, dtype=np.int64))
                self._ids.add(reference_id)
        if blocks:
            self._index.add_with_ids(np.ascontiguousarray(np.concatenate(blocks)), np.concatenate(owners))

    def lists_of(self, descriptors: np.ndarray) -> np.ndarray:
        """The inverted list (word) each descriptor belongs to."""
        _, lists = self._index.quantizer.search(np.ascontiguousarray(descriptors, dtype=np.uint8), 1)
        return lists[:, 0]

    def add_assigned(self, reference_ids: Sequence[int], descriptors: np.ndarray, lists: np.ndarray, each: int) -> None:
        """A bulk load of originals whose descriptors' lists are known already (`each`
        descriptors an original, in the order of `reference_ids`): written into the
        inverted lists directly, without asking the quantizer again."""
        owners = np.repeat(np.asarray(reference_ids, dtype=np.int64), each)
        order = np.argsort(lists, kind="stable")
        lists, owners = lists[order], owners[order]
        codes = np.ascontiguousarray(descriptors[order], dtype=np.uint8)
        starts = np.flatnonzero(np.r_[True, lists[1:] != lists[:-1]])
        ends = np.r_[starts[1:], len(lists)]
        invlists = self._index.invlists
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            invlists.add_entries(
                int(lists[start]), end - start, faiss.swig_ptr(owners[start:end]), faiss.swig_ptr(codes[start:end])
            )
        self._index.ntotal += len(owners)
        self._ids.update(reference_ids)

    def remove_many(self, reference_ids: Sequence[int]) -> None:
        present = [rid for rid in reference_ids if rid in self._ids]
        for reference_id in reference_ids:
            self._cache.pop(reference_id, None)
        if present:
            ids = np.asarray(present, dtype=np.int64)
            self._index.remove_ids(faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids)))
            self._ids.difference_update(present)

    def vote(self, descriptors: np.ndarray, limit: int, min_votes: int) -> list[tuple[int, int]]:
        """(reference_id, votes) for the originals most query descriptors point at."""
        if not self._ids or len(descriptors) == 0:
            return []
        shortlist = sorted(self._ids) if len(self._ids) <= EXACT_UP_TO else self.shortlist(descriptors)
        votes = self._rerank(descriptors, shortlist)
        return [(rid, count) for rid, count in votes.most_common(limit) if count >= min_votes]

    def shortlist(self, descriptors: np.ndarray) -> list[int]:
        """Stage 1: the SHORTLIST originals most of the query's descriptors have among
        their two nearest indexed descriptors (one vote per query descriptor and original;
        equal votes by id)."""
        query = np.ascontiguousarray(descriptors, dtype=np.uint8)
        distances, owners = self._index.search(query, 2)
        close = (owners >= 0) & (distances <= MAX_DESCRIPTOR_DISTANCE)
        close[:, 1] &= owners[:, 1] != owners[:, 0]
        ids, counts = np.unique(owners[close], return_counts=True)
        best = np.lexsort((ids, -counts))[:SHORTLIST]
        return ids[best].tolist()

    def _rerank(self, descriptors: np.ndarray, shortlist: list[int]) -> Counter[int]:
        """Stage 2: nearest and second nearest among every stored descriptor of the
        shortlist (faiss's exact binary scan: three times OpenCV's brute force here); a
        descriptor votes when the ratio test holds (or both neighbours are of the same
        original)."""
        full = self._descriptors_of(shortlist)
        owners = np.concatenate([np.full(len(d), rid, dtype=np.int64) for rid, d in full.items()]) if full else None
        votes: Counter[int] = Counter()
        if owners is None or len(owners) < 2:
            return votes
        stacked = faiss.IndexBinaryFlat(8 * DESCRIPTOR_BYTES)
        stacked.add(np.ascontiguousarray(np.concatenate(list(full.values())), dtype=np.uint8))
        distances, nearest = stacked.search(np.ascontiguousarray(descriptors, dtype=np.uint8), 2)
        first, second = owners[nearest[:, 0]], owners[nearest[:, 1]]
        close = distances[:, 0] <= MAX_DESCRIPTOR_DISTANCE
        distinct = (distances[:, 0] < RATIO * distances[:, 1]) | (first == second)
        votes.update(first[close & distinct].tolist())
        return votes

    def _descriptors_of(self, reference_ids: list[int]) -> dict[int, np.ndarray]:
        missing = [rid for rid in reference_ids if rid not in self._cache]
        if missing:
            for rid, descriptors in self._full_descriptors(missing).items():
                self._cache[rid] = descriptors
        found = {}
        for rid in reference_ids:
            if rid in self._cache:
                self._cache.move_to_end(rid)
                found[rid] = self._cache[rid]
        while len(self._cache) > CACHED_ORIGINALS:
            self._cache.popitem(last=False)
        return found

    def save(self, folder: Path) -> None:
        """The inverted file and the ids it holds, into a new folder (the caller renames it
        into place, so a reader never sees half of one)."""
        folder.mkdir(parents=True)
        faiss.write_index_binary(self._index, str(folder / INDEX_FILE))
        np.save(folder / IDS_FILE, np.fromiter(self._ids, dtype=np.int64, count=len(self._ids)))

    @classmethod
    def load(cls, folder: Path, full_descriptors: DescriptorSource) -> FeatureIndex:
        index = faiss.read_index_binary(str(folder / INDEX_FILE))
        if not isinstance(index, faiss.IndexBinaryIVF):
            raise ValueError(f"{folder} holds no feature index")
        return cls(full_descriptors, index, np.load(folder / IDS_FILE).tolist())


def _empty_index() -> faiss.IndexBinaryIVF:
    index = faiss.deserialize_index_binary(_empty_index_bytes())
    assert isinstance(index, faiss.IndexBinaryIVF)
    return index


@cache
def _empty_index_bytes() -> np.ndarray:
    """An inverted file over the vocabulary's words, found by an HNSW graph over them;
    built once a process (about 2 s) and copied for every new index."""
    vocabulary = shipped_vocabulary()
    centroids = np.ascontiguousarray(vocabulary.leaves.reshape(-1, vocabulary.top.shape[1]))
    quantizer = faiss.IndexBinaryHNSW(centroids.shape[1] * 8, HNSW_NEIGHBOURS)
    quantizer.add(centroids)
    index = faiss.IndexBinaryIVF(quantizer, centroids.shape[1] * 8, len(centroids))
    return faiss.serialize_index_binary(index)


def spread_over_grid(points: np.ndarray, count: int) -> np.ndarray:
    """Indexes of `count` keypoints taken in turns from the cells of a GRID x GRID grid
    over them, each cell's in stored order (strongest first): an index that keeps only
    a few descriptors an original must still know every part of it, or crops of the
    parts it left out would find nothing."""
    if len(points) <= count:
        return np.arange(len(points))
    low, high = points.min(axis=0), points.max(axis=0)
    cells = np.minimum(GRID - 1, ((points - low) * GRID / np.maximum(high - low, 1e-6)).astype(int))
    cell = cells[:, 1] * GRID + cells[:, 0]
    turn = np.zeros(len(points), dtype=np.int64)
    for number in range(GRID * GRID):
        members = np.flatnonzero(cell == number)
        turn[members] = np.arange(len(members))
    return np.lexsort((np.arange(len(points)), turn))[:count]
