"""Global (benign) edits of a verified copy: what was done to the whole picture."""

from __future__ import annotations

import cv2
import numpy as np

from hashes import DecodedImage
from provenance.check.library_view import Original
from provenance.metadata import MetadataChange
from provenance.report import Edit, Transform
from provenance.vision.keypoint_alignment import Alignment, warp_reference

SCALE_TOLERANCE = 0.03
CROP_TOLERANCE = 0.97
ROTATION_TOLERANCE_DEGREES = 1.0
MEAN_SHIFT_LEVELS = 6.0
"""Channel mean shift (of 255) beyond which colour counts as adjusted."""
CONTRAST_RATIO = 0.12
"""Relative change of luminance spread beyond which contrast counts as adjusted."""
SATURATION_RATIO = 0.08
GREY_CHROMA = 2.0
"""Mean |R-G| + |G-B| below which an image is greyscale."""
COLOUR_FRAME = 128
"""Colour grading is a low-frequency change: comparing small area-averaged frames
ignores the texture that recompression and resizing smooth away."""


def describe_transform(alignment: Alignment, query: DecodedImage, original: Original) -> Transform:
    corners = alignment.footprint(query.width, query.height)
    x0, y0 = np.clip(corners.min(axis=0), 0, [original.width, original.height])
    x1, y1 = np.clip(corners.max(axis=0), 0, [original.width, original.height])
    visible = (x1 - x0) * (y1 - y0) / (original.width * original.height)
    return Transform(
        crop_box=[round(x0), round(y0), round(x1 - x0), round(y1 - y0)],
        visible_fraction=round(float(visible), 4),
        scale=round(alignment.scale, 4),
        rotation=round(alignment.rotation, 1),
        mirrored=alignment.mirrored,
        inliers=alignment.inliers,
        distortion=round(alignment.distortion, 3),
        method="keypoints" if alignment.correlation is None else "pixels",
        correlation=None if alignment.correlation is None else round(alignment.correlation, 4),
    )


def global_edits(
    query: DecodedImage,
    original: Original,
    transform: Transform | None,
    colour: list[Edit],
    metadata_diff: list[MetadataChange],
) -> list[Edit]:
    edits: list[Edit] = []
    if query.format != original.format:
        edits.append("format_changed")
    if query.is_lossy:
        edits.append("recompressed")
    if transform is not None:
        if abs(transform.scale - 1.0) > SCALE_TOLERANCE:
            edits.append("resized")
        if transform.visible_fraction < CROP_TOLERANCE:
            edits.append("cropped")
        if transform.mirrored:
            edits.append("mirrored")
        if abs(transform.rotation) > ROTATION_TOLERANCE_DEGREES:
            edits.append("rotated")
    elif (query.width, query.height) != (original.width, original.height):
        edits.append("resized")
    edits.extend(colour)
    if any(change.change == "stripped" for change in metadata_diff):
        edits.append("metadata_stripped")
    return edits


def colour_edits(query: DecodedImage, reference: DecodedImage, alignment: Alignment) -> list[Edit]:
    """Compare the copy with the original warped onto it, over the pixels both show."""
    warped, mask = warp_reference(reference, query, alignment, long_side=COLOUR_FRAME * 4)
    size = (mask.shape[1] // 4, mask.shape[0] // 4)
    if min(size) < 4:
        return []
    warped = cv2.resize(warped, size, interpolation=cv2.INTER_AREA)
    mask = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.99
    if mask.sum() < 0.05 * mask.size:
        return []
    copy_small = cv2.resize(query.pixels, size, interpolation=cv2.INTER_AREA)
    copy_pixels = copy_small[mask].astype(np.float32)
    original_pixels = warped[mask].astype(np.float32)
    copy_chroma, original_chroma = _chroma(copy_pixels), _chroma(original_pixels)
    if copy_chroma < GREY_CHROMA <= original_chroma:
        return ["greyscale"]
    mean_shift = np.abs(copy_pixels.mean(axis=0) - original_pixels.mean(axis=0)).max()
    contrast = _luma(copy_pixels).std() / max(_luma(original_pixels).std(), 1.0)
    saturation_shift = abs(copy_chroma - original_chroma)
    if (
        mean_shift > MEAN_SHIFT_LEVELS
        or abs(contrast - 1.0) > CONTRAST_RATIO
        or saturation_shift > max(SATURATION_RATIO * original_chroma, GREY_CHROMA)
    ):
        return ["color_adjusted"]
    return []


def _chroma(pixels: np.ndarray) -> float:
    return float(np.abs(pixels[:, 0] - pixels[:, 1]).mean() + np.abs(pixels[:, 1] - pixels[:, 2]).mean())


def _luma(pixels: np.ndarray) -> np.ndarray:
    return pixels @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
