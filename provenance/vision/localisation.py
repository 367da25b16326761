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
from provenance.vision.keypoint_alignment import Alignment, warp_reference

MIN_LEVEL = 22.0
"""Smallest difference (of 255) that counts, whatever the noise."""
NOISE_FACTOR = 5.0
"""Differences above the median by this many robust deviations count."""
LOW_LEVEL = 9.0
LOW_NOISE_FACTOR = 3.0
"""Fainter differences count where they connect to ones that count on their own."""
MIN_REGION_FRACTION = 0.002
"""Regions smaller than this share of the overlap are noise."""
MIN_REGION_STRENGTH = MIN_LEVEL
"""Mean difference (levels) from which a region counts wherever it is and whatever its
size: the level at which a single pixel counts."""
MIN_FAINT_STRENGTH = 12.0
MIN_FAINT_FRACTION = 0.01
"""A fainter region counts when it covers this share of the overlap away from its edge."""
BORDER = 4
"""Working pixels along the original's warped edge that are not compared."""
FLAT_LEVELS = 4.0
"""Local standard deviation (5 x 5, of 255) below which a copy's pixel is flat."""
FIT_PIXELS = 20_000
"""Pixels sampled for the colour fit: plenty for 48 coefficients."""
CURVE_KNOTS = (0.2, 0.4, 0.6, 0.8)
COLOUR_BOX = 24
MIN_BOX_PIXELS = 5
FIT_ROUNDS = 2
FIT_RESIDUAL_FACTOR = 3.0
FIT_MIN_RESIDUAL = 6.0
"""Later refits keep pixels within this many median residuals (of the pixels kept so
far, and at least these levels) of the previous fit."""
IDENTITY_PRIOR = 1e-6
"""Weight, per unit of fitted weight, pulling the colour map toward no change. The curve
features are collinear over any colour range the fit lacks (with no pixel darker than
the first knot, its hinge is the flat term minus a constant), so without a prior the fit
may send colours it never saw anywhere (a clock's black hands came out cyan). Tiny on
purpose: it settles only what the pixels leave free (a few green pixels must still be
able to say the copy is greyscale)."""


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
    """Least-squares map from the original's colours (through tone-curve features) to the
    copy's. It is fitted to the median copy colour of each small box of original colours,
    so pasted content, borders or caption bars (a minority within any box) do not pull
    it, while rare colours (a small red bird on grey) count as much as common ones;
    then refitted on the pixels it explains, to settle on the exact curve."""
    step = max(1, int(np.sqrt(mask.sum() / FIT_PIXELS)))
    sample = np.zeros_like(mask)
    sample[::step, ::step] = mask[::step, ::step]
    rows, targets = _colour_features(original[sample]), copy[sample]
    if len(rows) < 50:
        return original
    box_rows, box_targets, box_weights = _colour_box_medians(original[sample], rows, targets)
    coefficients = _fit_near_identity(box_rows, box_targets, box_weights)
    for _ in range(FIT_ROUNDS):
        residual = np.abs(rows @ coefficients - targets).max(axis=1)
        keep = residual <= max(FIT_MIN_RESIDUAL, FIT_RESIDUAL_FACTOR * float(np.median(residual)))
        if keep.sum() < 50:
            break
        coefficients = _fit_near_identity(rows[keep], targets[keep], np.ones(int(keep.sum()), np.float32))
    return _apply_colour_map(original, coefficients)


