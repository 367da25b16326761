"""Smooth pictures, whose keypoints are compression noise, are aligned by their pixels:
found under rotation and pastes, never confused with another picture."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hashes import DecodedImage, decode, extract_keypoints
from provenance.check.pipeline import check_bytes
from provenance.evaluation import variants as v
from provenance.evaluation.run import iou
from provenance.library.library import Library, ReferenceDetails
from provenance.report import CheckReport
from provenance.vision.keypoint_alignment import Alignment, align_either_way
from provenance.vision.pixel_alignment import align_pixels, refine
from tests.conftest import COPIES, FIXTURES, ORIGINALS

SMOOTH = FIXTURES / "smooth" / "umang.jpg"


@pytest.fixture
def smooth_library(sample_library: Library) -> Library:
    sample_library.ingest(SMOOTH.read_bytes(), str(SMOOTH), ReferenceDetails(external_id="SMOOTH-1", source="test"))
    return sample_library


def _smooth() -> Image.Image:
    return Image.open(SMOOTH).convert("RGB")


def _check(library: Library, image: Image.Image) -> CheckReport:
    report = check_bytes(library, v.encode(image, quality=80), "query")
    assert isinstance(report, CheckReport)
    return report


def test_a_rotated_copy_of_a_smooth_picture_is_aligned_by_its_pixels(smooth_library: Library) -> None:
    report = _check(smooth_library, v.rotate_small(_smooth(), 2.5))
    assert report.verdict == "copy", report.reasons
    match = report.matches[0]
    assert match.reference.external_id == "SMOOTH-1"
    assert match.transform.method == "pixels" and match.transform.correlation >= 0.97
    assert abs(abs(match.transform.rotation) - 2.5) <= 1.0
    assert "pixels align" in report.reasons[0]


def test_a_paste_into_a_smooth_picture_is_outlined(smooth_library: Library) -> None:
    donor = Image.open(COPIES / "storm_not_in_library.jpg").convert("RGB")
    edited, box = v.paste_from(_smooth(), donor, np.random.default_rng(1), soft=False)
    report = _check(smooth_library, edited)
    assert report.verdict == "altered", report.reasons
    assert report.matches[0].reference.external_id == "SMOOTH-1"
    assert max(iou(r.bbox, box) for r in report.matches[0].regions) >= 0.4


@pytest.mark.parametrize("other", [ORIGINALS / "Dune.jpg", ORIGINALS / "Wood.jpg", COPIES / "storm_not_in_library.jpg"])
def test_pixels_do_not_align_different_pictures(other) -> None:
    smooth = decode(SMOOTH.read_bytes())
    photo = decode(other.read_bytes())
    assert align_pixels(photo, smooth) is None
    assert align_pixels(smooth, photo) is None


def test_pixels_recover_a_crop_and_mirror_of_a_smooth_picture() -> None:
    image = _smooth()
    width, height = image.size
    copy = image.crop((100, 60, width - 60, height - 40)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    alignment = align_pixels(decode(v.encode(copy, quality=80)), decode(SMOOTH.read_bytes()))
    assert alignment is not None and alignment.mirrored
    # The copy's top-left corner (its right edge before the mirror) sits at the crop's top-right.
    x, y = alignment.matrix @ np.array([0.0, 0.0, 1.0])
    assert abs(x - (width - 60)) <= 15 and abs(y - 60) <= 15


@pytest.mark.parametrize(
    "frame", [lambda im: v.add_borders(im, 0.06, "black"), v.screenshot], ids=["borders", "screenshot"]
)
def test_a_framed_copy_of_a_smooth_picture_is_found_through_its_frame(smooth_library: Library, frame) -> None:
    report = _check(smooth_library, frame(_smooth()))
    assert report.verdict == "copy", report.reasons
    assert report.matches[0].reference.external_id == "SMOOTH-1"


FLOWER = FIXTURES / "alignment" / "YellowFlower.jpg"


def _flower_crop(seed: int) -> tuple[DecodedImage, DecodedImage, np.ndarray]:
    """A soft-focus photo, an off-centre crop of a quarter of it at 0.7 size, and the
    true transform from the copy's pixels to the original's."""
    original = Image.open(FLOWER).convert("RGB")
    crop = v.crop_fraction(original, 0.25, np.random.default_rng(seed), centred=False)
    copy = v.resized(crop, 0.7)
    box = v.crop_box(original, 0.25, np.random.default_rng(seed), centred=False)
    scale_x, scale_y = box[2] / copy.width, box[3] / copy.height
    truth = np.array([[scale_x, 0, box[0] + 0.5 * scale_x - 0.5], [0, scale_y, box[1] + 0.5 * scale_y - 0.5]])
    return decode(v.encode(copy, quality=85)), decode(FLOWER.read_bytes()), truth


def _worst_error(matrix: np.ndarray, truth: np.ndarray, copy: DecodedImage) -> float:
    """Largest distance, in the original's pixels, between where the two put the copy's corners."""
    corners = np.array([[0, 0, 1], [copy.width, 0, 1], [copy.width, copy.height, 1], [0, copy.height, 1]], float)
    return float(np.abs(corners @ matrix.T - corners @ truth.T).max())


@pytest.mark.parametrize("seed", [1, 3])
def test_refine_corrects_a_keypoint_fit_that_is_slightly_off(seed: int) -> None:
    """On a soft-focus crop the keypoints cluster on a few petal edges, and their fit is
    pixels off at the far side of the frame; the pixels put it right everywhere."""
    copy, original, truth = _flower_crop(seed)
    keypoints = extract_keypoints(copy)
    size = (original.width, original.height)
    fitted = align_either_way(keypoints, lambda: keypoints, extract_keypoints(original), size)
    assert fitted is not None and _worst_error(fitted.matrix, truth, copy) > 3
    refined = refine(copy, original, fitted)
    assert _worst_error(refined.matrix, truth, copy) <= 1.5
    assert refined.inliers == fitted.inliers and refined.correlation is None


def test_refine_keeps_an_alignment_the_pixels_do_not_bear_out() -> None:
    copy, original, truth = _flower_crop(1)
    exact = Alignment(matrix=truth, inliers=40, matches=60, query_points=np.zeros((0, 2)))
    assert _worst_error(refine(copy, original, exact).matrix, truth, copy) <= 1.0
    unrelated = decode((ORIGINALS / "Dune.jpg").read_bytes())
    assert refine(copy, unrelated, exact) is exact
