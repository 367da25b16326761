"""The library as one check sees it after editors rejected some of its originals for
this very copy: those originals are never proposed again, by hash, by features or as
the same file. The stages read it like any other `LibraryView`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hashes import DecodedImage, Fingerprints, Keypoints
from provenance.check.library_view import LibraryView, Original
from provenance.metadata.c2pa import ContentCredentials


class WithoutOriginals:
    """A `LibraryView` that hides `hidden` (original ids) from every look-up."""

    def __init__(self, library: LibraryView, hidden: frozenset[int]) -> None:
        self.library = library
        self.hidden = hidden

    def hash_neighbours(self, algorithm: str, codes: Sequence[bytes], max_distance: int, limit: int, /) -> list[int]:
        found = self.library.hash_neighbours(algorithm, codes, max_distance, limit + len(self.hidden))
        return [i for i in found if i not in self.hidden][:limit]

    def hash_distance(self, algorithm: str, reference_id: int, codes: Sequence[bytes], /) -> int | None:
        return None if reference_id in self.hidden else self.library.hash_distance(algorithm, reference_id, codes)

    def feature_votes(self, descriptors: np.ndarray, limit: int, min_votes: int, /) -> list[tuple[int, int]]:
        votes = self.library.feature_votes(descriptors, limit + len(self.hidden), min_votes)
        return [(i, n) for i, n in votes if i not in self.hidden][:limit]

    def original_by_sha256(self, sha256: str, /) -> Original | None:
        original = self.library.original_by_sha256(sha256)
        return None if original is None or original.id in self.hidden else original

    def fingerprint(self, data: bytes, /) -> Fingerprints:
        return self.library.fingerprint(data)

    def count(self) -> int:
        return self.library.count()

    def original(self, reference_id: int, /) -> Original:
        return self.library.original(reference_id)

    def keypoints(self, reference_id: int, /) -> Keypoints:
        return self.library.keypoints(reference_id)

    def working_copy(self, original: Original, /) -> DecodedImage:
        return self.library.working_copy(original)

    def credentials(self, reference_id: int, /) -> ContentCredentials | None:
        return self.library.credentials(reference_id)


def without(library: LibraryView, hidden: frozenset[int]) -> LibraryView:
    """The library itself when nothing is hidden (the common case costs nothing)."""
    return WithoutOriginals(library, hidden) if hidden else library
