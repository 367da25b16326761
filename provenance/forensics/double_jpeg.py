"""Double JPEG compression, read from the DCT coefficients against the file's own
quantisation tables.

Decoding a JPEG and taking the 8x8 DCT of its pixels on the same grid gives back the
quantised coefficients (up to rounding). A photo compressed once has smooth,
Laplacian-like histograms of those coefficients; compressed twice with different
tables, the histograms show periodic gaps or peaks (the first quantisation shows
through the second). Resizing or cropping off the grid between the two compressions
erases the trace, so its absence says little; its presence says the picture was saved
as JPEG at least twice (edited, or just re-saved).
"""

from __future__ import annotations

import numpy as np

_FREQUENCIES = ((0, 1), (1, 0), (1, 1), (0, 2), (2, 0), (1, 2), (2, 1), (2, 2))
_MAX_BLOCKS = 40_000
_RANGE = 24
"""Histogram bins -24..24 of quantised coefficient values."""


def _dct_matrix() -> np.ndarray:
    matrix = np.zeros((8, 8))
    for k in range(8):
        for n in range(8):
            matrix[k, n] = np.cos(np.pi * (2 * n + 1) * k / 16) * (np.sqrt(1 / 8) if k == 0 else np.sqrt(2 / 8))
    return matrix


_D = _dct_matrix()


def block_dct(luma: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """N x 8 x 8 DCT coefficients of (a sample of) the grid-aligned 8x8 blocks."""
    height, width = (luma.shape[0] // 8) * 8, (luma.shape[1] // 8) * 8
    blocks = luma[:height, :width].astype(np.float32) - 128.0
    blocks = blocks.reshape(height // 8, 8, width // 8, 8).transpose(0, 2, 1, 3).reshape(-1, 8, 8)
    if len(blocks) > _MAX_BLOCKS:
        rng = rng or np.random.default_rng(0)
        blocks = blocks[rng.choice(len(blocks), _MAX_BLOCKS, replace=False)]
    return np.einsum("ij,njk,lk->nil", _D, blocks, _D, optimize=True)


def periodicity(coefficients: np.ndarray, table: list[int]) -> tuple[float, list[float]]:
    """How far the histograms of quantised coefficients depart from smooth ones:
    0 for a smooth histogram, towards 1 when every other bin is empty."""
    q = np.asarray(table, dtype=np.float32).reshape(8, 8)
    scores: list[float] = []
    for row, col in _FREQUENCIES:
        step = max(1.0, float(q[row, col]))
        values = np.rint(coefficients[:, row, col] / step).astype(np.int64)
        values = values[(values != 0) & (np.abs(values) <= _RANGE)]
        if len(values) < 500:
            continue
        histogram = np.bincount(np.abs(values), minlength=_RANGE + 2)[1 : _RANGE + 1].astype(np.float64)
        if histogram.sum() < 500:
            continue
        scores.append(_irregularity(histogram))
    if not scores:
        return 0.0, []
    return float(np.median(scores)), scores


def _irregularity(histogram: np.ndarray) -> float:
    """Share of well-populated bins that are deep valleys or sharp peaks against both
    neighbours; a single compression's histogram falls off smoothly and has almost none."""
    odd = 0
    eligible = 0
    for k in range(1, len(histogram) - 1):
        neighbours = (histogram[k - 1] + histogram[k + 1]) / 2
        if neighbours < 40:
            continue
        eligible += 1
        ratio = histogram[k] / neighbours
        low, high = min(histogram[k - 1], histogram[k + 1]), max(histogram[k - 1], histogram[k + 1])
        if ratio < 0.5 or (histogram[k] > 1.5 * high) or (histogram[k] < 0.6 * low):
            odd += 1
    return odd / eligible if eligible >= 3 else 0.0
