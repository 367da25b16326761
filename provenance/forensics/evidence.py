"""The indicators' evidence picture: the checked image with what they point at, and
any picture of their own beside it."""

from __future__ import annotations

import cv2

from hashes import DecodedImage
from provenance.forensics.indicator import ForensicIndicator, Measurement
from provenance.vision.evidence import labelled_panel, panel_sheet

_LINE_COLOUR = (40, 200, 255)


def render_indicators(image: DecodedImage, measured: list[tuple[ForensicIndicator, Measurement]]) -> bytes:
    """A PNG: lines first, then every indicator's regions in its colour, then the extra panels."""
    marked = image.pixels.copy()
    thickness = max(2, round(max(marked.shape[:2]) / 300))
    for _, measurement in measured:
        for x1, y1, x2, y2 in measurement.lines:
            cv2.line(marked, (int(x1), int(y1)), (int(x2), int(y2)), _LINE_COLOUR, 1, cv2.LINE_AA)
    for plugin, measurement in measured:
        for box in measurement.indicator.regions:
            x, y, w, h = (round(v * image.scale) for v in box)
            cv2.rectangle(marked, (x, y), (x + w, y + h), plugin.region_colour, thickness)
    panels = [labelled_panel(marked, "Checked image: indicator regions (not proof)")]
    panels += [labelled_panel(*measurement.panel) for _, measurement in measured if measurement.panel is not None]
    return panel_sheet(panels)
