"""Real second exposures (committed OpenCV sample pairs) checked end to end: another
photograph of the scene reads `related` and names its original; an edited copy of
that original stays `altered`."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from provenance.check.pipeline import check_bytes
from provenance.claims import Claims
from tests.conftest import COPIES, FIXTURES
from tests.images import encode
from tests.provenance.memory_library import MemoryLibrary

SAME_SCENE = FIXTURES / "same_scene"


@pytest.fixture(scope="module")
def library() -> MemoryLibrary:
    library = MemoryLibrary()
    for name in ("vtest_0000", "left"):
        library.add((SAME_SCENE / f"{name}.jpg").read_bytes(), name)
    return library


def test_a_later_frame_of_a_fixed_camera_is_related_and_no_montage_is_claimed(library: MemoryLibrary) -> None:
    report = check_bytes(
        library, (SAME_SCENE / "vtest_0010.jpg").read_bytes(), "frame", claims=Claims(claimed_montage=True)
    )
    assert report.verdict == "related"
    best = report.matches[0]
    assert best.reference.external_id == "vtest_0000"
    assert best.scene is not None and best.scene.finding == "moved_subjects" and best.regions
    assert report.claims[0].outcome == "unverifiable"


def test_another_viewpoint_is_related(library: MemoryLibrary) -> None:
    report = check_bytes(library, (SAME_SCENE / "right.jpg").read_bytes(), "viewpoint")
    assert report.verdict == "related"
    best = report.matches[0]
    assert best.reference.external_id == "left"
    assert best.scene is not None and best.scene.finding == "viewpoint"


def test_a_mirrored_resized_viewpoint_is_still_related(library: MemoryLibrary) -> None:
    with Image.open(SAME_SCENE / "right.jpg") as image:
        mirrored = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize((512, 384))
    report = check_bytes(library, encode(mirrored, quality=80), "mirrored")
    assert report.verdict == "related" and report.matches[0].reference.external_id == "left"


def test_a_copy_of_the_original_with_one_pasted_patch_stays_altered(library: MemoryLibrary) -> None:
    donor_path = COPIES / "storm_not_in_library.jpg"
    with Image.open(SAME_SCENE / "vtest_0000.jpg") as original, Image.open(donor_path) as donor:
        edited = original.convert("RGB")
        edited.paste(donor.convert("RGB").crop((200, 150, 330, 260)), (420, 260))
    report = check_bytes(library, encode(edited, quality=85), "pasted", claims=Claims(claimed_montage=True))
    assert report.verdict == "altered"
    assert report.matches[0].scene is None and report.claims[0].outcome == "supported"


def test_a_plain_recompressed_copy_stays_a_copy(library: MemoryLibrary) -> None:
    with Image.open(io.BytesIO((SAME_SCENE / "left.jpg").read_bytes())) as original:
        report = check_bytes(library, encode(original.convert("RGB"), quality=70), "copy")
    assert report.verdict == "copy" and report.matches[0].scene is None
