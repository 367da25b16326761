"""Everything the library knows of an image, from one decode of its bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hashes.algorithms import ALGORITHMS
from hashes.decode import DecodedImage, DecodeLimits, decode
from hashes.keypoints import Keypoints, extract_keypoints


@dataclass(frozen=True)
class Fingerprints:
    sha256: str
    image: DecodedImage
    hashes: dict[str, bytes]
    """Algorithm name -> packed hash of the upright image."""
    keypoints: Keypoints


def fingerprint(data: bytes, limits: DecodeLimits = DecodeLimits()) -> Fingerprints:
    image = decode(data, limits)
    return Fingerprints(
        sha256=hashlib.sha256(data).hexdigest(),
        image=image,
        hashes={name: algorithm.compute(image.pixels) for name, algorithm in ALGORITHMS.items()},
        keypoints=extract_keypoints(image),
    )
