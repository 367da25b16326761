"""Does one flat mapping relate two pictures, or only a camera geometry (another viewpoint)?

Every copy or edit of a photograph, however resized, cropped, turned or mirrored, maps
onto the original by one plane-to-plane transform (a homography). Two exposures from
different viewpoints of a scene with depth do not: their point pairs agree only on the
epipolar geometry of two cameras (a fundamental matrix). Method: SIFT keypoints (Lowe
2004, *Distinctive image features from scale-invariant keypoints*, IJCV) with the ratio
test, then a fundamental matrix and a homography fitted to the same pairs by USAC-MAGSAC
(Barath et al. 2020, *MAGSAC++*, CVPR). Measured on this product's corpus (issue 13 spike,
/work/notes/issue13/FINDINGS.md): the homography keeps >= 0.831 of the epipolar inliers
for every benign copy and >= 0.884 for every edited copy (pairs inside the changed
regions left out); other viewpoints keep 0.36-0.83. Unrelated pictures reach at most 81
epipolar inliers over 941 pairs (99th percentile 39).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

RATIO_TEST = 0.75
MAX_FEATURES = 2000
MIN_PAIRS = 12
"""Fewer ratio-test pairs than this cannot tell a fundamental matrix from chance."""
THRESHOLD = 0.003
"""Inlier distance, as a share of the reference's long side (working size)."""
CONFIDENCE = 0.999
MAX_ITERATIONS = 10_000
REGION_MARGIN = 0.1
"""Pairs this share of a changed region's size outside it are left out too: a pasted or
moved patch is a second plane of its own, which is an edit, not depth."""
GRID = 4
"""The checked image is cut into GRID x GRID cells to measure how far the inliers spread."""


@dataclass(frozen=True)
class Epipolar:
    pairs: int
    """Ratio-test SIFT pairs used (after the changed regions were left out)."""
    epipolar_inliers: int
    """Pairs consistent with one fundamental matrix: one camera geometry."""
    plane_inliers: int
    """Pairs consistent with one homography: one flat mapping, as every copy has."""
    cells: int
    """Cells of the GRID x GRID grid over the checked image that hold an epipolar inlier."""

    @property
    def plane_share(self) -> float:
        """Plane inliers per epipolar inlier: about 1 for any copy, lower for another viewpoint."""
        return self.plane_inliers / self.epipolar_inliers if self.epipolar_inliers else 1.0


@dataclass(frozen=True)
class Features:
    """SIFT keypoints of one greyscale picture: where (N x 2 pixels) and what (N x 128)."""

    points: np.ndarray
    descriptors: np.ndarray
    shape: tuple[int, int]
    """Height and width of the picture they were found in."""


def describe(grey: np.ndarray) -> Features:
    """SIFT keypoints of a greyscale uint8 picture (mirror it first for a mirrored copy:
    SIFT is not mirror-invariant)."""
    keypoints, descriptors = cv2.SIFT.create(nfeatures=MAX_FEATURES).detectAndCompute(grey, None)
    points = np.array([k.pt for k in keypoints], dtype=np.float32).reshape(-1, 2)
    if descriptors is None:
        descriptors = np.zeros((0, 128), dtype=np.float32)
    return Features(points, descriptors, (grey.shape[0], grey.shape[1]))


def compare_geometry(
    query: Features, reference: Features, exclude: Sequence[tuple[int, int, int, int]] = ()
) -> Epipolar:
    """Epipolar and plane inliers between the keypoints of two pictures; pairs whose
    checked-image point lies in one of the `exclude` boxes ([x, y, w, h] in the query's
    pixels, widened by REGION_MARGIN) are left out."""
    if len(query.descriptors) < 2 or len(reference.descriptors) < 2:
        return Epipolar(0, 0, 0, 0)
    knn = cv2.BFMatcher(cv2.NORM_L2).knnMatch(query.descriptors, reference.descriptors, k=2)
    good = [p[0] for p in knn if len(p) == 2 and p[0].distance < RATIO_TEST * p[1].distance]
    source = query.points[[m.queryIdx for m in good]].reshape(-1, 2)
    target = reference.points[[m.trainIdx for m in good]].reshape(-1, 2)
    keep = outside_boxes(source, exclude)
    source, target = source[keep], target[keep]
    if len(source) < MIN_PAIRS:
        return Epipolar(len(source), 0, 0, 0)
    threshold = THRESHOLD * max(reference.shape)
    epipolar = _epipolar_inliers(source, target, threshold)
    plane = _plane_inliers(source, target, threshold)
    return Epipolar(len(source), int(epipolar.sum()), int(plane.sum()), occupied_cells(source[epipolar], query.shape))


def outside_boxes(points: np.ndarray, boxes: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """Which points lie outside every box, each widened by REGION_MARGIN of its size."""
    keep = np.ones(len(points), dtype=bool)
    for x, y, w, h in boxes:
        mx, my = REGION_MARGIN * w, REGION_MARGIN * h
        across = (points[:, 0] >= x - mx) & (points[:, 0] <= x + w + mx)
        keep &= ~(across & (points[:, 1] >= y - my) & (points[:, 1] <= y + h + my))
    return keep


def occupied_cells(points: np.ndarray, shape: tuple[int, int]) -> int:
    """How many cells of a GRID x GRID grid over a picture of this shape hold a point."""
    if len(points) == 0:
        return 0
    height, width = shape
    columns = np.clip((points[:, 0] / width * GRID).astype(int), 0, GRID - 1)
    rows = np.clip((points[:, 1] / height * GRID).astype(int), 0, GRID - 1)
    return len(set(zip(columns.tolist(), rows.tolist(), strict=True)))


def _epipolar_inliers(source: np.ndarray, target: np.ndarray, threshold: float) -> np.ndarray:
    try:
        model, mask = cv2.findFundamentalMat(source, target, cv2.USAC_MAGSAC, threshold, CONFIDENCE, MAX_ITERATIONS)
    except cv2.error:  # a degenerate configuration has no inliers
        return np.zeros(len(source), dtype=bool)
    return _mask(model, mask, len(source))


def _plane_inliers(source: np.ndarray, target: np.ndarray, threshold: float) -> np.ndarray:
    try:
        model, mask = cv2.findHomography(
            source, target, cv2.USAC_MAGSAC, threshold, maxIters=MAX_ITERATIONS, confidence=CONFIDENCE
        )
    except cv2.error:
        return np.zeros(len(source), dtype=bool)
    return _mask(model, mask, len(source))


def _mask(model: np.ndarray | None, mask: np.ndarray | None, count: int) -> np.ndarray:
    if model is None or mask is None:
        return np.zeros(count, dtype=bool)
    return mask.ravel().astype(bool)