def _fit_near_identity(rows: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted least squares with a ridge toward the identity map (see IDENTITY_PRIOR):
    what the pixels constrain is fitted, what they leave free stays unchanged. Solved by
    its normal equations (16 x 16), which the ridge keeps well conditioned."""
    identity = np.zeros((rows.shape[1], 3), np.float64)
    identity[[0, 1, 2], [0, 1, 2]] = 255.0
    squared = weights.astype(np.float64) ** 2
    weighted = rows.astype(np.float64) * squared[:, None]
    prior = IDENTITY_PRIOR * float(squared.sum())
    gram = weighted.T @ rows + prior * np.eye(rows.shape[1])
    return np.linalg.solve(gram, weighted.T @ targets + prior * identity)


def _apply_colour_map(original: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """The fitted map is a sum of one curve per input channel, so it is applied as
    256-entry lookup tables (OpenCV's LUT, on rounded levels) instead of a product per pixel."""
    levels = np.repeat(np.arange(256, dtype=np.float32)[:, None], 3, axis=1)
    table = _colour_features(levels)
    planes = cv2.split(np.clip(np.rint(original), 0, 255).astype(np.uint8))
    outputs = []
    for output in range(3):
        total = np.full(original.shape[:2], coefficients[-1, output], np.float32)
        for channel, plane in enumerate(planes):
            columns = [index for index in range(table.shape[1] - 1) if index % 3 == channel]
            curve = (table[:, columns] @ coefficients[columns, output]).astype(np.float32).reshape(1, 256)
            total += cv2.LUT(plane, curve)
        outputs.append(total)
    return np.clip(cv2.merge(outputs), 0, 255)


def _colour_box_medians(
    colours: np.ndarray, rows: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per box of original colours (COLOUR_BOX levels a side) with enough pixels: the mean
    features, the median copy colour, and a weight growing with the square root of the count."""
    boxes = (colours // COLOUR_BOX).astype(np.int32)
    keys = (boxes[:, 0] * 64 + boxes[:, 1]) * 64 + boxes[:, 2]
    order = np.argsort(keys, kind="stable")
    keys, rows, targets = keys[order], rows[order], targets[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    chosen = [(start, end) for start, end in zip(starts, ends, strict=True) if end - start >= MIN_BOX_PIXELS]
    box_rows = np.array([rows[start:end].mean(axis=0) for start, end in chosen])
    box_targets = np.array([np.median(targets[start:end], axis=0) for start, end in chosen])
    weights = np.sqrt([end - start for start, end in chosen])
    return box_rows, box_targets, weights


def _colour_features(pixels: np.ndarray) -> np.ndarray:
    """Per-channel piecewise-linear curves (hinges at CURVE_KNOTS) plus a constant: any
    mix of per-channel tone curves (levels, gamma, contrast with clipping) and linear
    channel mixing (saturation, greyscale) is a linear function of these."""
    flat = pixels.reshape(-1, 3) / 255.0
    hinges = [np.maximum(flat - knot, 0) for knot in CURVE_KNOTS]
    return np.hstack([flat, *hinges, np.ones((len(flat), 1), np.float32)]).astype(np.float32)


def _envelope_difference(copy: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    kernel = np.ones((3, 3), np.uint8)
    high = cv2.dilate(predicted, kernel)
    low = cv2.erode(predicted, kernel)
    outside = cv2.max(cv2.subtract(copy, high), cv2.subtract(low, copy))
    red, green, blue = cv2.split(outside)
    return np.maximum(cv2.max(cv2.max(red, green), blue), 0)


def _changed_mask(heat: np.ndarray, compared: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    smooth = cv2.GaussianBlur(heat, (0, 0), 2.0)
    values = smooth[compared]
    if values.size == 0:
        return np.zeros_like(compared)
    median = float(np.median(values))
    deviation = float(np.median(np.abs(values - median))) * 1.4826
    threshold = max(MIN_LEVEL, median + NOISE_FACTOR * deviation)
    low = max(LOW_LEVEL, median + LOW_NOISE_FACTOR * deviation)
    side = max(3, round(max(heat.shape) / 150))
    allowed = (smooth > low) & compared
    allowed &= ~_added_frame(allowed, compared, pixels, side)
    changed = _grow((smooth > threshold) & allowed, allowed)
    changed = cv2.morphologyEx(changed.astype(np.uint8), cv2.MORPH_OPEN, np.ones((side, side), np.uint8))
    changed = cv2.morphologyEx(changed, cv2.MORPH_CLOSE, np.ones((3 * side, 3 * side), np.uint8))
    return changed.astype(bool) & compared


def _grow(seeds: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Hysteresis: the connected parts of `allowed` that hold a seed. A pasted patch
    that resembles what it covers differs strongly only here and there, but faintly
    all over; noise differs faintly too, but never strongly over an area."""
    _, labels = cv2.connectedComponents(allowed.astype(np.uint8), connectivity=8)
    seeded = np.unique(labels[seeds & allowed])
    return np.isin(labels, seeded[seeded > 0])


def _added_frame(candidates: np.ndarray, compared: np.ndarray, pixels: np.ndarray, side: int) -> np.ndarray:
    """Flat changed pixels connected to the edge of the compared area: borders, caption
    bars and app chrome laid over where the original reaches, with the seam (`side`
    pixels wide) where they meet the photo. A removal or paste inside the picture does
    not reach the edge through flat pixels."""
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mean = cv2.blur(grey, (5, 5))
    spread = np.sqrt(np.maximum(cv2.blur(grey * grey, (5, 5)) - mean * mean, 0))
    flat = candidates & (spread < FLAT_LEVELS)
    edge = cv2.dilate((~compared).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    _, labels = cv2.connectedComponents(flat.astype(np.uint8), connectivity=8)
    touching = np.unique(labels[edge & flat])
    frame = np.isin(labels, touching[touching > 0]).astype(np.uint8)
    return (cv2.dilate(frame, np.ones((2 * side + 1,) * 2, np.uint8)) > 0) & candidates


def _regions(
    changed: np.ndarray, heat: np.ndarray, compared: np.ndarray, query: DecodedImage, alignment: Alignment
) -> list[ChangedRegion]:
    area = max(int(compared.sum()), 1)
    outside = np.pad(~compared, 1, constant_values=True)
    edge = (cv2.dilate(outside.astype(np.uint8), np.ones((2 * BORDER + 1,) * 2, np.uint8)) > 0)[1:-1, 1:-1]
    count, labels, stats, _ = cv2.connectedComponentsWithStats(changed.astype(np.uint8), connectivity=8)
    regions = []
    for label in range(1, count):
        x, y, w, h, pixels = stats[label]
        strength = float(heat[labels == label].mean())
        if pixels < MIN_REGION_FRACTION * area or not _convincing(strength, pixels / area, edge[labels == label].any()):
            continue
        box = _to_full((x, y, w, h), query)
        regions.append(
            ChangedRegion(
                box=box,
                reference_box=box_in_reference(box, alignment),
                area_fraction=round(pixels / area, 4),
                strength=round(strength, 1),
            )
        )
    return sorted(regions, key=lambda r: -r.area_fraction)


def _convincing(strength: float, fraction: float, at_edge: bool) -> bool:
    """Strong regions count; a faint one only over a substantial area inside the overlap
    (a patch that resembles what it covers). Faint specks, and faint areas along the
    overlap's edge, where a slight misfit of the transform shows most, are not edits."""
    if strength >= MIN_REGION_STRENGTH:
        return True
    return strength >= MIN_FAINT_STRENGTH and fraction >= MIN_FAINT_FRACTION and not at_edge


def _to_full(box: tuple[int, int, int, int], image: DecodedImage) -> tuple[int, int, int, int]:
    x, y, w, h = box
    scale = image.scale
    left, top = max(0, round(x / scale)), max(0, round(y / scale))
    right, bottom = min(image.width, round((x + w) / scale)), min(image.height, round((y + h) / scale))
    return left, top, right - left, bottom - top


def box_in_reference(box: tuple[int, int, int, int], alignment: Alignment) -> tuple[int, int, int, int]:
    """The bounding box, in the original's pixels, of a box in the checked image's."""
    x, y, w, h = box
    corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)
    mapped = corners @ alignment.matrix[:, :2].T + alignment.matrix[:, 2]
    (left, top), (right, bottom) = mapped.min(axis=0), mapped.max(axis=0)
    return round(left), round(top), round(right - left), round(bottom - top)
