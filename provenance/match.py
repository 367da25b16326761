"""Geometric verification: is the checked image the same photograph as a reference,
and where does it sit in it?

Keypoints are matched (Hamming, Lowe's ratio test) and an affine transform is fitted
with RANSAC. Affine covers what benign copies do (resize, crop, rotation, mirror,
slight stretch); a second photograph of the same scene does not fit one transform
with many inliers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from hashes import DecodedImage, Keypoints

RATIO_TEST = 0.8
MIN_INLIERS = 15
MIN_INLIER_RATIO = 0.25
RANSAC_THRESHOLD = 0.005
"""Reprojection error allowed, as a fraction of the reference's long side."""
MAX_ANISOTROPY = 1.6
CONVINCING_INLIERS = 60


@dataclass(frozen=True)
class Alignment:
    matrix: np.ndarray
    """2 x 3 affine mapping checked-image pixels to reference pixels (full resolution)."""
    inliers: int
    matches: int
    query_points: np.ndarray
    """N x 2 checked-image pixels of the inlier keypoints: where the two images agree."""

    @property
    def _linear(self) -> np.ndarray:
        return self.matrix[:, :2]

    @property
    def mirrored(self) -> bool:
        return float(np.linalg.det(self._linear)) < 0

    @property
    def scale(self) -> float:
        """Checked-image pixels per reference pixel."""
        return 1.0 / math.sqrt(abs(float(np.linalg.det(self._linear))))

    @property
    def rotation(self) -> float:
        """Degrees the original was turned clockwise to give the copy, in (-180, 180]."""
        linear = self._linear @ np.diag([-1.0, 1.0]) if self.mirrored else self._linear
        angle = -math.degrees(math.atan2(linear[1, 0], linear[0, 0]))
        return 180.0 if angle <= -180.0 else angle

    def footprint(self, width: int, height: int) -> np.ndarray:
        """The checked image's corners in reference pixels (4 x 2)."""
        corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
        return corners @ self._linear.T + self.matrix[:, 2]


def align(query: Keypoints, reference: Keypoints, reference_size: tuple[int, int]) -> Alignment | None:
    if len(query) < MIN_INLIERS or len(reference) < MIN_INLIERS:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(query.descriptors, reference.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO_TEST * p[1].distance]
    if len(good) < MIN_INLIERS:
        return None
    source = query.points[[m.queryIdx for m in good]]
    target = reference.points[[m.trainIdx for m in good]]
    threshold = RANSAC_THRESHOLD * max(reference_size)
    matrix, inlier_mask = cv2.estimateAffine2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=threshold, maxIters=4000, confidence=0.995
    )
    if matrix is None:
        return None
    inliers = int(inlier_mask.sum())
    if inliers < MIN_INLIERS or inliers < MIN_INLIER_RATIO * len(good) or not _plausible(matrix):
        return None
    return Alignment(matrix=matrix, inliers=inliers, matches=len(good), query_points=source[inlier_mask.ravel() == 1])


def align_either_way(
    query: Keypoints, query_mirrored: Callable[[], Keypoints], reference: Keypoints, reference_size: tuple[int, int]
) -> Alignment | None:
    """ORB descriptors are not mirror-invariant: try the copy as is, and mirrored back
    unless the direct fit is already convincing (a mirrored copy of a symmetric scene
    can align partially the wrong way round)."""
    direct = align(query, reference, reference_size)
    if direct is not None and direct.inliers >= CONVINCING_INLIERS and direct.inliers >= 0.5 * direct.matches:
        return direct
    mirrored = align(query_mirrored(), reference, reference_size)
    found = [a for a in (direct, mirrored) if a is not None]
    return max(found, key=lambda a: a.inliers, default=None)


def _plausible(matrix: np.ndarray) -> bool:
    singular = np.linalg.svd(matrix[:, :2], compute_uv=False)
    if singular[1] <= 1e-6:
        return False
    scale = math.sqrt(singular[0] * singular[1])
    return singular[0] / singular[1] <= MAX_ANISOTROPY and 0.02 <= scale <= 50


def warp_reference(
    reference: DecodedImage, query: DecodedImage, alignment: Alignment, long_side: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The reference's working copy resampled into the checked image's frame (its working
    size, or `long_side`), and a mask of the pixels the reference covers there.

    Where the frame is much smaller than the reference, the reference is first reduced
    by area averaging: bilinear warping alone would alias fine texture."""
    height, width = query.pixels.shape[:2]
    frame_scale = query.scale
    if long_side is not None and max(height, width) > long_side:
        factor = long_side / max(height, width)
        height, width, frame_scale = max(1, round(height * factor)), max(1, round(width * factor)), query.scale * factor
    source, source_scale = reference.pixels, reference.scale
    shrink = frame_scale * alignment.scale / source_scale
    if shrink < 0.8:
        size = (max(1, round(source.shape[1] * shrink)), max(1, round(source.shape[0] * shrink)))
        source = cv2.resize(source, size, interpolation=cv2.INTER_AREA)
        source_scale = source_scale * size[0] / reference.pixels.shape[1]
    to_full = np.diag([1 / frame_scale, 1 / frame_scale, 1.0])
    to_source = np.diag([source_scale, source_scale])
    matrix = to_source @ alignment.matrix @ to_full
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpAffine(source, matrix, (width, height), flags=flags, borderMode=cv2.BORDER_CONSTANT)
    ones = np.full(source.shape[:2], 255, dtype=np.uint8)
    mask = cv2.warpAffine(ones, matrix, (width, height), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0
    return warped, mask

