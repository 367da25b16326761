"""Copy-move: one area of the picture reappearing elsewhere in it (cloned)."""

from __future__ import annotations

import numpy as np

from provenance.forensics.copy_move import find_copy_move
from provenance.forensics.indicator import ForensicIndicator, Measurement, scaled
from provenance.forensics.subject import Subject

MIN_SHIFT = 24
"""Working pixels between an area and its clone below which nothing is claimed."""
_MAX_LINES = 200


class CopyMove(ForensicIndicator):
    name = "copy_move"
    title = "Copy-move (cloned areas)"
    label = "copy-move"
    needs = "pixels"
    region_colour = (230, 40, 40)

    def measure(self, subject: Subject) -> Measurement:
        found = find_copy_move(subject.image.pixels)
        scale = 1 / subject.image.scale
        strength = float(np.clip((found.inliers - 8) / 24, 0, 1)) if found.shift >= MIN_SHIFT else 0.0
        boxes = (found.source_box, found.target_box)
        indicator = self.indicator(
            strength,
            (
                f"{found.inliers} keypoint pairs agree that one area reappears {found.shift * scale:.0f} px "
                "away in the same picture: possibly cloned (repetitive textures can do this too)."
                if strength > 0
                else "No area of the picture was found repeated elsewhere in it."
            ),
            regions=[scaled(b, scale) for b in boxes if b and strength > 0],
            measurements={"inliers": found.inliers, "shift_px": round(found.shift * scale, 1)},
        )
        if indicator.strength > 0:
            return Measurement(indicator, lines=found.pairs[:_MAX_LINES])
        return Measurement(indicator)
