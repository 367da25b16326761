"""Copy-move detection: parts of the picture that appear twice in it.

Keypoints of the picture are matched against the picture itself (each keypoint's
nearest neighbour other than itself); pairs far apart that agree on one geometric
transform mark a region cloned from elsewhere in the same image (cloning to hide or
duplicate something). Repetitive textures (windows, tiles, waves) also repeat, so the
matches must agree on one transform and come in numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_FEATURES = 3000
MAX_HAMMING = 48
RATIO = 0.8
MIN_DISTANCE = 24
"""Pixels (at the analysed size) between a keypoint and its clone."""
RANSAC_PIXELS = 4.0


@dataclass(frozen=True)
class CopyMoveResult:
    inliers: int
    source_box: tuple[int, int, int, int] | None
    target_box: tuple[int, int, int, int] | None
    pairs: np.ndarray
    """K x 4 (x1, y1, x2, y2) of the agreeing pairs, in analysed pixels."""
    shift: float


def find_copy_move(rgb: np.ndarray) -> CopyMoveResult:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    orb = cv2.ORB.create(nfeatures=MAX_FEATURES, scaleFactor=1.2, nlevels=6, fastThreshold=10)
    keypoints, descriptors = orb.detectAndCompute(grey, None)
    empty = CopyMoveResult(0, None, None, np.zeros((0, 4), np.float32), 0.0)
    if descriptors is None or len(keypoints) < 10:
        return empty
    points = np.array([k.pt for k in keypoints], np.float32)
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = []
    for matches in matcher.knnMatch(descriptors, descriptors, k=3):
        others = [m for m in matches if m.trainIdx != m.queryIdx]
        if len(others) < 1:
            continue
        best = others[0]
        if best.distance > MAX_HAMMING:
            continue
        if len(others) > 1 and best.distance > RATIO * others[1].distance:
            continue
        a, b = points[best.queryIdx], points[best.trainIdx]
        if np.hypot(*(a - b)) < MIN_DISTANCE:
            continue
        if (a[0], a[1]) > (b[0], b[1]):
            a, b = b, a
        pairs.append((*a, *b))
    if len(pairs) < 6:
        return empty
    unique = np.unique(np.array(pairs, np.float32), axis=0)
    if len(unique) < 6:
        return empty
    source, target = np.ascontiguousarray(unique[:, :2]), np.ascontiguousarray(unique[:, 2:])
    transform, mask = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PIXELS, maxIters=2000, confidence=0.99
    )
    if transform is None or mask is None:
        return empty
    keep = mask.ravel().astype(bool)
    inliers = unique[keep]
    if len(inliers) < 4:
        return empty
    shift = float(np.hypot(transform[0, 2], transform[1, 2]))
    return CopyMoveResult(len(inliers), _box(inliers[:, :2]), _box(inliers[:, 2:]), inliers, shift)


def _box(points: np.ndarray) -> tuple[int, int, int, int]:
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return int(x0), int(y0), int(max(1, x1 - x0)), int(max(1, y1 - y0))
