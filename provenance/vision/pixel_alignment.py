"""Pixel (dense) alignment for pictures keypoints cannot pin down.

Smooth pictures (sky, fog, studio backdrops, gradient artwork) give ORB only corners of
compression noise, which do not repeat from one copy to the next. Their intensities,
though, vary smoothly, which is exactly what dense alignment needs: OpenCV's enhanced
correlation coefficient (ECC) fits an affine transform by maximising the correlation of
the two pictures, insensitive to brightness and contrast changes.

It is only asked about an original whose perceptual hashes are already close to the
copy's, and its fit must then correlate almost perfectly, so the two kinds of evidence
confirm each other. The same fit also polishes keypoint alignments (`refine`) when the
difference map finds something, so that it compares the two pictures pixel on pixel.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from hashes import DecodedImage
from provenance.vision.keypoint_alignment import Alignment, plausible, warp_reference

COARSE_SIDE = 256
"""Long side, in pixels, of the first fit: ECC converges there from a full-frame guess for
crops, rotations of a few degrees and pastes."""
FINE_SIDE = 512
"""Long side of the second fit: the few sharp edges of a smooth picture pin rotation and
scale down only at this finer size."""
ORIENTATION_SIDE = 32
MIN_CORRELATION = 0.97
"""Correlation the fit must reach. Measured on the evaluation's variants of
../shared/corpus/photos: true copies 0.984 to 1.0 (a gamma change, which is not linear in
brightness, lowest); the best fit of a wrong original up to 0.945, so the hash gate in
front of this is needed too."""
MIN_AGREEING = 0.75
"""Share of the copy's pixels that must agree: pastes and text may take the rest."""
OUTLIER_FACTOR = 3.0
"""A pixel disagrees when its residual exceeds this many times the median residual."""
MIN_OUTLIER_LEVEL = 20.0
"""...and exceeds this many grey levels (recompression alone leaves a few)."""
MAX_ZOOM = 8.0
"""Copy pixels per original pixel beyond which a pixel fit is not believed (a copy showing
less than 1/64 of the original's area at these sizes has too little to go on)."""
SIMILARITY_LOSS = 0.002
"""Correlation a rotation-and-scale fit may lose against the affine fit and still be preferred."""
_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-5)
MAX_REFINE_SHIFT = 0.04
"""Largest correction (a share of that frame's long side, at any corner) a polish may
make: beyond it the pixels are pulling toward something else (a large paste)."""
MIN_REFINE_GAIN = 0.3
"""Share of the misfit (1 - correlation) a polish must remove to be kept: a right
correction removes most of it; a few thousandths bought with a shear are the fit
trading geometry for a tone change it cannot otherwise explain."""
TONE_BINS = 32
"""Grey-level bins of the tone curve matched before a polish."""
REFINE_LEVELS = ((2, 50), (1, 10))
"""(shrink, most iterations) of each ECC round of a polish, coarse to fine: the half-size
round has the wide basin, the working size the precision that thin lines need. (A
quarter-size round first drifted on dune grass: it sees only the blades' blur.)"""


def align_pixels(query: DecodedImage, reference: DecodedImage) -> Alignment | None:
    """The transform taking the copy onto the original (a rotation and uniform scale
    unless only an affine one fits) when their pixels agree closely (see
    MIN_CORRELATION), else None. The copy may be turned, mirrored, cropped or framed."""
    coarse, fine = _Pair(query, reference, COARSE_SIDE), _Pair(query, reference, FINE_SIDE)
    best, second = _full_frame_guesses(coarse.copy, coarse.original)[:2]
    # The whole copy first (a crop is far from the full-frame guess, whose agreeing pixels
    # mean little); then only the pixels the guess explains (a large paste can drag the
    # first fit away); then the next best turn or mirror (a large paste can also make
    # the right one only second best at thumbnail size).
    for guess, masked in ((best, False), (best, True), (second, False)):
        found = _fit_from(guess, masked, coarse, fine)
        if found is not None:
            return found
    return None


