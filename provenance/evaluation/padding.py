"""A library padded to hundreds of thousands of originals without decoding them: the
padding of `provenance bench-scale` and `provenance eval --pad`.

Donor photographs (a folder apart from the photographs under test) are cut into
transformed crops, each crop fingerprinted once. Every padding original takes the hashes
of one crop (with a few bits flipped, so no two are equal) and keypoints drawn from three
crops, shuffled. Real descriptors cluster and real hashes are biased, which is what makes
an index work hard; uniform random bits would make every index look good. Descriptors
are assigned to the feature index's lists once per donor crop (the bulk path); a padding
original's keypoints are drawn again from its seed when asked, not stored (40 KB an
original).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from hashes import ALGORITHMS, DecodedImage, Fingerprints, ImageError, Keypoints, fingerprint
from provenance.check.library_view import Original
from provenance.errors import InvalidInput
from provenance.evaluation.variants import crop_fraction, encode, resized
from provenance.library.index import FeatureIndex, HammingIndex
from provenance.library.index.features import INDEXED
from provenance.library.library import Library
from provenance.metadata import ImageMetadata
from provenance.metadata.c2pa import ContentCredentials

CROPS_PER_DONOR = 12
MAX_DONOR_CROPS = 400
"""Each keeps its working copy (a padding original that a check aligns needs pixels)."""
POINTS_EACH = 1000
"""Keypoints of a padding original, as many as an ingest keeps."""
DONOR_CROPS_PER_ORIGINAL = 3
FLIPPED_BITS = {256: 24, 64: 6}
"""Bits flipped in a donor crop's hashes for each padding original: distinct codes that keep
the bias of real ones (further apart than a recompressed copy, closer than unrelated photos)."""
CHUNK = 50_000
FIRST_ID = 1_000_000_000
"""Padding ids, far above the real originals' so the two never meet."""


@dataclass(frozen=True)
class DonorCrop:
    fingerprints: Fingerprints
    lists: np.ndarray
    """Each descriptor's inverted list in the feature index."""


class Padding:
    """The padding originals' fingerprints, drawn from the donor crops by id."""

    def __init__(self, crops: list[DonorCrop], seed: int) -> None:
        self.crops = crops
        self.seed = seed

    def keypoints(self, reference_id: int) -> tuple[Keypoints, np.ndarray]:
        """(keypoints, their descriptors' lists): POINTS_EACH drawn from the donor crops, shuffled."""
        rng, donors = self._donors(reference_id)
        crops = [self.crops[d] for d in donors]
        points = np.concatenate([c.fingerprints.keypoints.points for c in crops])
        descriptors = np.concatenate([c.fingerprints.keypoints.descriptors for c in crops])
        lists = np.concatenate([c.lists for c in crops])
        chosen = rng.permutation(len(points))[:POINTS_EACH]
        return Keypoints(points[chosen], descriptors[chosen]), lists[chosen]

    def hashes(self, reference_id: int) -> dict[str, bytes]:
        rng, donors = self._donors(reference_id)
        codes = {}
        for name, code in self.crops[donors[0]].fingerprints.hashes.items():
            if name in ALGORITHMS:
                bits = np.unpackbits(np.frombuffer(code, dtype=np.uint8))
                bits[rng.choice(len(bits), FLIPPED_BITS[len(bits)], replace=False)] ^= 1
                codes[name] = np.packbits(bits).tobytes()
        return codes

    def image(self, reference_id: int) -> DecodedImage:
        return self.crops[self._donors(reference_id)[1][0]].fingerprints.image

    def full_descriptors(self, reference_ids: Sequence[int]) -> dict[int, np.ndarray]:
        return {rid: self.keypoints(rid)[0].descriptors for rid in reference_ids if rid >= FIRST_ID}

    def fill(self, features: FeatureIndex, hashes: dict[str, HammingIndex], size: int) -> None:
        """Add `size` padding originals to the indexes, CHUNK at a time."""
        for first in range(FIRST_ID, FIRST_ID + size, CHUNK):
            ids = list(range(first, min(FIRST_ID + size, first + CHUNK)))
            indexed, lists = [], []
            for reference_id in ids:
                keypoints, their_lists = self.keypoints(reference_id)
                indexed.append(keypoints.descriptors[:INDEXED])
                lists.append(their_lists[:INDEXED])
            features.add_assigned(ids, np.concatenate(indexed), np.concatenate(lists), INDEXED)
            codes = [self.hashes(rid) for rid in ids]
            for name, index in hashes.items():
                index.add_many(ids, [c[name] for c in codes])

    def _donors(self, reference_id: int) -> tuple[np.random.Generator, np.ndarray]:
        rng = np.random.default_rng([self.seed, reference_id])
        return rng, rng.choice(len(self.crops), DONOR_CROPS_PER_ORIGINAL, replace=False)


