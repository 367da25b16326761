"""The verdict rules, on matches built in memory: no library, no pictures."""

from __future__ import annotations

from typing import Any

import pytest

from provenance.check.verdict import decide, is_hash_only_match
from provenance.metadata import MetadataChange
from provenance.report import Match, ReferenceLink, ReferenceSummary, Region, Transform

ORIGINAL = ReferenceSummary(id=1, external_id="AFP-1", source="AFP", credit="Jane Doe", width=4000, height=3000)
CLOSE = {"pdq": 4, "phash": 2, "dhash": 3}


def _transform(inliers: int = 250, distortion: float = 0.0, method: str = "keypoints") -> Transform:
    return Transform(
        crop_box=[0, 0, 4000, 3000],
        visible_fraction=1.0,
        scale=0.5,
        rotation=0.0,
        mirrored=False,
        inliers=inliers,
        distortion=distortion,
        method=method,
        correlation=0.93 if method == "pixels" else None,
    )


def _region(explained_by: ReferenceLink | None = None) -> Region:
    return Region(
        bbox=[10, 20, 300, 200],
        reference_bbox=[20, 40, 600, 400],
        area_fraction=0.05,
        strength=None if explained_by else 40.0,
        explained_by=explained_by,
    )


def _match(**fields: Any) -> Match:
    return Match(**({"reference": ORIGINAL, "distances": CLOSE, "verified": True} | fields))


def test_an_empty_library_says_so() -> None:
    decision = decide(False, [], 0, False)
    assert (decision.verdict, decision.confidence) == ("unknown", 0.0)
    assert decision.reasons == ["The library is empty: ingest originals first."]


def test_no_match_is_surer_when_no_original_even_looked_alike() -> None:
    unseen, lookalike = decide(False, [], 12, False), decide(False, [], 12, True)
    assert (unseen.verdict, unseen.confidence, len(unseen.reasons)) == ("unknown", 0.9, 1)
    assert (lookalike.verdict, lookalike.confidence, len(lookalike.reasons)) == ("unknown", 0.7, 2)
    assert unseen.reasons[0] == "No original among the 12 in the library matches."


def test_the_same_bytes_are_identical() -> None:
    decision = decide(True, [_match()], 1, True)
    assert (decision.verdict, decision.confidence) == ("identical", 1.0)
    assert decision.reasons == ["Same bytes as original AFP-1 (AFP, Jane Doe): this file is the original."]


def test_a_match_on_hashes_alone_is_a_weak_copy() -> None:
    decision = decide(False, [_match(verified=False, edits=["recompressed"])], 1, True)
    assert (decision.verdict, decision.confidence) == ("copy", 0.55)
    assert decision.reasons[1] == "Only global edits: recompressed."


def test_smooth_misfit_across_the_frame_is_another_photograph() -> None:
    decision = decide(False, [_match(transform=_transform(distortion=0.3), regions=[_region()])], 1, True)
    assert (decision.verdict, decision.confidence) == ("related", 0.8)


def test_a_region_from_another_original_makes_a_composite() -> None:
    other = ReferenceLink(id=2, external_id="AP-9", source="AP")
    decision = decide(False, [_match(transform=_transform(), regions=[_region(), _region(other)])], 2, True)
    assert (decision.verdict, decision.confidence) == ("composite", 0.9)
    assert decision.reasons[0].endswith("with parts taken from original AP-9 (AP).")
    assert decision.reasons[1].startswith("2 regions differ from the original; the largest covers 5.0%")


def test_changed_regions_make_an_alteration_weighted_by_the_inliers() -> None:
    decision = decide(False, [_match(transform=_transform(inliers=50), regions=[_region()])], 1, True)
    assert (decision.verdict, decision.confidence) == ("altered", round(0.6 + 0.35 * 0.5, 2))
    assert decision.reasons[1] == (
        "1 region differs from the original; the largest covers 5.0% of the picture at x=10, y=20 (300x200 px)."
    )


@pytest.mark.parametrize(("transform", "confidence"), [(_transform(), 0.99), (_transform(method="pixels"), 0.8)])
def test_a_verified_copy_names_its_edits_and_stripped_metadata(transform: Transform, confidence: float) -> None:
    stripped = MetadataChange(field="byline", original="Jane Doe", copy_value=None, change="stripped")
    match = _match(transform=transform, edits=["resized", "metadata_stripped"], metadata_diff=[stripped])
    decision = decide(False, [match], 1, True)
    assert (decision.verdict, decision.confidence) == ("copy", confidence)
    assert decision.reasons[1:] == ["Only global edits: resized.", "The copy lacks the original's byline."]


def test_a_copy_without_pixel_edits_says_so() -> None:
    decision = decide(False, [_match(transform=_transform(), edits=["metadata_stripped"])], 1, True)
    assert decision.reasons[1:] == ["No edits to the picture were found."]


def test_a_hash_only_match_needs_every_declared_match_distance() -> None:
    assert is_hash_only_match(_match(distances={"pdq": 31, "phash": 8, "dhash": 60}))
    assert not is_hash_only_match(_match(distances={"pdq": 32, "phash": 8, "dhash": 0}))
    assert not is_hash_only_match(_match(distances={"pdq": 0}))
