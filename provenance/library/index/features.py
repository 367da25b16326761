"""Candidates from local features, for copies whose global hashes no longer match
(heavy crops, framing, screenshots, the pasted half of a composite).

Every reference's ORB descriptors go into one FLANN LSH index; each descriptor of the
checked image votes for the reference of its nearest neighbour. Geometric
verification then decides, so votes only need to rank.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import cv2
import numpy as np

_LSH: dict[str, bool | int | float | str] = {"algorithm": 6, "table_number": 8, "key_size": 20, "multi_probe_level": 1}
_CHUNK = 100_000
"""OpenCV's matcher keeps at most 2**18 rows per added array."""
MAX_DESCRIPTOR_DISTANCE = 64
"""Of 256 bits; ORB descriptors of the same point after recompression and resizing are far closer."""
RATIO = 0.8


class FeatureIndex:
    def __init__(self, entries: Iterable[tuple[int, np.ndarray]]) -> None:
        ids, blocks = [], []
        for reference_id, descriptors in entries:
            if len(descriptors):
                ids.append(np.full(len(descriptors), reference_id, dtype=np.int64))
                blocks.append(descriptors)
        self._owners = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        self._matcher: cv2.FlannBasedMatcher | None = None
        if blocks:
            stacked = np.concatenate(blocks)
            self._matcher = cv2.FlannBasedMatcher(_LSH, {"checks": 64})
            self._matcher.add([stacked[i : i + _CHUNK] for i in range(0, len(stacked), _CHUNK)])
            self._matcher.train()

    def vote(self, descriptors: np.ndarray, limit: int, min_votes: int) -> list[tuple[int, int]]:
        """(reference_id, votes) for the references most query descriptors point at."""
        if self._matcher is None or len(descriptors) == 0:
            return []
        votes: Counter[int] = Counter()
        for pair in self._matcher.knnMatch(descriptors, k=2):
            if not pair or pair[0].distance > MAX_DESCRIPTOR_DISTANCE:
                continue
            owner = self._owner(pair[0])
            if len(pair) == 1 or pair[0].distance < RATIO * pair[1].distance or self._owner(pair[1]) == owner:
                votes[owner] += 1
        return [(rid, count) for rid, count in votes.most_common(limit) if count >= min_votes]

    def _owner(self, match: cv2.DMatch) -> int:
        return int(self._owners[match.imgIdx * _CHUNK + match.trainIdx])
