"""Perceptual hash signals behind one small interface.

Each signal declares its name, bit length, the distances that matter when matching
it, and the index it needs (as python-threatexchange's `SignalType` does), and
computes `compute(pixels) -> bytes`. Adding one is a class and a line in
`hashes.registry`; the check reads every threshold from the signal, never from a name.
`compute_dihedral` gives the hashes of the eight rotations and mirrors of an image, in
`DIHEDRAL` order, so a mirrored or rotated copy can be looked up against hashes of the
upright original.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

import cv2
import imagehash
import numpy as np
import pdqhash
from PIL import Image

DIHEDRAL: tuple[str, ...] = (
    "identity",
    "rot90",
    "rot180",
    "rot270",
    "flipud",
    "fliplr",
    "transpose",
    "antitranspose",
)
"""The order of pdqhash's dihedral output; rotations are numpy's (counter-clockwise)."""

_DIHEDRAL_TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda a: a,
    "rot90": lambda a: np.rot90(a, 1),
    "rot180": lambda a: np.rot90(a, 2),
    "rot270": lambda a: np.rot90(a, 3),
    "flipud": lambda a: a[::-1],
    "fliplr": lambda a: a[:, ::-1],
    "transpose": lambda a: a.transpose(1, 0, 2),
    "antitranspose": lambda a: np.rot90(a, 2).transpose(1, 0, 2),
}


class HashAlgorithm(ABC):
    name: ClassVar[str]
    bits: ClassVar[int]
    index: ClassVar[str] = "hamming"
    """The kind of index that finds near codes (exact Hamming distance)."""
    candidate_distance: ClassVar[int | None] = None
    """Largest distance that makes a library original a candidate; None: the signal
    only measures distances, it does not search (unrelated images sit near bits / 2)."""
    close_distance: ClassVar[int | None] = None
    """Codes this close make a candidate worth aligning pixel by pixel when keypoints fail."""
    match_distance: ClassVar[int | None] = None
    """Codes this close are the same picture even when keypoints cannot confirm it
    (tiny or featureless copies); every signal that declares one must agree."""

    @abstractmethod
    def compute(self, pixels: np.ndarray) -> bytes:
        """Hash of an H x W x 3 uint8 RGB array, packed big-endian into bits/8 bytes."""

    def compute_dihedral(self, pixels: np.ndarray) -> list[bytes]:
        return [self.compute(np.ascontiguousarray(_DIHEDRAL_TRANSFORMS[name](pixels))) for name in DIHEDRAL]


def _shrink(pixels: np.ndarray, long_side: int) -> np.ndarray:
    height, width = pixels.shape[:2]
    factor = long_side / max(height, width)
    if factor >= 1:
        return pixels
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


class _ImageHashAlgorithm(HashAlgorithm):
    """imagehash squashes every image to a small square; doing the first, area-averaged
    step here to 64 x 64 makes the eight dihedral variants nearly free."""

    function: ClassVar[Callable[..., imagehash.ImageHash]]
    _SQUARE = 64

    def _prepare(self, pixels: np.ndarray) -> np.ndarray:
        return cv2.resize(pixels, (self._SQUARE, self._SQUARE), interpolation=cv2.INTER_AREA)

    def _hash(self, square: np.ndarray) -> bytes:
        value = type(self).function(Image.fromarray(np.ascontiguousarray(square)), hash_size=8)
        return np.packbits(value.hash.flatten()).tobytes()

    def compute(self, pixels: np.ndarray) -> bytes:
        return self._hash(self._prepare(pixels))

    def compute_dihedral(self, pixels: np.ndarray) -> list[bytes]:
        square = self._prepare(pixels)
        return [self._hash(_DIHEDRAL_TRANSFORMS[name](square)) for name in DIHEDRAL]


class PHash(_ImageHashAlgorithm):
    """DCT hash (imagehash): robust to recompression, resizing and colour changes."""

    name = "phash"
    bits = 64
    candidate_distance = 22
    close_distance = 14
    match_distance = 8
    function = staticmethod(imagehash.phash)


class DHash(_ImageHashAlgorithm):
    """Gradient hash (imagehash): cheap, complements pHash on low-texture images."""

    name = "dhash"
    bits = 64
    close_distance = 12
    function = staticmethod(imagehash.dhash)


class PDQ(HashAlgorithm):
    """Meta's PDQ (pdqhash), the hash newsrooms and platforms exchange."""

    name = "pdq"
    bits = 256
    candidate_distance = 80
    close_distance = 80
    match_distance = 31
    """PDQ's own recommended match threshold."""
    _INPUT_SIDE = 512
    """PDQ's reference implementation recommends inputs of at most 512 pixels."""

    def compute(self, pixels: np.ndarray) -> bytes:
        vector, _quality = pdqhash.compute(np.ascontiguousarray(_shrink(pixels, self._INPUT_SIDE)))
        return np.packbits(vector.astype(np.uint8)).tobytes()

    def compute_dihedral(self, pixels: np.ndarray) -> list[bytes]:
        vectors, _quality = pdqhash.compute_dihedral(np.ascontiguousarray(_shrink(pixels, self._INPUT_SIDE)))
        return [np.packbits(v.astype(np.uint8)).tobytes() for v in vectors]


HASH_QUALITY = "pdq_quality"
"""The name the library stores an original's PDQ quality under, beside its hashes."""
MIN_HASH_QUALITY = 50
"""PDQ's quality (0-100, from the picture's gradients) below which Meta's reference
implementation calls a hash unreliable: blank, single-colour or nearly featureless
pictures, whose hashes all fall together (a flat picture's PDQ, pHash and dHash are
all zeros). Such hashes never make a match on their own."""


def hash_quality(pixels: np.ndarray) -> int:
    """PDQ's quality of an H x W x 3 uint8 RGB picture, as its hash is computed."""
    _vector, quality = pdqhash.compute(np.ascontiguousarray(_shrink(pixels, PDQ._INPUT_SIDE)))
    return int(quality)


def hamming(a: bytes, b: bytes) -> int:
    return int.from_bytes(a, "big").__xor__(int.from_bytes(b, "big")).bit_count()
