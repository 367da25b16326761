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
from dataclasses import dataclass, replace

import cv2
import numpy as np
from scipy.spatial import cKDTree

from hashes import DecodedImage, Keypoints

RATIO_TEST = 0.8
MIN_INLIERS = 15
MIN_INLIER_RATIO = 0.25
RANSAC_THRESHOLD = 0.005
"""Reprojection error allowed, as a fraction of the reference's long side."""
MAX_ANISOTROPY = 1.6
CONVINCING_INLIERS = 60
GUIDED_RADIUS = 2.0
"""Guided matching looks this many RANSAC thresholds around a keypoint's predicted place."""
GUIDED_MAX_BITS = 64
"""Largest ORB descriptor distance (of 256 bits) a guided pair may have."""
FINE_THRESHOLD = 0.4
"""The second guided round keeps only pairs this close (relative to the first): loose
pairs pull a least-squares fit off by a pixel or two, which shows on fine texture."""
MIN_SYSTEMATIC_SHIFT = 0.1
"""Smooth misfit smaller than this share of the RANSAC threshold (a fraction of a pixel
at working size) is no parallax, however regular: an exact copy's few stray pairs."""
MIN_DISTORTION_PAIRS = 100
"""Keypoint pairs below which distortion is not measured. Keypoint positions err alike
in neighbouring parts of a picture (soft focus, one pyramid level), so a few dozen pairs
from a heavy crop show a smooth misfit by chance. On the evaluation's photographs the
crops to a quarter that read as another photograph had 30 to 100 pairs; the synthetic
neighbouring frames had 250 and more."""
SIMILARITY_SHARE = 0.95
"""A rotation + uniform scale fit is preferred when it keeps this share of the affine
fit's inliers: copies are rarely sheared, and four parameters extrapolate better than six."""


@dataclass(frozen=True)
class Alignment:
    matrix: np.ndarray
    """2 x 3 affine mapping checked-image pixels to reference pixels (full resolution)."""
    inliers: int
    matches: int
    query_points: np.ndarray
    """N x 2 checked-image pixels of the inlier keypoints: where the two images agree."""
    distortion: float = 0.0
    """Share of the keypoint residuals that vary smoothly across the frame (0..1): near 0
    for a copy, high for another photograph of the scene (parallax, moving subjects)."""
    correlation: float | None = None
    """Set when the pixels, not keypoints, aligned the two (see provenance.vision.pixel_alignment)."""

    def shifted(self, left: float, top: float) -> Alignment:
        """This alignment of a part of the checked image that starts at (left, top), as
        one of the whole checked image."""
        offset = np.array([left, top], dtype=np.float64)
        matrix = np.hstack([self._linear, (self.matrix[:, 2] - self._linear @ offset)[:, None]])
        return replace(self, matrix=matrix, query_points=self.query_points + offset.astype(np.float32))

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
    if inliers < MIN_INLIERS or inliers < MIN_INLIER_RATIO * len(good) or not plausible(matrix):
        return None
    query_points = source[inlier_mask.ravel() == 1]
    matrix, query_points = _guided_refit(query, reference, matrix, threshold, query_points)
    # The fine round settles the transform; the first round's wider set says where the images agree.
    matrix, _ = _guided_refit(query, reference, matrix, FINE_THRESHOLD * threshold, query_points)
    if not plausible(matrix):
        return None
    return Alignment(
        matrix=matrix,
        inliers=inliers,
        matches=len(good),
        query_points=query_points,
        distortion=_distortion(query, reference, matrix, threshold),
    )


def _guided_refit(
    query: Keypoints, reference: Keypoints, matrix: np.ndarray, threshold: float, query_points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Refit the transform on every keypoint pair that agrees with it, not only those
    that passed the ratio test: inliers clustered on one object (a ladybird, a face)
    extrapolate a slightly wrong rotation or scale to the rest of the frame, which
    the difference map would then report as altered."""
    source, target = _guided_pairs(query, reference, matrix, GUIDED_RADIUS * threshold)
    if len(source) < MIN_INLIERS:
        return matrix, query_points
    refined, mask = cv2.estimateAffine2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=threshold, maxIters=2000, confidence=0.995
    )
    if refined is None or int(mask.sum()) < MIN_INLIERS:
        return matrix, query_points
    similar, similar_mask = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=threshold, maxIters=2000, confidence=0.995
    )
    if similar is not None and similar_mask.sum() >= SIMILARITY_SHARE * mask.sum():
        refined, mask = similar, similar_mask
    return refined, source[mask.ravel() == 1]


def _guided_pairs(
    query: Keypoints, reference: Keypoints, matrix: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each query keypoint, the most similar reference keypoint within `radius` of
    where the transform puts it (if similar enough): matched points, query then reference."""
    predicted = query.points @ matrix[:, :2].T + matrix[:, 2]
    near = cKDTree(predicted).sparse_distance_matrix(cKDTree(reference.points), radius, output_type="ndarray")
    query_index, reference_index = near["i"].astype(np.intp), near["j"].astype(np.intp)
    bits = np.unpackbits(query.descriptors[query_index] ^ reference.descriptors[reference_index], axis=1)
    distance = bits.sum(axis=1)
    close = distance <= GUIDED_MAX_BITS
    best: dict[int, tuple[int, int]] = {}
    pairs = zip(query_index[close].tolist(), reference_index[close].tolist(), distance[close].tolist(), strict=True)
    for q, r, d in pairs:
        if q not in best or d < best[q][1]:
            best[q] = (r, d)
    return query.points[list(best)], reference.points[[r for r, _ in best.values()]]


def _distortion(query: Keypoints, reference: Keypoints, matrix: np.ndarray, threshold: float) -> float:
    """How far the geometry is from one affine transform: the share of the keypoints'
    residual vectors that a smooth (cubic) field explains, beyond what fitting noise
    explains by chance. A resampled copy leaves independent jitter (near 0); another
    frame of the scene leaves parallax and motion, which vary smoothly (0.3 and more)."""
    source, target = _guided_pairs(query, reference, matrix, threshold)
    residual = (source @ matrix[:, :2].T + matrix[:, 2]) - target
    terms = 10
    if len(source) < MIN_DISTORTION_PAIRS:
        return 0.0
    x, y = ((source - source.mean(axis=0)) / (source.std(axis=0) + 1e-9)).T
    basis = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y, x**3, y**3, x * x * y, x * y * y], axis=1)
    coefficients, *_ = np.linalg.lstsq(basis, residual, rcond=None)
    total = float((residual**2).sum())
    systematic = float(((basis @ coefficients) ** 2).sum())
    if total <= 0 or np.sqrt(systematic / len(source)) < MIN_SYSTEMATIC_SHIFT * threshold:
        return 0.0
    chance = terms / len(source)
    return max(0.0, (systematic / total - chance) / (1 - chance))


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


def plausible(matrix: np.ndarray) -> bool:
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

