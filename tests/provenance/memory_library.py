"""A `LibraryView` over originals held in memory (no database, no blob folder), so the
check's stages can be tested with objects built in the test."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hashes import ALGORITHMS, DecodedImage, Fingerprints, Keypoints, fingerprint
from provenance.check.library_view import Original
from provenance.library.index import FeatureIndex, HammingIndex
from provenance.metadata import extract_metadata
from provenance.metadata.c2pa import ContentCredentials


class MemoryLibrary:
    def __init__(self) -> None:
        self.originals: dict[int, Original] = {}
        self.fingerprints: dict[int, Fingerprints] = {}
        self.stored_credentials: dict[int, ContentCredentials] = {}

    def add(self, data: bytes, external_id: str, source: str = "test", **metadata: str) -> Original:
        prints = fingerprint(data)
        original = Original(
            id=len(self.originals) + 1,
            external_id=external_id,
            source=source,
            format=prints.image.format,
            width=prints.image.width,
            height=prints.image.height,
            sha256=prints.sha256,
            metadata=extract_metadata(data).model_copy(update=metadata) if metadata else extract_metadata(data),
        )
        self.originals[original.id] = original
        self.fingerprints[original.id] = prints
        return original

    def fingerprint(self, data: bytes) -> Fingerprints:
        return fingerprint(data)

    def count(self) -> int:
        return len(self.originals)

    def original(self, reference_id: int) -> Original:
        return self.originals[reference_id]

    def original_by_sha256(self, sha256: str) -> Original | None:
        return next((o for o in self.originals.values() if o.sha256 == sha256), None)

    def hash_neighbours(self, algorithm: str, codes: Sequence[bytes], max_distance: int, limit: int) -> list[int]:
        return [hit.reference_id for hit in self._index(algorithm).search(codes, max_distance, limit)]

    def hash_distance(self, algorithm: str, reference_id: int, codes: Sequence[bytes]) -> int:
        distance = self._index(algorithm).distance(reference_id, codes)
        assert distance is not None
        return distance

    def feature_votes(self, descriptors: np.ndarray, limit: int, min_votes: int) -> list[tuple[int, int]]:
        index = FeatureIndex(lambda ids: {rid: self.fingerprints[rid].keypoints.descriptors for rid in ids})
        index.add_many([(rid, prints.keypoints) for rid, prints in self.fingerprints.items()])
        return index.vote(descriptors, limit, min_votes)

    def keypoints(self, reference_id: int) -> Keypoints:
        return self.fingerprints[reference_id].keypoints

    def working_copy(self, original: Original) -> DecodedImage:
        return self.fingerprints[original.id].image

    def credentials(self, reference_id: int) -> ContentCredentials | None:
        return self.stored_credentials.get(reference_id)

    def _index(self, algorithm: str) -> HammingIndex:
        index = HammingIndex(ALGORITHMS[algorithm].bits)
        index.add_many(list(self.fingerprints), [p.hashes[algorithm] for p in self.fingerprints.values()])
        return index
