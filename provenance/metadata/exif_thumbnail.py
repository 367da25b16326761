"""The EXIF thumbnail compared with the picture it travels with.

Cameras write a small preview into the EXIF block; many editors change the picture
but leave the old preview behind. A thumbnail that shows something else than the
image, or the same scene with other proportions, is a classic trace of editing.
"""

from __future__ import annotations

import io
import warnings
from typing import Literal

import cv2
import numpy as np
from PIL import Image
from pydantic import BaseModel, Field

from hashes import DecodedImage

_SIDE = 32
MATCH_CORRELATION = 0.85
"""Correlation of the two 32x32 greyscale pictures above which the thumbnail shows the image."""
DIFFERENT_CORRELATION = 0.5
"""Below this the thumbnail shows another picture."""
_ASPECT_TOLERANCE = 0.06
_MAX_THUMBNAIL_BYTES = 512 * 1024


class ThumbnailCheck(BaseModel):
    width: int | None = None
    height: int | None = None
    correlation: float | None = Field(default=None, description="-1..1 between thumbnail and image (32x32 grey)")
    aspect_ratio_differs: bool = False
    outcome: Literal["matches", "differs", "different_picture", "unreadable", "not_compared"] = "not_compared"
    note: str = ""


def compare_thumbnail(thumbnail: bytes, image: DecodedImage | None) -> ThumbnailCheck:
    """Never raises: an unreadable thumbnail is reported as such."""
    if len(thumbnail) > _MAX_THUMBNAIL_BYTES:
        return ThumbnailCheck(outcome="unreadable", note="The EXIF thumbnail is implausibly large; not decoded.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            picture = Image.open(io.BytesIO(thumbnail), formats=("JPEG",))
            if picture.width * picture.height > 4_000_000:
                raise ValueError("thumbnail too large")
            grey = np.asarray(picture.convert("L"), dtype=np.float32)
    except Exception as exc:  # Pillow raises many kinds on a damaged preview
        note = f"The EXIF thumbnail could not be decoded ({type(exc).__name__})."
        return ThumbnailCheck(outcome="unreadable", note=note)
    check = ThumbnailCheck(width=int(grey.shape[1]), height=int(grey.shape[0]))
    if image is None:
        return check
    grey = _trim_borders(grey)
    main = cv2.cvtColor(image.pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
    best, best_shape = -1.0, grey.shape
    for variant in _dihedral(grey):
        correlation = _correlation(variant, main)
        if correlation > best:
            best, best_shape = correlation, variant.shape
    check.correlation = round(best, 3)
    thumb_aspect = best_shape[1] / best_shape[0]
    main_aspect = main.shape[1] / main.shape[0]
    check.aspect_ratio_differs = abs(thumb_aspect / main_aspect - 1) > _ASPECT_TOLERANCE
    if best >= MATCH_CORRELATION and not check.aspect_ratio_differs:
        check.outcome, check.note = "matches", "The EXIF thumbnail shows the same picture."
    elif best < DIFFERENT_CORRELATION:
        check.outcome = "different_picture"
        check.note = (
            "The EXIF thumbnail shows a different picture from the image: the image was probably edited or "
            "replaced after the thumbnail was written (a classic sign of editing, not proof on its own)."
        )
    else:
        check.outcome = "differs"
        shape = " and other proportions (a crop)" if check.aspect_ratio_differs else ""
        check.note = f"The EXIF thumbnail resembles the image but differs from it (correlation {best:.2f}{shape})."
    return check


def _trim_borders(grey: np.ndarray) -> np.ndarray:
    """Cameras letterbox previews to 160x120; drop uniform black or white bars."""
    rows = np.where((grey.mean(axis=1) > 8) & (grey.mean(axis=1) < 247) | (grey.std(axis=1) > 4))[0]
    cols = np.where((grey.mean(axis=0) > 8) & (grey.mean(axis=0) < 247) | (grey.std(axis=0) > 4))[0]
    if len(rows) < 4 or len(cols) < 4:
        return grey
    return grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _dihedral(grey: np.ndarray):
    for turned in (grey, np.rot90(grey, 1), np.rot90(grey, 2), np.rot90(grey, 3)):
        yield turned
        yield turned[:, ::-1]


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    small_a = cv2.resize(np.ascontiguousarray(a), (_SIDE, _SIDE), interpolation=cv2.INTER_AREA).ravel()
    small_b = cv2.resize(b, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA).ravel()
    small_a, small_b = small_a - small_a.mean(), small_b - small_b.mean()
    denominator = float(np.linalg.norm(small_a) * np.linalg.norm(small_b))
    return float(small_a @ small_b / denominator) if denominator > 1e-6 else 0.0
