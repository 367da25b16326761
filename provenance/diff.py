"""Where a verified copy differs from its original: the altered regions.

The original is warped onto the copy, its colours are mapped onto the copy's by a
robust polynomial fit (so brightness, contrast, saturation, greyscale and gamma
changes are explained away), and a pixel counts as changed only when the copy lies
outside the range the original takes in its 3 x 3 neighbourhood (so sub-pixel
misalignment and resampling are explained away too). What remains, after smoothing
and morphology, are the regions someone added, removed or replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from hashes import DecodedImage
from provenance.match import Alignment, warp_reference

MIN_LEVEL = 22.0
"""Smallest difference (of 255) that counts, whatever the noise."""
NOISE_FACTOR = 5.0
"""Differences above the median by this many robust deviations count."""
MIN_REGION_FRACTION = 0.002
"""Regions smaller than this share of the overlap are noise."""
BORDER = 4
"""Working pixels along the original's warped edge that are not compared."""
FLAT_LEVELS = 4.0
"""Local standard deviation (5 x 5, of 255) below which a copy's pixel is flat."""
FIT_PIXELS = 20_000
"""Pixels sampled for the colour fit: plenty for 21 coefficients."""


@dataclass(frozen=True)
class ChangedRegion:
    box: tuple[int, int, int, int]
    """x, y, w, h in the checked image's full-resolution pixels."""
    reference_box: tuple[int, int, int, int]
    """The same region in the original's full-resolution pixels."""
    area_fraction: float
    """Share of the compared area this region covers."""
    strength: float
    """Mean difference inside the region, in levels of 255 after normalisation."""


@dataclass(frozen=True)
class Difference:
    regions: list[ChangedRegion]
    changed_fraction: float
    """Share of the compared area that differs (all regions and specks)."""
    heat: np.ndarray
    """Per-pixel difference in the checked image's working frame, float32 levels."""
    warped: np.ndarray
    """The original resampled into the checked image's working frame."""
    compared: np.ndarray
    """Boolean mask of the working-frame pixels the original covers."""


def localise(query: DecodedImage, reference: DecodedImage, alignment: Alignment) -> Difference:
    warped, covered = warp_reference(reference, query, alignment)
    compared = cv2.erode(covered.astype(np.uint8), np.ones((2 * BORDER + 1,) * 2, np.uint8)) > 0
    copy = cv2.GaussianBlur(query.pixels.astype(np.float32), (0, 0), 1.0)
    original = cv2.GaussianBlur(warped.astype(np.float32), (0, 0), 1.0)
    predicted = _match_colours(original, copy, compared)
    heat = _envelope_difference(copy, predicted)
    heat[~compared] = 0
    changed = _changed_mask(heat, compared, query.pixels)
    regions = _regions(changed, heat, compared, query, alignment)
    area = max(int(compared.sum()), 1)
    return Difference(regions, float(changed.sum()) / area, heat, warped, compared)


def _match_colours(original: np.ndarray, copy: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Least-squares map from the original's colours (with squares, for gamma) to the
    copy's, fitted twice: the second fit ignores the worst-fitting fifth, which holds
    any pasted content."""
    features = _colour_features(original)
    step = max(1, int(np.sqrt(mask.sum() / FIT_PIXELS)))
    sample = np.zeros_like(mask)
    sample[::step, ::step] = mask[::step, ::step]
    rows = features[sample]
    targets = copy[sample]
    if len(rows) < 50:
        return original
    weights = np.ones(len(rows), bool)
    for _ in range(2):
        coefficients, *_ = np.linalg.lstsq(rows[weights], targets[weights], rcond=None)
        residual = np.abs(rows @ coefficients - targets).max(axis=1)
        weights = residual <= np.quantile(residual, 0.8)
    return np.clip(features @ coefficients, 0, 255).astype(np.float32).reshape(original.shape)


def _colour_features(pixels: np.ndarray) -> np.ndarray:
    flat = pixels.reshape(-1, 3) / 255.0
    features = np.hstack([flat, flat**2, np.ones((len(flat), 1), np.float32)]).astype(np.float32)
    return features.reshape(*pixels.shape[:2], 7) if pixels.ndim == 3 else features


def _envelope_difference(copy: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    kernel = np.ones((3, 3), np.uint8)
    high = cv2.dilate(predicted, kernel)
    low = cv2.erode(predicted, kernel)
    outside = np.maximum(copy - high, low - copy)
    return np.clip(outside, 0, None).max(axis=2)


def _changed_mask(heat: np.ndarray, compared: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    smooth = cv2.GaussianBlur(heat, (0, 0), 2.0)
    values = smooth[compared]
    if values.size == 0:
        return np.zeros_like(compared)
    median = float(np.median(values))
    deviation = float(np.median(np.abs(values - median))) * 1.4826
    threshold = max(MIN_LEVEL, median + NOISE_FACTOR * deviation)
    changed = (smooth > threshold) & compared
    changed &= ~_added_frame(changed, compared, pixels)
    side = max(3, round(max(heat.shape) / 150))
    changed = cv2.morphologyEx(changed.astype(np.uint8), cv2.MORPH_OPEN, np.ones((side, side), np.uint8))
    changed = cv2.morphologyEx(changed, cv2.MORPH_CLOSE, np.ones((3 * side, 3 * side), np.uint8))
    return changed.astype(bool) & compared


def _added_frame(candidates: np.ndarray, compared: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Flat changed pixels connected to the edge of the compared area: borders, caption
    bars and app chrome laid over where the original reaches. A removal or paste
    inside the picture does not reach the edge through flat pixels."""
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mean = cv2.blur(grey, (5, 5))
    spread = np.sqrt(np.maximum(cv2.blur(grey * grey, (5, 5)) - mean * mean, 0))
    flat = candidates & (spread < FLAT_LEVELS)
    edge = cv2.dilate((~compared).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    count, labels = cv2.connectedComponents(flat.astype(np.uint8), connectivity=8)
    touching = np.unique(labels[edge & flat])
    return np.isin(labels, touching[touching > 0])


def _regions(
    changed: np.ndarray, heat: np.ndarray, compared: np.ndarray, query: DecodedImage, alignment: Alignment
) -> list[ChangedRegion]:
    area = max(int(compared.sum()), 1)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(changed.astype(np.uint8), connectivity=8)
    regions = []
    for label in range(1, count):
        x, y, w, h, pixels = stats[label]
        if pixels < MIN_REGION_FRACTION * area:
            continue
        box = _to_full((x, y, w, h), query)
        regions.append(
            ChangedRegion(
                box=box,
                reference_box=_reference_box(box, alignment),
                area_fraction=round(pixels / area, 4),
                strength=round(float(heat[labels == label].mean()), 1),
            )
        )
    return sorted(regions, key=lambda r: -r.area_fraction)


def _to_full(box: tuple[int, int, int, int], image: DecodedImage) -> tuple[int, int, int, int]:
    x, y, w, h = box
    scale = image.scale
    left, top = max(0, round(x / scale)), max(0, round(y / scale))
    right, bottom = min(image.width, round((x + w) / scale)), min(image.height, round((y + h) / scale))
    return left, top, right - left, bottom - top


def _reference_box(box: tuple[int, int, int, int], alignment: Alignment) -> tuple[int, int, int, int]:
    x, y, w, h = box
    corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)
    mapped = corners @ alignment.matrix[:, :2].T + alignment.matrix[:, 2]
    (left, top), (right, bottom) = mapped.min(axis=0), mapped.max(axis=0)
    return round(left), round(top), round(right - left), round(bottom - top)
