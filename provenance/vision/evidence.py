"""The evidence picture a photo editor looks at: the original aligned onto the copy,
the copy with its changed regions outlined, and a heat map of the differences. The
labelled panels and the sheet they sit on also serve the forensic indicators' picture."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import cv2
import numpy as np

from hashes import DecodedImage
from provenance.vision.framing import Box
from provenance.vision.localisation import Difference

PANEL_HEIGHT = 480
HEAT_GAIN = 4.0
"""Differences of 64 levels and more show at full heat."""
_CHANGED = (230, 40, 40)
_ATTRIBUTED = (40, 120, 230)


class Outline(NamedTuple):
    """A region to outline, in the checked image's pixels; `attributed` when another
    original explains its content (drawn in another colour than a changed region)."""

    box: Box
    attributed: bool


def render_evidence(query: DecodedImage, difference: Difference, outlines: Sequence[Outline]) -> bytes:
    """A PNG of three panels side by side, each labelled; outlines are drawn in order."""
    copy = query.pixels.copy()
    original = difference.warped.copy()
    original[~difference.compared] = 40
    for outline in outlines:
        colour = _ATTRIBUTED if outline.attributed else _CHANGED
        x, y, w, h = (round(v * query.scale) for v in outline.box)
        thickness = max(2, round(max(copy.shape[:2]) / 300))
        cv2.rectangle(copy, (x, y), (x + w, y + h), colour, thickness)
        cv2.rectangle(original, (x, y), (x + w, y + h), colour, thickness)
    heat = np.clip(difference.heat * HEAT_GAIN, 0, 255).astype(np.uint8)
    heat_rgb = cv2.cvtColor(cv2.applyColorMap(heat, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
    panels = [
        labelled_panel(original, "Original, aligned to the copy"),
        labelled_panel(copy, "Checked copy: changed regions outlined"),
        labelled_panel(heat_rgb, "Differences after colour matching"),
    ]
    return panel_sheet(panels)


def labelled_panel(pixels: np.ndarray, label: str) -> np.ndarray:
    """An RGB picture scaled to PANEL_HEIGHT with its label in a white banner above it."""
    height, width = pixels.shape[:2]
    scale = PANEL_HEIGHT / height
    panel = cv2.resize(pixels, (max(1, round(width * scale)), PANEL_HEIGHT), interpolation=cv2.INTER_AREA)
    banner = np.full((36, panel.shape[1], 3), 255, np.uint8)
    cv2.putText(banner, label, (8, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (20, 20, 20), 1, cv2.LINE_AA)
    return np.vstack([banner, panel])


def panel_sheet(panels: list[np.ndarray]) -> bytes:
    """Labelled panels side by side, as PNG bytes."""
    sheet = np.hstack([np.pad(p, ((0, 0), (0, 8), (0, 0)), constant_values=255) for p in panels])
    ok, png = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError("OpenCV could not encode the evidence image")
    return png.tobytes()
