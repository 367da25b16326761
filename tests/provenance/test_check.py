"""Checks of real photographs against the sample library, one per kind of benign edit."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from provenance.check.pipeline import check_bytes, check_file
from provenance.library.library import Library
from provenance.report import CheckReport, ErrorReport
from tests.conftest import COPIES, MALFORMED, ORIGINALS
from tests.images import encode


def _original(name: str) -> Image.Image:
    return Image.open(ORIGINALS / name).convert("RGB")


def _check(library: Library, data: bytes) -> CheckReport:
    report = check_bytes(library, data, "query")
    assert isinstance(report, CheckReport)
    return report


def test_the_original_file_is_identical(sample_library: Library) -> None:
    report = _check(sample_library, (ORIGINALS / "Dune.jpg").read_bytes())
    assert report.verdict == "identical" and report.confidence == 1.0
    assert report.matches[0].reference.external_id == "DEMO-0001"
    assert report.matches[0].edits == []


def test_half_size_q40_copy_is_a_copy_of_its_original(sample_library: Library) -> None:
    report = _check(sample_library, (COPIES / "dune_half_q40.jpg").read_bytes())
    best = report.matches[0]
    assert report.verdict == "copy"
    assert best.reference.external_id == "DEMO-0001" and best.reference.source == "Demo Wire"
    assert {"recompressed", "resized", "metadata_stripped"} <= set(best.edits)
    assert "color_adjusted" not in best.edits and "cropped" not in best.edits
    assert best.transform is not None and best.transform.scale == pytest.approx(0.5, abs=0.02)
    assert {c.field for c in best.metadata_diff if c.change == "stripped"} >= {"caption", "credit", "captured_at"}


@pytest.mark.parametrize(
    ("make", "expected", "absent"),
    [
        (lambda im: encode(im, "PNG"), {"format_changed"}, {"recompressed", "resized"}),
        (lambda im: encode(im, "WEBP", quality=70), {"format_changed", "recompressed"}, {"resized"}),
        (lambda im: encode(im.resize((320, 320 * im.height // im.width))), {"resized"}, {"color_adjusted"}),
        (lambda im: encode(ImageOps.mirror(im), quality=80), {"mirrored"}, {"rotated"}),
        (lambda im: encode(im.rotate(-90, expand=True), quality=80), {"rotated"}, {"mirrored"}),
        (lambda im: encode(ImageEnhance.Brightness(im).enhance(1.25), quality=85), {"color_adjusted"}, {"resized"}),
        (lambda im: encode(ImageEnhance.Contrast(im).enhance(1.3), quality=85), {"color_adjusted"}, {"resized"}),
        (lambda im: encode(ImageOps.grayscale(im), quality=85), {"greyscale"}, {"resized"}),
    ],
    ids=["png", "webp", "thumbnail-320", "mirror", "rotate-90", "brighter", "more-contrast", "greyscale"],
)
def test_benign_edits_are_copies_with_the_right_edits(sample_library: Library, make, expected, absent) -> None:
    report = _check(sample_library, make(_original("Elephants.jpg")))
    best = report.matches[0]
    assert report.verdict == "copy"
    assert best.reference.external_id == "DEMO-0002"
    assert expected <= set(best.edits), best.edits
    assert not absent & set(best.edits), best.edits


def test_rotation_is_reported_clockwise_and_mirror_as_a_flag(sample_library: Library) -> None:
    clockwise = _check(sample_library, encode(_original("Wood.jpg").rotate(-90, expand=True), quality=90))
    assert clockwise.matches[0].transform.rotation == pytest.approx(90, abs=1)
    anticlockwise = _check(sample_library, encode(_original("Wood.jpg").rotate(90, expand=True), quality=90))
    assert anticlockwise.matches[0].transform.rotation == pytest.approx(-90, abs=1)
    mirrored = _check(sample_library, encode(ImageOps.mirror(_original("Wood.jpg")), quality=90))
    assert mirrored.matches[0].transform.mirrored


def test_crop_box_locates_the_copy_in_the_original(sample_library: Library) -> None:
    original = _original("LadyBird.jpg")
    box = (100, 50, 100 + original.width * 3 // 4, 50 + original.height * 3 // 4)
    report = _check(sample_library, encode(original.crop(box), quality=90))
    transform = report.matches[0].transform
    assert report.verdict == "copy" and "cropped" in report.matches[0].edits
    x, y, w, h = transform.crop_box
    reference = report.matches[0].reference
    scale = reference.width / original.width
    assert np.allclose([x, y, w, h], np.array([100, 50, box[2] - 100, box[3] - 50]) * scale, atol=6 * scale)


def test_a_photo_not_in_the_library_is_unknown(sample_library: Library) -> None:
    report = _check(sample_library, (COPIES / "storm_not_in_library.jpg").read_bytes())
    assert report.verdict == "unknown" and report.matches == []
    assert report.reasons


def test_an_empty_library_says_so(library: Library) -> None:
    report = _check(library, (COPIES / "dune_half_q40.jpg").read_bytes())
    assert report.verdict == "unknown" and "empty" in report.reasons[0]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (MALFORMED / "truncated_jpeg.jpg", "corrupt_image"),
        (COPIES / "truncated.jpg", "corrupt_image"),
        (ORIGINALS / "Dune.jpg.json", "unsupported_format"),
        (ORIGINALS / "does-not-exist.jpg", "unreadable"),
    ],
)
def test_unreadable_inputs_give_an_error_report(sample_library: Library, path, code) -> None:
    report = check_file(sample_library, str(path))
    assert isinstance(report, ErrorReport)
    assert report.error.code == code and report.error.message
    assert report.input.path == str(path)


def test_report_carries_the_checked_images_own_metadata(sample_library: Library) -> None:
    report = _check(sample_library, (ORIGINALS / "Wood.jpg").read_bytes())
    assert report.metadata.camera_make
    assert report.input.format == "JPEG" and report.input.width == 800
