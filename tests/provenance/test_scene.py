"""Another photograph of the scene, or an edit: the rules on values built in memory
(no pictures), and the verdict and montage answer they lead to."""

from __future__ import annotations

from provenance.check.scene import MIN_UNALIGNED_INLIERS, moved_subjects, recorded_as_derived, viewpoint
from provenance.check.verdict import decide
from provenance.claims import ClaimContext, Claims, assess_claims
from provenance.metadata import ImageMetadata
from provenance.report import Match, ReferenceSummary, Region, SceneEvidence, Transform
from provenance.vision.epipolar import Epipolar

WIDTH, HEIGHT = 1000, 800
ORIGINAL = ReferenceSummary(id=1, external_id="AFP-1", source="AFP", width=WIDTH, height=HEIGHT)


def _region(x: int, y: int, area_fraction: float) -> Region:
    return Region(bbox=[x, y, 60, 120], reference_bbox=[x, y, 60, 120], area_fraction=area_fraction, strength=40.0)


def _walkers() -> list[Region]:
    """Four similar places spread over the frame, as people walking past a fixed camera leave."""
    return [_region(100, 100, 0.012), _region(700, 150, 0.010), _region(200, 600, 0.009), _region(800, 550, 0.008)]


def _match(regions: list[Region], scene: SceneEvidence | None, verified: bool = True) -> Match:
    transform = Transform(
        crop_box=[0, 0, WIDTH, HEIGHT], visible_fraction=1.0, scale=1.0, rotation=0.0, mirrored=False, inliers=500
    )
    return Match(
        reference=ORIGINAL,
        distances={},
        verified=verified,
        transform=transform if verified else None,
        regions=regions,
        changed_fraction=0.045,
        scene=scene,
    )


def test_scattered_similar_places_read_as_moved_subjects() -> None:
    evidence = moved_subjects(_walkers(), 0.045, WIDTH, HEIGHT)
    assert evidence is not None and evidence.finding == "moved_subjects"
    assert evidence.places == 4 and evidence.spread is not None and evidence.spread > 0.5


def test_one_dominant_place_is_an_edit_however_many_specks_surround_it() -> None:
    regions = [_region(100, 100, 0.05), _region(700, 150, 0.004), _region(200, 600, 0.003)]
    assert moved_subjects(regions, 0.06, WIDTH, HEIGHT) is None


def test_places_bunched_in_one_corner_or_too_few_are_an_edit() -> None:
    bunched = [_region(100, 100, 0.01), _region(170, 120, 0.01), _region(120, 230, 0.01)]
    assert moved_subjects(bunched, 0.03, WIDTH, HEIGHT) is None
    assert moved_subjects(_walkers()[:2], 0.022, WIDTH, HEIGHT) is None


def test_viewpoint_needs_enough_pairs_and_a_low_plane_share() -> None:
    assert viewpoint(Epipolar(200, 120, 60, 12), 50) is not None
    assert viewpoint(Epipolar(200, 120, 110, 12), 50) is None, "a copy keeps ~all pairs on one plane"
    assert viewpoint(Epipolar(60, 40, 10, 6), 50) is None, "too few pairs"
    unaligned = viewpoint(Epipolar(300, MIN_UNALIGNED_INLIERS, 60, 12), MIN_UNALIGNED_INLIERS)
    assert unaligned is not None and unaligned.epipolar_inliers == MIN_UNALIGNED_INLIERS
    assert viewpoint(Epipolar(300, 150, 148, 12), MIN_UNALIGNED_INLIERS) is None, "one plane: a copy, not a viewpoint"


def test_moved_subjects_read_related_and_say_why_no_montage_is_claimed() -> None:
    scene = moved_subjects(_walkers(), 0.045, WIDTH, HEIGHT)
    decision = decide(False, [_match(_walkers(), scene)], 10, True)
    assert decision.verdict == "related"
    assert "cannot be told from another photograph taken moments apart" in decision.reasons[0]
    assert decision.reasons[1].startswith("4 regions differ from the original")


def test_the_same_places_without_scene_evidence_stay_altered() -> None:
    assert decide(False, [_match(_walkers(), None)], 10, True).verdict == "altered"


def test_another_viewpoint_reads_related_with_its_point_counts() -> None:
    scene = SceneEvidence(finding="viewpoint", epipolar_inliers=108, plane_inliers=54)
    decision = decide(False, [_match([], scene)], 10, True)
    assert decision.verdict == "related" and "108 point pairs" in decision.reasons[0]
    unverified = decide(False, [_match([], scene, verified=False)], 10, True)
    assert unverified.verdict == "related" and unverified.reasons[0].startswith("No transform of original AFP-1")


def test_a_montage_claim_is_unverifiable_when_an_edit_cannot_be_told_from_another_exposure() -> None:
    context = ClaimContext(verdict="related", original_label="AFP original AFP-1", region_count=4, cannot_tell=True)
    [answer] = assess_claims(Claims(claimed_montage=True), context)
    assert answer.outcome == "unverifiable"
    assert "cannot be told from another photograph of the same scene" in answer.evidence


def test_a_copy_whose_xmp_names_the_original_as_its_source_is_that_exposure() -> None:
    original = ImageMetadata(document_id="xmp.did:A1", instance_id="xmp.iid:A1")
    assert recorded_as_derived(original, ImageMetadata(derived_from_document_id="xmp.did:A1"))
    assert recorded_as_derived(original, ImageMetadata(document_id="xmp.did:A1", instance_id="xmp.iid:B2"))
    assert not recorded_as_derived(original, ImageMetadata(document_id="xmp.did:C3"))
    assert not recorded_as_derived(ImageMetadata(), ImageMetadata())
