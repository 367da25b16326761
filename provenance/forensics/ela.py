"""Error level analysis: re-save the picture as JPEG and look at what changes.

Areas that were compressed as often and as hard as the rest of the picture change
little; pasted or retouched areas with another compression history often change more
(or less). Edges and fine texture also change more, so the error is divided by the
local texture before blocks are compared with the rest of the picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

RESAVE_QUALITY = 90
BLOCK = 16
OUTLIER_Z = 4.0
"""Blocks whose texture-normalised error level sits this many robust deviations
above the picture's median are outliers."""
MIN_ERROR = 2.0
"""Levels of 255: smooth gradients change by about one level everywhere; that is no signal."""


@dataclass(frozen=True)
class ElaResult:
    heat: np.ndarray
    """Per-pixel error level (0..255, amplified for display), H x W uint8."""
    score: float
    """Robust z-score of the strongest cluster of outlier blocks."""
    outlier_share: float
    box: tuple[int, int, int, int] | None
    """[x, y, w, h] in the analysed pixels of the largest outlier cluster."""


def error_levels(rgb: np.ndarray) -> ElaResult:
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, RESAVE_QUALITY])
    if not ok:
        raise RuntimeError("OpenCV could not re-encode the picture")
    resaved = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    if resaved is None:
        raise RuntimeError("OpenCV could not decode its own re-encode")
    error = cv2.absdiff(bgr, resaved).max(axis=2).astype(np.float32)
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    rows, cols = error.shape[0] // BLOCK, error.shape[1] // BLOCK
    if rows < 4 or cols < 4:
        return ElaResult(np.zeros(error.shape, np.uint8), 0.0, 0.0, None)
    crop = (slice(0, rows * BLOCK), slice(0, cols * BLOCK))
    block_error = error[crop].reshape(rows, BLOCK, cols, BLOCK).mean(axis=(1, 3))
    texture = grey[crop].reshape(rows, BLOCK, cols, BLOCK).std(axis=(1, 3))
    ratio = block_error / (texture + 4.0)
    median = float(np.median(ratio))
    spread = max(float(np.median(np.abs(ratio - median))) * 1.4826, 0.02)
    z = (ratio - median) / spread
    outliers = ((z > OUTLIER_Z) & (block_error > MIN_ERROR)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(outliers, connectivity=8)
    best_score, best_box = 0.0, None
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        if area < 4:
            continue
        score = float(np.median(z[labels == label])) * min(1.0, area / 16)
        if score > best_score:
            best_score, best_box = score, (int(x * BLOCK), int(y * BLOCK), int(w * BLOCK), int(h * BLOCK))
    heat = np.clip(error * 12, 0, 255).astype(np.uint8)
    return ElaResult(heat, best_score, float(outliers.mean()), best_box)
