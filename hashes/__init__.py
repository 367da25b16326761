"""Decoding and fingerprints: pure functions from bytes to values, no I/O."""

from hashes.algorithms import DIHEDRAL, HASH_QUALITY, MIN_HASH_QUALITY, HashAlgorithm, hamming, hash_quality
from hashes.decode import ALLOWED_FORMATS, DecodedImage, DecodeLimits, decode
from hashes.errors import CorruptImage, ImageError, LimitExceeded, UnsupportedFormat
from hashes.fingerprint import Fingerprints, fingerprint
from hashes.keypoints import Keypoints, KeypointSignal
from hashes.orb import extract_keypoints
from hashes.registry import ALGORITHMS, KEYPOINT_SIGNAL, KEYPOINTS, SEARCHED

__all__ = [
    "ALGORITHMS",
    "ALLOWED_FORMATS",
    "DIHEDRAL",
    "HASH_QUALITY",
    "KEYPOINTS",
    "KEYPOINT_SIGNAL",
    "MIN_HASH_QUALITY",
    "SEARCHED",
    "CorruptImage",
    "DecodeLimits",
    "DecodedImage",
    "Fingerprints",
    "HashAlgorithm",
    "ImageError",
    "KeypointSignal",
    "Keypoints",
    "LimitExceeded",
    "UnsupportedFormat",
    "decode",
    "extract_keypoints",
    "fingerprint",
    "hamming",
    "hash_quality",
]
