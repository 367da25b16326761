"""Every registered forensic indicator keeps the plug-in's promises: run directly on a
plain photo and on a tiny image, it returns an `Indicator` under its declared name with
an allowed level and a summary, or a note saying why it could not run, and never raises."""

from __future__ import annotations

import typing

import pytest
from PIL import Image

from hashes import decode
from provenance.forensics.analyse import analyse
from provenance.forensics.indicator import ForensicIndicator, Measurement
from provenance.forensics.model import CAVEAT, IndicatorName, Level
from provenance.forensics.registry import INDICATORS
from provenance.forensics.subject import Needs, Subject
from provenance.metadata import extract_metadata
from tests.conftest import COPIES, ORIGINALS
from tests.images import encode

PICTURES = {
    "photo": (ORIGINALS / "Elephants.jpg").read_bytes(),
    "png": (COPIES / "elephants.png").read_bytes(),
    "tiny_jpeg": encode(Image.new("RGB", (3, 2), (200, 10, 10))),
    "small_jpeg": encode(Image.new("RGB", (40, 24), (20, 90, 160)), quality=70),
}
IDS = [indicator.name for indicator in INDICATORS]


def _subject(data: bytes) -> Subject:
    image = decode(data)
    return Subject(data, image, extract_metadata(data, image), None)


def test_names_are_unique_and_known_to_the_report_schema() -> None:
    assert len(set(IDS)) == len(IDS)
    assert set(IDS) <= set(typing.get_args(IndicatorName))
    assert INDICATORS[0].needs == "metadata", "the free indicators come first in the report"


@pytest.mark.parametrize("indicator", INDICATORS, ids=IDS)
def test_declarations(indicator: ForensicIndicator) -> None:
    assert indicator.title and indicator.label
    assert indicator.needs in typing.get_args(Needs)
    assert len(indicator.region_colour) == 3 and all(0 <= c <= 255 for c in indicator.region_colour)


@pytest.mark.parametrize("picture", sorted(PICTURES))
@pytest.mark.parametrize("indicator", INDICATORS, ids=IDS)
def test_measures_or_says_why_not(indicator: ForensicIndicator, picture: str) -> None:
    subject = _subject(PICTURES[picture])
    if subject.unavailable(indicator.needs) is not None:
        assert picture == "png" and indicator.needs == "stored_jpeg"
        return
    outcome = indicator.measure(subject)
    if isinstance(outcome, str):
        assert outcome.startswith(f"{indicator.label}: ")
        return
    assert isinstance(outcome, Measurement)
    result = outcome.indicator
    assert result.name == indicator.name and result.title == indicator.title
    assert result.level in typing.get_args(Level) and 0 <= result.strength <= 1
    assert result.summary.endswith(".")
    assert all(len(box) == 4 for box in result.regions)
    assert outcome.lines.ndim == 2 and outcome.lines.shape[1] == 4


@pytest.mark.parametrize("picture", sorted(PICTURES))
def test_analyse_reports_every_indicator_in_registry_order(picture: str) -> None:
    data = PICTURES[picture]
    image = decode(data)
    report, png = analyse(data, image, extract_metadata(data, image))
    assert report.caveat == CAVEAT
    names = [i.name for i in report.indicators]
    assert names == [name for name in IDS if name in names]
    if picture == "png":
        assert names == ["metadata", "copy_move"]
        assert report.skipped == ["error level and double JPEG: only JPEG files are analysed"]
    else:
        assert names == IDS and not report.skipped
    assert png is not None and png.startswith(b"\x89PNG")


def test_without_pixels_only_the_metadata_indicators_run() -> None:
    data = PICTURES["photo"]
    image = decode(data)
    report, png = analyse(data, image, extract_metadata(data, image), pixels=False)
    assert [i.name for i in report.indicators] == [i.name for i in INDICATORS if i.needs == "metadata"]
    assert png is None and not report.skipped


def test_a_one_pixel_picture_is_noted_not_raised() -> None:
    """OpenCV's ORB cannot build a pyramid for 1 x 1 pixels; analyse notes what did not run."""
    data = encode(Image.new("RGB", (1, 1), (200, 10, 10)), "PNG")
    image = decode(data)
    report, png = analyse(data, image, extract_metadata(data, image))
    assert [i.name for i in report.indicators] == ["metadata"]
    assert png is None and report.skipped[0].startswith("pixel indicators: ")