def refine(query: DecodedImage, reference: DecodedImage, alignment: Alignment) -> Alignment:
    """A keypoint alignment polished by the pixels. Keypoints clustered on one part of
    the picture (a flower's heart, a face) fix the transform there and extrapolate it,
    slightly wrong, to the rest of the frame, where strong edges then differ by a pixel
    or two and look like edits. The original warped by the keypoint fit is registered
    onto the copy by ECC over the pixels that agree, coarse to fine (REFINE_LEVELS), and
    the small correction composed in; the alignment is kept as it was when the pixels
    do not agree clearly better."""
    warped, covered = warp_reference(reference, query, alignment)
    height, width = warped.shape[:2]
    if min(height, width) < 64:
        return alignment
    template = cv2.cvtColor(warped, cv2.COLOR_RGB2GRAY).astype(np.float32)
    copy = cv2.cvtColor(query.pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
    identity = np.eye(2, 3, dtype=np.float32)
    mask = _inner(_agreeing_pixels(copy, template, identity) & covered.astype(np.uint8))
    if mask.sum() < 0.25 * mask.size:
        return alignment
    template = _tone_matched(template, copy, mask > 0)
    before = _correlation(copy, template, mask)
    try:
        after, correction = _pyramid_fit(template, copy, mask)
    except cv2.error:
        return alignment
    moved = np.abs(_corners(template.shape) @ (correction[:, :2] - np.eye(2)).T + correction[:, 2]).max()
    if (1 - after) > (1 - MIN_REFINE_GAIN) * (1 - before) or moved > MAX_REFINE_SHIFT * max(height, width):
        return alignment
    # Frame pixels x show the original at matrix(x / scale); the copy shows them at correction(x).
    to_frame, to_full = np.diag([query.scale, query.scale, 1.0]), np.diag([1 / query.scale, 1 / query.scale, 1.0])
    back = np.vstack([cv2.invertAffineTransform(correction), [0, 0, 1]])
    matrix = (np.vstack([alignment.matrix, [0, 0, 1]]) @ to_full @ back @ to_frame)[:2]
    return replace(alignment, matrix=matrix) if plausible(matrix) else alignment


def _pyramid_fit(template: np.ndarray, copy: np.ndarray, mask: np.ndarray) -> tuple[float, np.ndarray]:
    """ECC from the identity, coarse to fine (REFINE_LEVELS): the correlation reached and
    the correction, in the full frame's pixels."""
    correction: np.ndarray = np.eye(2, 3, dtype=np.float32)
    previous, correlation = 1.0, 0.0
    for shrink, iterations in REFINE_LEVELS:
        size = (max(1, round(template.shape[1] / shrink)), max(1, round(template.shape[0] / shrink)))
        small_template, small_copy = (cv2.resize(p, size, interpolation=cv2.INTER_AREA) for p in (template, copy))
        level_mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
        start = _rescaled(correction, 1 / previous, 1 / shrink, 1 / previous, 1 / shrink).astype(np.float32)
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iterations, 1e-4)
        correlation, correction = cv2.findTransformECC(
            small_template, small_copy, start, cv2.MOTION_AFFINE, criteria, level_mask, 5
        )
        previous = shrink
    return correlation, correction