def donor_crops(files: list[Path], features: FeatureIndex, rng: np.random.Generator) -> list[DonorCrop]:
    """Donor photographs cut into CROPS_PER_DONOR transformed crops each, fingerprinted."""
    crops: list[DonorCrop] = []
    for path in files:
        try:
            image = Image.open(io.BytesIO(path.read_bytes())).convert("RGB")
        except (OSError, ValueError, EOFError, SyntaxError, Image.DecompressionBombError):
            continue
        for _ in range(CROPS_PER_DONOR):
            cut = crop_fraction(image, float(rng.uniform(0.2, 0.9)), rng, centred=False)
            cut = resized(cut, float(rng.uniform(0.4, 1.0)))
            if min(cut.size) < 64 or len(crops) >= MAX_DONOR_CROPS:
                continue
            try:
                prints = fingerprint(encode(cut, quality=int(rng.integers(60, 95))))
            except ImageError:
                continue
            if len(prints.keypoints) >= INDEXED:
                crops.append(DonorCrop(prints, features.lists_of(prints.keypoints.descriptors)))
    if len(crops) < DONOR_CROPS_PER_ORIGINAL:
        raise InvalidInput("the donor photographs gave too few crops with keypoints (give other folders)")
    return crops


class PaddedLibrary:
    """A check's view of a real library among padding originals: its own hash and
    feature indexes hold both, so the padding competes in every look-up as real
    originals would; everything else about a real original comes from the library."""

    def __init__(self, library: Library, real_ids: Sequence[int], donors: list[Path], size: int, seed: int) -> None:
        self.library = library
        self.size = size
        self.hashes = {name: HammingIndex(a.bits) for name, a in ALGORITHMS.items()}
        self.features = FeatureIndex(self._full_descriptors)
        self.padding = Padding(donor_crops(donors, self.features, np.random.default_rng(seed)), seed)
        self.padding.fill(self.features, self.hashes, size)
        self._real = {rid: library.keypoints(rid) for rid in real_ids}
        self.features.add_many(list(self._real.items()))
        for name, index in self.hashes.items():
            codes = {rid: library.indexes.hashes(name).code(rid) for rid in real_ids}
            index.add_many([rid for rid, c in codes.items() if c], [c for c in codes.values() if c])

    def _full_descriptors(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        real = {rid: self._real[rid].descriptors for rid in ids if rid in self._real}
        return real | self.padding.full_descriptors(ids)

    def fingerprint(self, data: bytes) -> Fingerprints:
        return self.library.fingerprint(data)

    def count(self) -> int:
        return self.library.count() + self.size

    def hash_neighbours(self, algorithm: str, codes: Sequence[bytes], max_distance: int, limit: int) -> list[int]:
        return [hit.reference_id for hit in self.hashes[algorithm].search(codes, max_distance, limit)]

    def hash_distance(self, algorithm: str, reference_id: int, codes: Sequence[bytes]) -> int | None:
        return self.hashes[algorithm].distance(reference_id, codes)

    def feature_votes(self, descriptors: np.ndarray, limit: int, min_votes: int) -> list[tuple[int, int]]:
        return self.features.vote(descriptors, limit, min_votes)

    def original(self, reference_id: int) -> Original:
        if reference_id < FIRST_ID:
            return self.library.original(reference_id)
        image = self.padding.image(reference_id)
        return Original(
            id=reference_id,
            external_id=f"PAD-{reference_id - FIRST_ID}",
            source="padding",
            format=image.format,
            width=image.width,
            height=image.height,
            sha256=f"padding-{reference_id}",
            metadata=ImageMetadata(),
        )

    def original_by_sha256(self, sha256: str) -> Original | None:
        return self.library.original_by_sha256(sha256)

    def keypoints(self, reference_id: int) -> Keypoints:
        if reference_id < FIRST_ID:
            return self.library.keypoints(reference_id)
        return self.padding.keypoints(reference_id)[0]

    def working_copy(self, original: Original) -> DecodedImage:
        if original.id < FIRST_ID:
            return self.library.working_copy(original)
        return self.padding.image(original.id)

    def credentials(self, reference_id: int) -> ContentCredentials | None:
        return None if reference_id >= FIRST_ID else self.library.credentials(reference_id)
