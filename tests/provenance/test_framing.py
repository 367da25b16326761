"""The part of a copy inside borders, a caption bar or app chrome is found, and only then."""

from __future__ import annotations

from PIL import Image

from hashes import decode
from provenance.evaluation import variants as v
from provenance.vision.framing import content_box, cropped
from tests.conftest import ORIGINALS


def _photo() -> Image.Image:
    return Image.open(ORIGINALS / "Elephants.jpg").convert("RGB")


def _box(image: Image.Image) -> tuple[int, int, int, int] | None:
    return content_box(decode(v.encode(image, "PNG")))


def _near(found: tuple[int, ...] | None, expected: tuple[int, ...], tolerance: int = 4) -> bool:
    return found is not None and all(abs(a - b) <= tolerance for a, b in zip(found, expected, strict=True))


def test_borders_are_cut_away() -> None:
    photo = _photo()
    framed = v.add_borders(photo, 0.05, "white")
    border = round(max(photo.size) * 0.05)
    assert _near(_box(framed), (border, border, *photo.size))


def test_a_caption_bar_with_text_is_cut_away() -> None:
    photo = _photo()
    assert _near(_box(v.caption_bar(photo, "Breaking: the picture everyone shares")), (0, 0, *photo.size))


def test_a_screenshot_frame_is_cut_away() -> None:
    photo = _photo()
    shown = v.resized(photo, 0.6)
    # variants.screenshot pastes the photo at (40, 130) inside the app frame.
    assert _near(_box(v.screenshot(photo)), (40, 130, *shown.size))


def test_a_photo_without_a_frame_has_none() -> None:
    for name in ("Dune.jpg", "LadyBird.jpg", "Wood.jpg"):
        assert content_box(decode((ORIGINALS / name).read_bytes())) is None, name


def test_cropped_keeps_full_resolution_coordinates() -> None:
    image = decode(v.encode(_photo(), "PNG"))
    part = cropped(image, (100, 50, 400, 200))
    assert (part.width, part.height) == (400, 200)
    assert abs(part.scale - image.scale) < 0.01
