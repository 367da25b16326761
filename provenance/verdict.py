"""Rules that turn the evidence of a check into a verdict, a confidence and reasons."""

from __future__ import annotations

from dataclasses import dataclass

from provenance.report import Match, Verdict

HASH_ONLY_DISTANCE = {"pdq": 31, "phash": 8}
"""Hashes this close are the same picture even when keypoints cannot confirm it
(tiny or featureless copies): PDQ's own recommended match threshold, and pHash's."""


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    confidence: float
    reasons: list[str]


def is_hash_only_match(match: Match) -> bool:
    return all(match.distances.get(name, 1 << 16) <= limit for name, limit in HASH_ONLY_DISTANCE.items())


def decide(identical: bool, matches: list[Match], library_size: int, had_candidates: bool) -> Decision:
    if not matches:
        return _no_match(library_size, had_candidates)
    best = matches[0]
    name = _describe(best)
    if identical:
        return Decision("identical", 1.0, [f"Same bytes as {name}: this file is the original."])
    reasons = []
    if best.verified and best.transform is not None:
        confidence = round(min(0.99, 0.6 + 0.4 * min(1.0, best.transform.inliers / 100)), 2)
        reasons.append(
            f"Same photograph as {name}: {best.transform.inliers} keypoints agree on one geometric transform."
        )
    else:
        confidence = 0.55
        reasons.append(
            f"Perceptual hashes match {name} closely, but too few keypoints to confirm the geometry "
            "(the copy may be very small or featureless)."
        )
    pixel_edits = [e for e in best.edits if e != "metadata_stripped"]
    reasons.append(
        f"Only global edits: {', '.join(e.replace('_', ' ') for e in pixel_edits)}."
        if pixel_edits
        else "No edits to the picture were found."
    )
    stripped = [c.field.replace("_", " ") for c in best.metadata_diff if c.change == "stripped"]
    if stripped:
        reasons.append(f"The copy lacks the original's {', '.join(stripped)}.")
    return Decision("copy", confidence, reasons)


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
