"""Each kind of edit, end to end through a check of real photographs: benign edits stay
`copy`, montage edits are `altered` with the edited box found, two originals make a
`composite`, another frame of the scene is `related`."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from provenance.check.pipeline import check_bytes
from provenance.evaluation import variants as v
from provenance.evaluation.run import iou
from provenance.library.library import Library, ReferenceDetails
from provenance.report import CheckReport
from tests.conftest import COPIES, FIXTURES, ORIGINALS

DONOR = COPIES / "storm_not_in_library.jpg"
ALIGNMENT = FIXTURES / "alignment"
SAMPLE_IDS = {
    "Dune.jpg": "DEMO-0001",
    "Elephants.jpg": "DEMO-0002",
    "LadyBird.jpg": "DEMO-0003",
    "Wood.jpg": "DEMO-0004",
}


def _original(name: str) -> Image.Image:
    return Image.open(ORIGINALS / name).convert("RGB")


def _check(library: Library, image: Image.Image, **options) -> CheckReport:
    report = check_bytes(library, v.encode(image, **({"quality": 85} | options)), "query")
    assert isinstance(report, CheckReport)
    return report


def _found(region: list[int], box: tuple[int, ...]) -> float:
    """IoU, or, for a region that lies inside the edited box (an inpainted patch that
    differs only in part), the share of the region inside it."""
    w, h = region[2:]
    inside = iou(region, box) * (w * h + box[2] * box[3]) / (1 + iou(region, box)) / (w * h)
    return max(iou(region, box), inside if inside >= 0.9 else 0.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda im, rng: v.paste_from(im, Image.open(DONOR).convert("RGB"), rng, soft=False),
        lambda im, rng: v.paste_from(im, Image.open(DONOR).convert("RGB"), rng, soft=True),
        lambda im, rng: v.copy_move(im, rng),
        lambda im, rng: v.inpaint(im, rng),
        lambda im, rng: v.text_overlay(im, rng),
    ],
    ids=["paste-hard", "paste-soft", "copy-move", "inpaint", "text"],
)
@pytest.mark.parametrize("name", ["Elephants.jpg", "LadyBird.jpg"])
def test_a_local_edit_is_altered_and_outlined(sample_library: Library, make, name: str) -> None:
    edited, box = make(_original(name), np.random.default_rng(7))
    report = _check(sample_library, edited)
    assert report.verdict == "altered", report.reasons
    regions = report.matches[0].regions
    assert regions and max(_found(r.bbox, box) for r in regions) >= 0.4, ([r.bbox for r in regions], box)
    assert report.matches[0].reference.external_id in {"DEMO-0002", "DEMO-0003"}


def test_a_local_edit_survives_resize_and_recompression(sample_library: Library) -> None:
    donor = Image.open(DONOR).convert("RGB")
    edited, box = v.paste_from(_original("LadyBird.jpg"), donor, np.random.default_rng(3), soft=False)
    report = _check(sample_library, v.resized(edited, 0.6), quality=60)
    assert report.verdict == "altered"
    scaled = tuple(round(c * 0.6) for c in box)
    assert max(iou(r.bbox, scaled) for r in report.matches[0].regions) >= 0.4


def test_region_is_also_given_in_the_originals_pixels(sample_library: Library) -> None:
    edited, box = v.text_overlay(v.resized(_original("Dune.jpg"), 0.5), np.random.default_rng(1))
    region = _check(sample_library, edited).matches[0].regions[0]
    x, y, w, h = region.reference_bbox
    assert iou([x // 2, y // 2, w // 2, h // 2], box) >= 0.4
    assert 0 < region.area_fraction < 0.2 and region.strength > 0


@pytest.mark.parametrize(
    "make",
    [
        lambda im, rng: v.crop_fraction(im, 0.25, rng, centred=False),
        lambda im, rng: v.rotate_small(im, 4.0),
        lambda im, rng: v.add_borders(im, 0.06, "white"),
        lambda im, rng: v.caption_bar(im, "Photo shared 10,000 times"),
        lambda im, rng: v.gamma(im, 1.4),
        lambda im, rng: v.add_borders(v.rotate_small(im, 3.0), 0.04, "white"),
    ],
    ids=["crop-25%", "rotate-4-cropped", "borders", "caption-bar", "gamma", "rotate-border"],
)
@pytest.mark.parametrize("name", ["Dune.jpg", "LadyBird.jpg"])
def test_benign_edits_are_not_called_altered(sample_library: Library, make, name: str) -> None:
    report = _check(sample_library, make(_original(name), np.random.default_rng(5)))
    regions = [r.bbox for r in report.matches[0].regions] if report.matches else None
    assert report.verdict == "copy", (report.reasons, regions)


@pytest.mark.parametrize(
    ("base", "part"),
    [("Dune.jpg", "LadyBird.jpg"), ("LadyBird.jpg", "Elephants.jpg")],
    ids=["dune+ladybird", "ladybird+elephants"],
)
def test_two_originals_make_a_composite(sample_library: Library, base: str, part: str) -> None:
    edited, box = v.composite(_original(base), _original(part), np.random.default_rng(2))
    report = _check(sample_library, edited)
    assert report.verdict == "composite", report.reasons
    ids = [m.reference.external_id for m in report.matches]
    assert ids[:2] == [SAMPLE_IDS[base], SAMPLE_IDS[part]], ids
    explained = [r for r in report.matches[0].regions if r.explained_by is not None]
    assert explained and explained[0].explained_by.external_id == SAMPLE_IDS[part]
    assert iou(explained[0].bbox, box) >= 0.5


def test_another_frame_of_the_scene_is_related_not_a_copy(sample_library: Library) -> None:
    frame = v.same_scene(_original("Elephants.jpg"), np.random.default_rng(4))
    report = _check(sample_library, frame)
    assert report.verdict == "related", report.reasons
    assert report.matches[0].reference.external_id == "DEMO-0002"


@pytest.fixture
def alignment_library(library: Library) -> Library:
    for path in sorted(ALIGNMENT.glob("*.jpg")):
        library.ingest(path.read_bytes(), str(path), ReferenceDetails(external_id=path.stem, source="test"))
    return library


@pytest.mark.parametrize(
    "make",
    [
        lambda im, rng: im.rotate(-270, expand=True),
        lambda im, rng: v.resized(im, 0.5),
        lambda im, rng: v.crop_fraction(im, 0.5, rng, centred=False),
        lambda im, rng: v.crop_fraction(im, 0.25, rng, centred=False),
        lambda im, rng: ImageOps.grayscale(im),
    ],
    ids=["rotate-270", "half-size", "crop-50%", "crop-25%", "greyscale"],
)
@pytest.mark.parametrize("name", ["greentock_by_Peter_Nerlich", "YellowFlower"])
def test_benign_copies_of_hard_pictures_are_not_called_altered(alignment_library: Library, make, name: str) -> None:
    """A clock whose black hands are its only dark pixels, a soft-focus flower whose
    keypoints cluster on its heart: colour map and alignment must hold across the frame."""
    original = Image.open(ALIGNMENT / f"{name}.jpg").convert("RGB")
    report = _check(alignment_library, make(original, np.random.default_rng(11)))
    regions = [r.bbox for r in report.matches[0].regions] if report.matches else None
    assert report.verdict == "copy", (report.reasons, regions)
    assert report.matches[0].reference.external_id == name
