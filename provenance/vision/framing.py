"""Where the picture sits inside a frame: borders, caption bars, the chrome of a screenshot.

A copy shown inside such a frame hashes like neither the original nor anything else;
the part inside the frame hashes like the original again. Pictures rich in keypoints
are found through the frame by local features anyway; smooth pictures are not.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hashes import DecodedImage

UNIFORM_SHARE = 0.95
"""A row (or column) with this share of its pixels in one colour starts or continues a frame."""
TEXT_SHARE = 0.5
"""A row with this share in the frame's colour continues it: text on a caption bar or a
header covers the rest."""
COLOUR_TOLERANCE = 8
"""Levels (per channel) within which pixels count as one colour."""
MIN_CONTENT = 0.3
"""The part inside the frame keeps at least this share of each side, else it is no frame."""

Box = tuple[int, int, int, int]


def content_box(image: DecodedImage) -> Box | None:
    """(x, y, w, h) in full-resolution pixels of the part inside uniform margins, or None
    when no side has one. Rows are trimmed, then columns, twice: a caption bar below
    the picture spans the whole width, side margins only the height left between them."""
    pixels = image.pixels
    height, width = pixels.shape[:2]
    top, bottom, left, right = 0, height, 0, width
    for _ in range(2):
        top, bottom = _trim(pixels[:, left:right], top, bottom)
        left, right = _trim(pixels[top:bottom].transpose(1, 0, 2), left, right)
    if (top, bottom, left, right) == (0, height, 0, width):
        return None
    if bottom - top < MIN_CONTENT * height or right - left < MIN_CONTENT * width:
        return None
    scale = image.scale
    return (round(left / scale), round(top / scale), round((right - left) / scale), round((bottom - top) / scale))


def cropped(image: DecodedImage, box: Box) -> DecodedImage:
    """The image cut to a box given in its full-resolution pixels."""
    scale = image.scale
    x, y, w, h = box
    pixels = image.pixels[round(y * scale) : round((y + h) * scale), round(x * scale) : round((x + w) * scale)]
    return replace(image, pixels=np.ascontiguousarray(pixels), width=w, height=h)


def _trim(pixels: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """First and last-plus-one row of pixels[start:end] that is not frame, scanning in from both ends."""
    rows = pixels[start:end]
    first, last = _frame_depth(rows), len(rows) - _frame_depth(rows[::-1])
    return (start + first, start + last) if first < last else (start, end)


def _frame_depth(rows: np.ndarray) -> int:
    """How many rows, from the first on, belong to a frame."""
    colour = None
    for index, row in enumerate(rows):
        dominant = np.median(row, axis=0)
        if _share(row, dominant) >= UNIFORM_SHARE:
            colour = dominant
        elif colour is None or _share(row, colour) < TEXT_SHARE:
            return index
    return len(rows)


def _share(row: np.ndarray, colour: np.ndarray) -> float:
    """Share of a row's pixels within COLOUR_TOLERANCE of a colour."""
    return float((np.abs(row.astype(np.int16) - colour.astype(np.int16)).max(axis=1) <= COLOUR_TOLERANCE).mean())
