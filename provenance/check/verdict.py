"""Rules that turn the evidence of a check into a verdict, a confidence and reasons."""

from __future__ import annotations

from dataclasses import dataclass

from hashes import ALGORITHMS
from provenance.report import Match, SceneEvidence, Transform, Verdict

RELATED_DISTORTION = 0.2
"""When this share of the keypoints' misfit varies smoothly across the frame, no single
transform of the original explains the picture: another photograph of the same scene
(a neighbouring frame, the other camera of a stereo pair), not an edit of it."""


PIXEL_ALIGNMENT_STRENGTH = 0.5
"""Pixel alignment is only tried on originals whose hashes are already close, so together
they are good evidence, but less than a hundred agreeing keypoints."""


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    confidence: float
    reasons: list[str]


def is_hash_only_match(match: Match) -> bool:
    """Every signal that declares a match distance is within it (see `HashAlgorithm.match_distance`);
    a hash-only original without 64-bit hashes is judged on those it has (PDQ always)."""
    limits = {a.name: a.match_distance for a in ALGORITHMS.values() if a.match_distance is not None}
    if not match.reference.has_pixels:
        limits = {name: limit for name, limit in limits.items() if name in match.distances}
    return all(match.distances.get(name, 1 << 16) <= limit for name, limit in limits.items())


LOW_INFORMATION_REASON = (
    "The picture has almost no detail (blank, a single colour, or a line of pixels): its fingerprints cannot "
    "identify it, so only the same file or a geometric match with an original could."
)


def decide(
    identical: bool, matches: list[Match], library_size: int, had_candidates: bool, low_information: bool = False
) -> Decision:
    if not matches:
        if low_information and library_size:
            return Decision("unknown", 0.5, [*_no_match(library_size, had_candidates).reasons, LOW_INFORMATION_REASON])
        return _no_match(library_size, had_candidates)
    best = matches[0]
    name = _describe(best)
    if identical:
        return Decision("identical", 1.0, [f"Same bytes as {name}: this file is the original."])
    if not best.reference.has_pixels:
        return Decision(
            "copy",
            0.55,
            [
                f"Perceptual hashes match {name}, an original its agency shared as fingerprints only: "
                "without its pixels there is no alignment and no map of regions that differ.",
                *_edit_reasons(best)[1:],
            ],
        )
    if not best.verified and best.scene is not None:
        return _another_photograph(name, best.scene, best)
    if not best.verified or best.transform is None:
        return Decision(
            "copy",
            0.55,
            [
                f"Perceptual hashes match {name} closely, but too few keypoints to confirm the geometry "
                "(the copy may be very small or featureless).",
                *_edit_reasons(best),
            ],
        )
    geometry, strength = _geometry(best.transform)
    if best.transform.distortion >= RELATED_DISTORTION:
        return Decision(
            "related",
            round(min(0.95, 0.5 + best.transform.distortion), 2),
            [
                f"Same scene as {name}, but a different photograph: the two agree only roughly, with the "
                "shifts of parallax or movement that no edit of the original produces (another moment or viewpoint).",
            ],
        )
    borrowed = [r.explained_by for r in best.regions if r.explained_by]
    if borrowed:
        others = sorted({f"{link.external_id} ({link.source})" for link in borrowed})
        return Decision(
            "composite",
            round(0.6 + 0.3 * strength, 2),
            [
                f"Built on {name} ({geometry}), with parts taken from original {', '.join(others)}.",
                *_region_reasons(best),
            ],
        )
    if best.scene is not None:
        return _another_photograph(name, best.scene, best)
    if best.regions:
        return Decision(
            "altered",
            round(0.6 + 0.35 * strength, 2),
            [f"Same photograph as {name} ({geometry}), but parts of it were changed.", *_region_reasons(best)],
        )
    return Decision(
        "copy",
        round(min(0.99, 0.6 + 0.4 * strength), 2),
        [f"Same photograph as {name}: {geometry}.", *_edit_reasons(best)],
    )


def _another_photograph(name: str, scene: SceneEvidence, match: Match) -> Decision:
    """`related`, in words an editor can act on (the evidence: provenance.check.scene)."""
    if scene.finding == "moved_subjects":
        return Decision(
            "related",
            0.5,
            [
                f"Same scene and viewpoint as {name}, but {scene.places} separate places differ, spread over "
                f"{scene.spread:.0%} of the frame: the pattern of people or objects that moved between two exposures "
                "from a fixed camera. An edit of these places cannot be told from another photograph taken moments "
                "apart, so no montage is claimed; compare the outlined places with the original.",
                *_region_reasons(match)[:1],
            ],
        )
    if not match.verified:
        return Decision(
            "related",
            0.55,
            [
                f"No transform of {name} explains this picture, but {scene.epipolar_inliers} point pairs fit one "
                "camera geometry with it: another photograph of the same scene from a different viewpoint, "
                "not an edit of it.",
            ],
        )
    return Decision(
        "related",
        0.8,
        [
            f"Same scene as {name}, but a different photograph: {scene.epipolar_inliers} point pairs fit one camera "
            f"geometry, but only {scene.plane_inliers} of them fit any single flat mapping of the original. The "
            "viewpoint moved (parallax or perspective), which no edit of the original produces.",
        ],
    )


def _geometry(transform: Transform) -> tuple[str, float]:
    """How the copy was aligned, in words, and how strongly that ties it to the original (0..1)."""
    if transform.method == "pixels":
        return (
            f"its pixels align with the original under one geometric transform (correlation "
            f"{transform.correlation:.3f}), where a smooth picture gives too few keypoints",
            PIXEL_ALIGNMENT_STRENGTH,
        )
    return f"{transform.inliers} keypoints agree on one geometric transform", min(1.0, transform.inliers / 100)


def _edit_reasons(match: Match) -> list[str]:
    pixel_edits = [e for e in match.edits if e != "metadata_stripped"]
    reasons = [
        f"Only global edits: {', '.join(e.replace('_', ' ') for e in pixel_edits)}."
        if pixel_edits
        else "No edits to the picture were found."
    ]
    stripped = [c.field.replace("_", " ") for c in match.metadata_diff if c.change == "stripped"]
    if stripped:
        reasons.append(f"The copy lacks the original's {', '.join(stripped)}.")
    return reasons


def _region_reasons(match: Match) -> list[str]:
    count = len(match.regions)
    largest = match.regions[0]
    x, y, w, h = largest.bbox
    return [
        f"{count} region{'s' if count > 1 else ''} differ{'' if count > 1 else 's'} from the original; the largest "
        f"covers {largest.area_fraction:.1%} of the picture at x={x}, y={y} ({w}x{h} px).",
        *_edit_reasons(match),
    ]


def _no_match(library_size: int, had_candidates: bool) -> Decision:
    if library_size == 0:
        return Decision("unknown", 0.0, ["The library is empty: ingest originals first."])
    reason = f"No original among the {library_size} in the library matches."
    if had_candidates:
        return Decision(
            "unknown",
            0.7,
            [reason, "Some originals look alike, but no keypoint geometry confirms the same photograph."],
        )
    return Decision("unknown", 0.9, [reason])


def _describe(match: Match) -> str:
    reference = match.reference
    credit = f", {reference.credit}" if reference.credit else ""
    return f"original {reference.external_id} ({reference.source}{credit})"
