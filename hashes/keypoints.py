"""Local features: the record every keypoint signal produces and the interface it implements.

Perceptual hashes say two images look alike; keypoints say where one sits inside
the other, which is what survives heavy crops and what tells a copy from a second
photograph of the same scene. Coordinates are stored in full-resolution pixels of
the image they came from, so they are independent of the working size.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hashes.decode import DecodedImage

DESCRIPTOR_BYTES = 32
"""Binary descriptors of 256 bits (ORB's), the width the library stores by default."""


@dataclass(frozen=True)
class Keypoints:
    points: np.ndarray
    """N x 2 float32, (x, y) in full-resolution pixels."""
    descriptors: np.ndarray
    """N x descriptor bytes uint8 binary descriptors."""

    def __len__(self) -> int:
        return len(self.points)

    def to_bytes(self) -> bytes:
        """One record per point: x, y as float32, then the descriptor's bytes."""
        records = np.empty(len(self), dtype=_record(self.descriptors.shape[1]))
        records["xy"] = self.points
        records["descriptor"] = self.descriptors
        return records.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, descriptor_bytes: int = DESCRIPTOR_BYTES) -> Keypoints:
        records = np.frombuffer(data, dtype=_record(descriptor_bytes))
        return cls(points=records["xy"].copy(), descriptors=records["descriptor"].copy())

    @classmethod
    def empty(cls, descriptor_bytes: int = DESCRIPTOR_BYTES) -> Keypoints:
        return cls(np.zeros((0, 2), np.float32), np.zeros((0, descriptor_bytes), np.uint8))


def _record(descriptor_bytes: int) -> np.dtype:
    return np.dtype([("xy", np.float32, 2), ("descriptor", np.uint8, descriptor_bytes)])


class KeypointSignal(ABC):
    """A kind of local feature, declared as the hash signals are: its name (under which
    the library stores it beside the hashes), its descriptor size and the index it needs."""

    name: ClassVar[str]
    descriptor_bytes: ClassVar[int]
    index: ClassVar[str] = "features"
    """The kind of index that finds references sharing descriptors (an inverted file over binary descriptors)."""

    @abstractmethod
    def extract(
        self,
        image: DecodedImage,
        max_points: int = 1000,
        mirrored: bool = False,
        box: tuple[int, int, int, int] | None = None,
    ) -> Keypoints:
        """Keypoints of the working copy in full-resolution coordinates; `mirrored`
        describes the left-right flip but reports points in the unflipped frame; `box`
        (x, y, w, h in full-resolution pixels) spends the whole budget on one part."""

    def from_bytes(self, data: bytes) -> Keypoints:
        return Keypoints.from_bytes(data, self.descriptor_bytes)
