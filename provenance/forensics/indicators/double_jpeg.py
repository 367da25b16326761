"""Double JPEG: the periodic DCT histograms of a picture saved as JPEG at least twice."""

from __future__ import annotations

import cv2
import numpy as np

from provenance.forensics.double_jpeg import block_dct, periodicity
from provenance.forensics.indicator import ForensicIndicator, Measurement
from provenance.forensics.subject import Subject


class DoubleJpeg(ForensicIndicator):
    name = "double_jpeg"
    title = "Double JPEG compression"
    label = "double JPEG"
    needs = "stored_jpeg"

    def measure(self, subject: Subject) -> Measurement | str:
        stored, jpeg = subject.stored_jpeg, subject.metadata.jpeg
        if stored is None or not stored.on_grid or jpeg is None or not jpeg.quantisation_tables:
            return f"{self.label}: picture too large to decode at full resolution"
        luma = cv2.cvtColor(np.ascontiguousarray(stored.rgb), cv2.COLOR_RGB2YCrCb)[:, :, 0]
        score, _ = periodicity(block_dct(luma), jpeg.quantisation_tables[0])
        strength = float(np.clip((score - 0.2) / 0.5, 0, 1))
        return Measurement(
            self.indicator(
                strength,
                (
                    f"The DCT histograms show the periodic gaps of a second JPEG compression (score {score:.2f}; "
                    f"now at quality about {jpeg.estimated_quality}): the picture was saved as JPEG at "
                    "least twice (edited, or simply re-saved)."
                    if strength > 0
                    else "No trace of an earlier JPEG compression on the same grid (resizing erases it)."
                ),
                measurements={"score": round(score, 3), "quality": jpeg.estimated_quality or 0},
            )
        )
