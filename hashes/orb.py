"""ORB keypoints (OpenCV), the local-feature signal the check verifies geometry with."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from hashes.decode import DecodedImage
from hashes.keypoints import DESCRIPTOR_BYTES, Keypoints, KeypointSignal

MIN_SIDE = 48
"""ORB needs room for its 31-pixel patches on at least one pyramid level."""
_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
"""Local contrast equalisation first: dark or hazy photographs otherwise give ORB's
fixed FAST threshold nothing to detect, and copies with changed contrast detect alike."""
FAST_THRESHOLDS = (10, 5, 2)
"""Corner contrast ORB asks for, lowered in steps for smooth pictures (sky, fog, studio
backdrops) until enough corners are found to verify geometry."""
ENOUGH_POINTS = 300
GRID = 4
"""Keypoints are shared out over GRID x GRID cells of the picture..."""
CANDIDATE_FACTOR = 3
"""...chosen from this many times the budget of detected corners."""


class Orb(KeypointSignal):
    name = "orb"
    descriptor_bytes = DESCRIPTOR_BYTES

    def extract(
        self,
        image: DecodedImage,
        max_points: int = 1000,
        mirrored: bool = False,
        box: tuple[int, int, int, int] | None = None,
    ) -> Keypoints:
        return extract_keypoints(image, max_points, mirrored, box)


def extract_keypoints(
    image: DecodedImage,
    max_points: int = 1000,
    mirrored: bool = False,
    box: tuple[int, int, int, int] | None = None,
) -> Keypoints:
    """ORB keypoints of the working copy; `mirrored` describes the left-right flip
    (ORB descriptors are not mirror-invariant) but reports points in the unflipped frame;
    `box` (x, y, w, h in full-resolution pixels) spends the whole budget on one part."""
    pixels, offset = image.pixels, np.zeros(2, np.float32)
    if box is not None:
        left, top, width, height = (round(v * image.scale) for v in box)
        left, top = max(0, left), max(0, top)
        pixels, offset = pixels[top : top + height, left : left + width], np.array([left, top], np.float32)
    if min(pixels.shape[:2]) < MIN_SIDE:
        return Keypoints.empty(DESCRIPTOR_BYTES)
    grey = _CLAHE.apply(cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2GRAY))
    if mirrored:
        grey = np.ascontiguousarray(grey[:, ::-1])
    for threshold in FAST_THRESHOLDS:
        orb = cv2.ORB.create(
            nfeatures=CANDIDATE_FACTOR * max_points,
            scaleFactor=1.2,
            nlevels=8,
            edgeThreshold=15,
            patchSize=31,
            fastThreshold=threshold,
        )
        found = orb.detect(grey, None)
        if len(found) >= min(ENOUGH_POINTS, max_points):
            break
    found, descriptors = orb.compute(grey, _spread(found, grey.shape, max_points))
    if descriptors is None or not found:
        return Keypoints.empty(DESCRIPTOR_BYTES)
    points = np.array([kp.pt for kp in found], dtype=np.float32)
    if mirrored:
        points[:, 0] = (grey.shape[1] - 1) - points[:, 0]
    points = (points + offset + 0.5) / image.scale - 0.5
    return Keypoints(points=points, descriptors=descriptors)


def _spread(found: Sequence[cv2.KeyPoint], shape: tuple[int, ...], max_points: int) -> list[cv2.KeyPoint]:
    """The strongest keypoints of each grid cell first, then the strongest of the rest:
    the best corners of a photograph crowd into its most textured part (a flower's heart),
    and a crop of any other part would find nothing of the original to match."""
    if len(found) <= max_points:
        return list(found)
    height, width = shape[:2]
    order = sorted(found, key=lambda kp: -kp.response)
    quota = max_points // (2 * GRID * GRID)
    taken: dict[int, int] = {}
    chosen: list[cv2.KeyPoint] = []
    rest: list[cv2.KeyPoint] = []
    for keypoint in order:
        x, y = keypoint.pt
        cell = min(GRID - 1, int(y * GRID / height)) * GRID + min(GRID - 1, int(x * GRID / width))
        if taken.get(cell, 0) < quota:
            taken[cell] = taken.get(cell, 0) + 1
            chosen.append(keypoint)
        else:
            rest.append(keypoint)
    return chosen + rest[: max_points - len(chosen)]
