"""Error levels: an area that changes much more than the rest when the JPEG is re-saved."""

from __future__ import annotations

import cv2
import numpy as np

from provenance.forensics.ela import RESAVE_QUALITY, error_levels
from provenance.forensics.indicator import ForensicIndicator, Measurement, scaled
from provenance.forensics.subject import Subject


class ErrorLevel(ForensicIndicator):
    name = "error_level"
    title = "Error level analysis"
    label = "error level"
    needs = "stored_jpeg"

    def measure(self, subject: Subject) -> Measurement | str:
        stored = subject.stored_jpeg
        if stored is None:
            return f"{self.label}: only JPEG files are analysed"
        ela = error_levels(stored.rgb)
        strength = float(np.clip((ela.score - 6) / 8, 0, 1))
        indicator = self.indicator(
            strength,
            (
                f"One area changes much more than the rest when re-saved (robust z {ela.score:.1f}): it may have "
                "another compression history, as pasted or retouched areas often do; sharp detail can too."
                if strength > 0
                else "Error levels are even across the picture once texture is accounted for."
            ),
            regions=[scaled(ela.box, stored.to_image)] if ela.box and strength > 0 and stored.to_image else [],
            measurements={"z": round(ela.score, 2), "outlier_share": round(ela.outlier_share, 4)},
        )
        heat = cv2.cvtColor(cv2.applyColorMap(ela.heat, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
        return Measurement(indicator, panel=(heat, f"Error levels after re-saving at q{RESAVE_QUALITY}"))
