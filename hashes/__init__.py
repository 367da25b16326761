"""Decoding and fingerprints: pure functions from bytes to values, no I/O."""

from hashes.algorithms import ALGORITHMS, DIHEDRAL, SEARCHED, HashAlgorithm, hamming
from hashes.decode import ALLOWED_FORMATS, DecodedImage, DecodeLimits, decode
from hashes.errors import CorruptImage, ImageError, LimitExceeded, UnsupportedFormat
from hashes.fingerprint import Fingerprints, fingerprint
from hashes.keypoints import NAME as KEYPOINTS
from hashes.keypoints import Keypoints, extract_keypoints

__all__ = [
    "ALGORITHMS",
    "ALLOWED_FORMATS",
    "DIHEDRAL",
    "KEYPOINTS",
    "SEARCHED",
    "CorruptImage",
    "DecodeLimits",
    "DecodedImage",
    "Fingerprints",
    "HashAlgorithm",
    "ImageError",
    "Keypoints",
    "LimitExceeded",
    "UnsupportedFormat",
    "decode",
    "extract_keypoints",
    "fingerprint",
    "hamming",
]