def _tone_matched(template: np.ndarray, copy: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The template's grey levels mapped to the copy's mean level for each (a tone curve),
    so that what is left between the two is geometry: ECC's correlation is blind to
    brightness and contrast, but not to gamma or clipped highlights. (The pixels are
    those that agree already, so a mean per level is as good as a median, and cheaper.)"""
    bins = np.clip((template[inside] * TONE_BINS / 256).astype(np.int32), 0, TONE_BINS - 1)
    counts = np.bincount(bins, minlength=TONE_BINS)
    sums = np.bincount(bins, weights=copy[inside], minlength=TONE_BINS)
    used = counts >= 20
    if used.sum() < 2:
        return template
    centres = (np.flatnonzero(used) + 0.5) * 256 / TONE_BINS
    return np.interp(template, centres, sums[used] / counts[used]).astype(np.float32)


def _correlation(copy: np.ndarray, template: np.ndarray, mask: np.ndarray) -> float:
    """Correlation of two pictures over the masked pixels (ECC's own measure)."""
    inside = mask > 0
    value = np.corrcoef(copy[inside], template[inside])[0, 1]
    return float(value) if np.isfinite(value) else -1.0


def _fit_from(guess: np.ndarray, masked: bool, coarse: _Pair, fine: _Pair) -> Alignment | None:
    """Coarse affine fits from one guess, a fine one, then a rotation-and-scale refit;
    the alignment if the pixels then agree closely enough."""
    # ECC warps its input onto its template: the original is the template, so the mask of
    # agreeing pixels lives in the copy, where pastes and captions are.
    to_copy = cv2.invertAffineTransform(guess)
    try:
        first_mask = coarse.agreeing(to_copy) if masked else np.ones(coarse.copy.shape, np.uint8)
        _, to_copy = coarse.fit(to_copy, first_mask)
        _, to_copy = coarse.fit(to_copy, coarse.agreeing(to_copy))
        to_copy = _rescaled(to_copy, coarse.original_scale, fine.original_scale, coarse.copy_scale, fine.copy_scale)
        correlation, to_copy = fine.fit(to_copy, fine.agreeing(to_copy))
        if not _credible(to_copy):
            return None
        correlation, to_copy = fine.fit_similarity(to_copy, fine.agreeing(to_copy), correlation)
    except cv2.error:
        return None  # ECC did not converge: the pictures do not correspond
    agreeing = fine.agreeing(to_copy)
    if correlation < MIN_CORRELATION or agreeing.mean() < MIN_AGREEING:
        return None
    matrix = _rescaled(cv2.invertAffineTransform(to_copy), fine.copy_scale, 1.0, fine.original_scale, 1.0)
    if not plausible(matrix):
        return None
    rows, columns = np.nonzero(agreeing)
    points = (np.stack([columns, rows], axis=1).astype(np.float32) + 0.5) / fine.copy_scale - 0.5
    return Alignment(matrix=matrix, inliers=0, matches=0, query_points=points, correlation=float(correlation))


class _Pair:
    """The copy and the original as float grey pictures with the same long side, and
    their pixels per full-resolution pixel."""

    def __init__(self, query: DecodedImage, reference: DecodedImage, side: int) -> None:
        self.copy, self.copy_scale = _small_grey(query, side)
        self.original, self.original_scale = _small_grey(reference, side)

    def fit(self, to_copy: np.ndarray, mask: np.ndarray) -> tuple[float, np.ndarray]:
        """One ECC fit of the original-to-copy transform over the masked copy pixels."""
        warp = to_copy.astype(np.float32)
        return cv2.findTransformECC(self.original, self.copy, warp, cv2.MOTION_AFFINE, _CRITERIA, _inner(mask), 5)

    def fit_similarity(
        self, to_copy: np.ndarray, mask: np.ndarray, affine_correlation: float
    ) -> tuple[float, np.ndarray]:
        """The affine fit refitted as a rotation at its mean scale, kept when it explains
        the pixels as well: a smooth picture barely constrains stretch and shear, so the
        affine fit drifts into them, while copies are scaled uniformly."""
        prepare, size = self._prepared_frame(to_copy)
        flags = cv2.INTER_AREA if abs(np.linalg.det(prepare[:, :2])) < 1 else cv2.INTER_LINEAR
        prepared = cv2.warpAffine(self.original, prepare, size, flags=flags)
        # What is left between the prepared original and the copy is a small rotation and a shift.
        remaining = _compose(to_copy, cv2.invertAffineTransform(prepare))
        u, _, vt = np.linalg.svd(remaining[:, :2])
        centre = np.array([size[0] / 2, size[1] / 2])
        rigid = np.hstack([u @ vt, (remaining[:, :2] @ centre + remaining[:, 2] - u @ vt @ centre)[:, None]])
        try:
            correlation, rigid = cv2.findTransformECC(
                prepared, self.copy, rigid.astype(np.float32), cv2.MOTION_EUCLIDEAN, _CRITERIA, _inner(mask), 5
            )
        except cv2.error:
            return affine_correlation, to_copy
        if correlation < affine_correlation - SIMILARITY_LOSS:
            return affine_correlation, to_copy
        return correlation, _compose(rigid, prepare)

    def _prepared_frame(self, to_copy: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """The original scaled by the fit's mean scale, mirrored like the copy and turned by
        the nearest quarter turn (ECC's rigid model only corrects rotations under 90 degrees):
        the transform to that frame and its size."""
        linear = to_copy[:, :2].astype(np.float64)
        determinant = float(np.linalg.det(linear))
        flip = np.diag([-1.0, 1.0]) if determinant < 0 else np.eye(2)
        turned = linear @ flip
        quarters = round(math.degrees(math.atan2(turned[1, 0], turned[0, 0])) / 90) % 4
        cos, sin = [(1, 0), (0, 1), (-1, 0), (0, -1)][quarters]
        prepared = math.sqrt(abs(determinant)) * np.array([[cos, -sin], [sin, cos]]) @ flip
        corners = _corners(self.original.shape) @ prepared.T
        shift = -corners.min(axis=0)
        extent = corners.max(axis=0) + shift
        return np.hstack([prepared, shift[:, None]]), (max(1, round(extent[0]) + 1), max(1, round(extent[1]) + 1))

    def agreeing(self, to_copy: np.ndarray) -> np.ndarray:
        return _agreeing_pixels(self.copy, self.original, to_copy)


def _small_grey(image: DecodedImage, side: int) -> tuple[np.ndarray, float]:
    """Float grey copy with long side `side` (or less), and its pixels per full-resolution pixel."""
    grey = cv2.cvtColor(np.ascontiguousarray(image.pixels), cv2.COLOR_RGB2GRAY)
    factor = min(1.0, side / max(grey.shape))
    size = (max(1, round(grey.shape[1] * factor)), max(1, round(grey.shape[0] * factor)))
    small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    return small, image.scale * size[0] / grey.shape[1]


def _full_frame_guesses(copy: np.ndarray, original: np.ndarray) -> list[np.ndarray]:
    """Copy-to-original transforms (2 x 3, small pixels) assuming the copy shows the whole
    original, for its eight turns and mirrors, best first by correlation at thumbnail size."""
    side = ORIENTATION_SIDE
    copy_thumb = cv2.resize(copy, (side, side), interpolation=cv2.INTER_AREA)
    original_thumb = cv2.resize(original, (side, side), interpolation=cv2.INTER_AREA).ravel()
    copy_corners = _corners(copy.shape)
    scored = []
    for turns in range(4):
        for mirrored in (False, True):
            order = np.roll(np.arange(4), turns)
            if mirrored:
                order = order[[1, 0, 3, 2]]
            guess = cv2.getAffineTransform(copy_corners[order[:3]], _corners(original.shape)[:3])
            on_thumbs = cv2.getAffineTransform(_corners((side, side))[order[:3]], _corners((side, side))[:3])
            view = cv2.warpAffine(copy_thumb, on_thumbs, (side, side)).ravel()
            score = float(np.corrcoef(view, original_thumb)[0, 1])
            scored.append((score if np.isfinite(score) else -1.0, guess.astype(np.float32)))
    scored.sort(key=lambda pair: -pair[0])
    return [guess for _, guess in scored]


def _corners(shape: tuple[int, ...]) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left pixel centres of an H x W array."""
    right, bottom = shape[1] - 1, shape[0] - 1
    return np.array([[0, 0], [right, 0], [right, bottom], [0, bottom]], np.float32)


def _agreeing_pixels(copy: np.ndarray, original: np.ndarray, to_copy: np.ndarray) -> np.ndarray:
    """uint8 mask of copy pixels the original covers and explains (after a linear tone
    fit), so a pasted object or a caption does not pull the fit off."""
    size = (copy.shape[1], copy.shape[0])
    warped = cv2.warpAffine(original, to_copy, size, flags=cv2.INTER_LINEAR)
    covered = cv2.warpAffine(np.ones_like(original), to_copy, size, flags=cv2.INTER_NEAREST) > 0
    if covered.sum() < 16:
        return np.zeros(copy.shape, np.uint8)
    seen, shown = warped[covered], copy[covered]
    spread = float(seen.var())
    gain = float(((seen - seen.mean()) * (shown - shown.mean())).mean()) / spread if spread > 1e-6 else 0.0
    residual = np.abs(copy - shown.mean() - gain * (warped - seen.mean()))
    limit = max(OUTLIER_FACTOR * float(np.median(residual[covered])), MIN_OUTLIER_LEVEL)
    return (covered & (residual < limit)).astype(np.uint8)


def _inner(mask: np.ndarray) -> np.ndarray:
    """The mask without its edge: at the copy's border, interpolation mixes in the void
    beyond it, which would tilt the fit."""
    return cv2.erode(mask, np.ones((5, 5), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0)


def _credible(to_copy: np.ndarray) -> bool:
    """A fit worth refining: a plausible transform that does not magnify the original past MAX_ZOOM."""
    return plausible(to_copy) and abs(float(np.linalg.det(to_copy[:, :2]))) <= MAX_ZOOM**2


def _compose(second: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The 2 x 3 affine transform applying `first`, then `second`."""
    return (np.vstack([second, [0, 0, 1]]) @ np.vstack([first, [0, 0, 1]]))[:2]


def _rescaled(
    warp: np.ndarray, source_scale: float, new_source: float, target_scale: float, new_target: float
) -> np.ndarray:
    """An affine transform between two pictures, for the same pictures at other sizes
    (scales are pixels per full-resolution pixel; pixel centres are kept)."""
    def resize(ratio: float) -> np.ndarray:
        return np.array([[ratio, 0, 0.5 * ratio - 0.5], [0, ratio, 0.5 * ratio - 0.5], [0, 0, 1]])

    matrix = np.vstack([warp.astype(np.float64), [0, 0, 1]])
    return (resize(new_target / target_scale) @ matrix @ resize(source_scale / new_source))[:2]
