"""Everything the library knows of an image, from one decode of its bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from hashes.algorithms import MIN_HASH_QUALITY, hash_quality
from hashes.decode import DEFAULT_LIMITS, DecodedImage, DecodeLimits, decode
from hashes.keypoints import Keypoints
from hashes.registry import ALGORITHMS, KEYPOINT_SIGNAL


@dataclass(frozen=True)
class Fingerprints:
    sha256: str
    image: DecodedImage
    hashes: dict[str, bytes]
    """Algorithm name -> packed hash of the upright image."""
    keypoints: Keypoints
    """The registered keypoint signal's features (`hashes.KEYPOINTS`)."""
    quality: int = 100
    """PDQ's quality of the picture (`hashes.algorithms.MIN_HASH_QUALITY`)."""

    @property
    def low_information(self) -> bool:
        """Blank, single-colour or nearly featureless: its hashes identify nothing."""
        return self.quality < MIN_HASH_QUALITY


def fingerprint(data: bytes, limits: DecodeLimits = DEFAULT_LIMITS) -> Fingerprints:
    image = decode(data, limits)
    return Fingerprints(
        sha256=hashlib.sha256(data).hexdigest(),
        image=image,
        hashes={name: algorithm.compute(image.pixels) for name, algorithm in ALGORITHMS.items()},
        keypoints=KEYPOINT_SIGNAL.extract(image),
        quality=hash_quality(image.pixels),
    )
