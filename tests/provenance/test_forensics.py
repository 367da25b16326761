"""No-reference indicators on real photographs: a clone inside the picture, a picture
saved twice, an untouched single save, and odd files that must not break anything."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from hashes import decode
from provenance.check.pipeline import check_bytes
from provenance.evaluation import variants as v
from provenance.forensics.analyse import analyse
from provenance.library.library import Library
from provenance.metadata import extract_metadata
from tests.conftest import COPIES, MALFORMED, ORIGINALS
from tests.images import encode


def _analyse(data: bytes):
    image = decode(data)
    return analyse(data, image, extract_metadata(data, image))


def _storm() -> Image.Image:
    return Image.open(COPIES / "storm_not_in_library.jpg").convert("RGB")


def test_cloned_area_is_found_where_it_was_pasted() -> None:
    picture = Image.open(ORIGINALS / "Elephants.jpg").convert("RGB")
    edited, (x, y, w, h) = v.copy_move(picture, np.random.default_rng(1))
    report, png = _analyse(encode(edited, quality=90))
    indicator = report.indicator("copy_move")
    assert indicator.level in ("moderate", "strong")
    boxes = indicator.regions
    assert any(bx < x + w and x < bx + bw and by < y + h and y < by + bh for bx, by, bw, bh in boxes)
    assert png is not None and png.startswith(b"\x89PNG")


@pytest.mark.parametrize("name", ["Dune.jpg", "Elephants.jpg", "LadyBird.jpg"])
def test_untouched_photos_raise_no_copy_move(name: str) -> None:
    report, _ = _analyse((ORIGINALS / name).read_bytes())
    assert report.indicator("copy_move").level in ("none", "weak")


def test_double_compression_is_seen_and_single_is_not() -> None:
    picture = _storm().resize((640, 480))
    single, _ = _analyse(encode(picture, quality=85))
    twice, _ = _analyse(encode(Image.open(io.BytesIO(encode(picture, quality=55))), quality=85))
    assert single.indicator("double_jpeg").strength < 0.25
    assert twice.indicator("double_jpeg").level in ("moderate", "strong")
    assert "saved as JPEG at least twice" in twice.indicator("double_jpeg").summary


def test_png_skips_the_jpeg_only_indicators() -> None:
    report, _ = _analyse((COPIES / "elephants.png").read_bytes())
    assert {i.name for i in report.indicators} == {"metadata", "copy_move"}
    assert any("only JPEG" in s for s in report.skipped)


def test_unknown_image_gets_forensics_and_an_evidence_picture(sample_library: Library, tmp_path) -> None:
    stored = []
    data = (COPIES / "storm_not_in_library.jpg").read_bytes()
    report = check_bytes(sample_library, data, "storm.jpg", lambda png: stored.append(png) or "x.png")
    assert report.verdict == "unknown" and report.forensics is not None
    assert {"copy_move", "error_level", "double_jpeg", "metadata"} <= {i.name for i in report.forensics.indicators}
    assert "not proof" in report.forensics.caveat
    assert report.forensics.evidence == "x.png" and stored[0].startswith(b"\x89PNG")


def test_matched_copy_skips_the_pixel_indicators(sample_library: Library) -> None:
    report = check_bytes(sample_library, (COPIES / "dune_half_q40.jpg").read_bytes(), "dune.jpg")
    assert report.verdict == "copy"
    assert report.forensics is None or {i.name for i in report.forensics.indicators} == {"metadata"}


@pytest.mark.parametrize("name", ["hopper_bad_exif.jpg"])
def test_malformed_files_degrade_without_exceptions(name: str) -> None:
    data = (MALFORMED / name).read_bytes()
    image = decode(data)
    report, _ = analyse(data, image, extract_metadata(data, image))
    assert report.indicators
