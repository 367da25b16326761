"""What a check reads of the library, and nothing more: the stages depend on this
protocol, not on `Library` and its SQL session, so they can be tested with originals
built in memory. `provenance.library.Library` implements it structurally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hashes import MIN_HASH_QUALITY, DecodedImage, Fingerprints, Keypoints
from provenance.metadata import ImageMetadata
from provenance.metadata.c2pa import ContentCredentials


@dataclass(frozen=True)
class Original:
    """A known original as the check sees it: its identity, size, format and metadata."""

    id: int
    external_id: str
    source: str
    format: str
    width: int
    height: int
    sha256: str
    metadata: ImageMetadata
    has_pixels: bool = True
    """False for a hash-only original (an agency shared its fingerprints, not its pixels):
    no keypoints, no working copy, only hash distances to compare."""
    hash_quality: int | None = None
    """PDQ's quality of the original as ingested (None when not known: older and
    hash-only originals)."""

    @property
    def low_information(self) -> bool:
        """Blank or featureless: its hashes alone must never make a match."""
        return self.hash_quality is not None and self.hash_quality < MIN_HASH_QUALITY


class IndexView(Protocol):
    """The library's indexes as candidate ranking reads them."""

    def hash_neighbours(self, algorithm: str, codes: Sequence[bytes], max_distance: int, limit: int, /) -> list[int]:
        """Originals within `max_distance` of any of the codes, closest first."""
        ...

    def hash_distance(self, algorithm: str, reference_id: int, codes: Sequence[bytes], /) -> int | None:
        """The closest of the codes to one original's code; None when it has no code of this
        algorithm (hash-only originals may come with PDQ alone)."""
        ...

    def feature_votes(self, descriptors: np.ndarray, limit: int, min_votes: int, /) -> list[tuple[int, int]]:
        """(original id, votes) for the originals most descriptors point at, most votes first."""
        ...


class LibraryView(IndexView, Protocol):
    """The library's read side for one check: its indexes, and its originals."""

    def fingerprint(self, data: bytes, /) -> Fingerprints:
        """Decode (within the library's limits) and compute every signal."""
        ...

    def count(self) -> int:
        """How many originals the library holds."""
        ...

    def original(self, reference_id: int, /) -> Original: ...

    def original_by_sha256(self, sha256: str, /) -> Original | None: ...

    def keypoints(self, reference_id: int, /) -> Keypoints: ...

    def working_copy(self, original: Original, /) -> DecodedImage:
        """The original's pixels at working size."""
        ...

    def credentials(self, reference_id: int, /) -> ContentCredentials | None:
        """The Content Credentials the original carried when it was ingested."""
        ...
