"""The epipolar-vs-plane test on constructed pictures: a flat mapping of a picture keeps
every pair on one homography; two depth layers that shift differently do not."""

from __future__ import annotations

import cv2
import numpy as np

from provenance.vision.epipolar import compare_geometry, describe, occupied_cells, outside_boxes

SIZE = 480


def _texture(seed: int, height: int, width: int) -> np.ndarray:
    """Blobs at several scales: plenty of distinct SIFT keypoints."""
    rng = np.random.default_rng(seed)
    noise = rng.uniform(0, 255, (height // 8, width // 8)).astype(np.float32)
    coarse = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    fine = cv2.GaussianBlur(rng.uniform(0, 255, (height, width)).astype(np.float32), (0, 0), 2.0)
    return np.clip(0.6 * coarse + 0.4 * fine, 0, 255).astype(np.uint8)


def _layers(background_shift: int, foreground_shift: int) -> np.ndarray:
    """A background and a large foreground slab at another depth, each moved sideways
    by its own amount, as a camera moving sideways sees them (parallax)."""
    background = _texture(1, SIZE, SIZE + 80)
    foreground = _texture(2, SIZE // 2 + 40, SIZE // 2 + 120)
    picture = background[:, background_shift : background_shift + SIZE].copy()
    top, left = SIZE // 4, SIZE // 4 + foreground_shift
    picture[top : top + foreground.shape[0], left : left + SIZE // 2] = foreground[:, 60 : 60 + SIZE // 2]
    return picture


def test_a_resized_turned_copy_fits_one_plane() -> None:
    original = _layers(0, 0)
    matrix = cv2.getRotationMatrix2D((SIZE / 2, SIZE / 2), 8, 0.8)
    copy = cv2.warpAffine(original, matrix, (SIZE, SIZE), borderMode=cv2.BORDER_REFLECT)
    geometry = compare_geometry(describe(copy), describe(original))
    assert geometry.epipolar_inliers >= 100
    assert geometry.plane_share >= 0.9


def test_another_viewpoint_fits_a_camera_geometry_but_no_single_plane() -> None:
    geometry = compare_geometry(describe(_layers(40, 0)), describe(_layers(0, 0)))
    assert geometry.epipolar_inliers >= 100
    assert geometry.plane_share < 0.8


def test_pairs_inside_excluded_boxes_are_left_out() -> None:
    original = _layers(0, 0)
    whole = compare_geometry(describe(original), describe(original))
    left_half = compare_geometry(describe(original), describe(original), [(SIZE // 2, 0, SIZE, SIZE)])
    assert 0 < left_half.pairs < whole.pairs
    assert left_half.cells <= 8 < whole.cells


def test_unrelated_textures_share_no_camera_geometry() -> None:
    geometry = compare_geometry(describe(_texture(5, SIZE, SIZE)), describe(_texture(6, SIZE, SIZE)))
    assert geometry.epipolar_inliers < 50


def test_boxes_are_widened_by_a_tenth_of_their_size() -> None:
    points = np.array([[0.0, 0.0], [109.0, 50.0], [111.0, 50.0], [300.0, 300.0]], dtype=np.float32)
    assert outside_boxes(points, [(10, 10, 90, 90)]).tolist() == [True, False, True, True]


def test_cells_count_where_the_points_fall_on_a_four_by_four_grid() -> None:
    points = np.array([[1.0, 1.0], [2.0, 2.0], [399.0, 1.0], [399.0, 299.0]], dtype=np.float32)
    assert occupied_cells(points, (300, 400)) == 3
    assert occupied_cells(np.zeros((0, 2), dtype=np.float32), (300, 400)) == 0
