"""Global edits and the described transform, from images and alignments built in memory."""

from __future__ import annotations

import numpy as np
import pytest

from hashes import DecodedImage
from provenance.check.edits import colour_edits, describe_transform, global_edits
from provenance.check.library_view import Original
from provenance.metadata import ImageMetadata, MetadataChange
from provenance.report import Transform
from provenance.vision.keypoint_alignment import Alignment

ORIGINAL = Original(
    id=1,
    external_id="AFP-1",
    source="AFP",
    format="JPEG",
    width=400,
    height=300,
    sha256="0" * 64,
    metadata=ImageMetadata(),
)
STRIPPED = MetadataChange(field="byline", original="Jane Doe", copy_value=None, change="stripped")


def _image(pixels: np.ndarray, fmt: str = "JPEG") -> DecodedImage:
    return DecodedImage(pixels=pixels, format=fmt, width=pixels.shape[1], height=pixels.shape[0])


def _alignment(matrix: list[list[float]], correlation: float | None = None) -> Alignment:
    return Alignment(np.array(matrix), inliers=120, matches=150, query_points=np.zeros((0, 2)), correlation=correlation)


def _transform(**fields: object) -> Transform:
    values: dict[str, object] = {"crop_box": [0, 0, 400, 300], "visible_fraction": 1.0, "scale": 1.0}
    return Transform.model_validate(values | {"rotation": 0.0, "mirrored": False, "inliers": 120} | fields)


def _photo(seed: int = 0) -> np.ndarray:
    """A colourful picture with texture: gradients and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:300, 0:400]
    pixels = np.stack([x * 0.5 + 30, y * 0.6 + 40, (x + y) * 0.25 + 50], axis=2)
    return np.clip(pixels + rng.normal(0, 12, pixels.shape), 0, 255).astype(np.uint8)


def test_a_half_size_copy_showing_the_left_half_is_scaled_and_cropped() -> None:
    copy = _image(np.zeros((150, 100, 3), np.uint8))
    transform = describe_transform(_alignment([[2, 0, 0], [0, 2, 0]]), copy, ORIGINAL)
    assert transform.crop_box == [0, 0, 200, 300] and transform.visible_fraction == 0.5
    assert (transform.scale, transform.rotation, transform.mirrored) == (0.5, 0.0, False)
    assert (transform.method, transform.correlation, transform.inliers) == ("keypoints", None, 120)


def test_a_mirrored_pixel_alignment_is_described_as_such() -> None:
    alignment = _alignment([[-1, 0, 400], [0, 1, 0]], correlation=0.91234)
    transform = describe_transform(alignment, _image(np.zeros((300, 400, 3), np.uint8)), ORIGINAL)
    assert transform.mirrored and transform.visible_fraction == 1.0
    assert (transform.method, transform.correlation) == ("pixels", 0.9123)


@pytest.mark.parametrize(
    ("transform", "expected"),
    [
        (_transform(), []),
        (_transform(scale=0.5), ["resized"]),
        (_transform(visible_fraction=0.9), ["cropped"]),
        (_transform(mirrored=True, rotation=90.0), ["mirrored", "rotated"]),
        (_transform(scale=1.02, visible_fraction=0.98, rotation=0.5), []),
    ],
)
def test_geometric_edits_come_from_the_transform_within_tolerances(transform: Transform, expected: list[str]) -> None:
    copy = _image(np.zeros((300, 400, 3), np.uint8), fmt="PNG")
    assert global_edits(copy, ORIGINAL, transform, [], []) == ["format_changed", *expected]


def test_format_recompression_colour_and_metadata_edits_come_in_order() -> None:
    copy = _image(np.zeros((300, 400, 3), np.uint8), fmt="WEBP")
    edits = global_edits(copy, ORIGINAL, _transform(scale=0.5), ["color_adjusted"], [STRIPPED])
    assert edits == ["format_changed", "recompressed", "resized", "color_adjusted", "metadata_stripped"]


def test_without_a_transform_only_a_different_size_tells_a_resize() -> None:
    smaller, same_size = _image(np.zeros((150, 200, 3), np.uint8)), _image(np.zeros((300, 400, 3), np.uint8))
    assert global_edits(smaller, ORIGINAL, None, [], []) == ["recompressed", "resized"]
    assert global_edits(same_size, ORIGINAL, None, [], []) == ["recompressed"]


def test_colour_edits_compare_the_aligned_pixels() -> None:
    original, identity = _image(_photo()), _alignment([[1, 0, 0], [0, 1, 0]])
    assert colour_edits(_image(_photo()), original, identity) == []
    brighter = np.clip(_photo().astype(np.int16) + 30, 0, 255).astype(np.uint8)
    assert colour_edits(_image(brighter), original, identity) == ["color_adjusted"]
    grey = np.repeat(_photo().mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    assert colour_edits(_image(grey), original, identity) == ["greyscale"]
