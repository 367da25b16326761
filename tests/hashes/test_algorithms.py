"""Perceptual hashes, ORB keypoints and the one-call fingerprint."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from hashes import (
    ALGORITHMS,
    DIHEDRAL,
    CorruptImage,
    DecodeLimits,
    Keypoints,
    decode,
    extract_keypoints,
    fingerprint,
    hamming,
)
from tests.conftest import COPIES, ORIGINALS
from tests.images import encode

NAMES = ("Dune", "Elephants", "LadyBird", "Wood")
CLOSE = {"pdq": 31, "phash": 8}


def _original(name: str) -> Image.Image:
    return Image.open(ORIGINALS / f"{name}.jpg").convert("RGB")


def _pixels(image: Image.Image) -> np.ndarray:
    return decode(encode(image, "PNG")).pixels


def test_registry() -> None:
    assert {name: algorithm.bits for name, algorithm in ALGORITHMS.items()} == {"phash": 64, "dhash": 64, "pdq": 256}
    assert all(algorithm.name == name for name, algorithm in ALGORITHMS.items())


def test_hamming() -> None:
    assert hamming(b"\x00\x00", b"\x00\x00") == 0
    assert hamming(b"\xff\x00", b"\x00\x00") == 8
    assert hamming(b"\x01\x80", b"\x00\x00") == 2
    assert hamming(bytes(32), b"\xff" * 32) == 256


@pytest.mark.parametrize("name", NAMES)
def test_half_size_q40_copy_stays_close(name: str) -> None:
    original = _original(name)
    copy = original.resize((original.width // 2, original.height // 2))
    copy_pixels = decode(encode(copy, quality=40)).pixels
    original_pixels = _pixels(original)
    for algorithm, threshold in CLOSE.items():
        distance = hamming(ALGORITHMS[algorithm].compute(original_pixels), ALGORITHMS[algorithm].compute(copy_pixels))
        assert distance <= threshold, algorithm


@pytest.mark.parametrize(
    ("a", "b"),
    [("Dune", "Elephants"), ("Dune", "Wood"), ("LadyBird", "Wood"), ("Elephants", "LadyBird"), ("Dune", "storm")],
)
def test_different_photographs_are_far_apart(a: str, b: str) -> None:
    path = {"storm": COPIES / "storm_not_in_library.jpg"}
    first = decode((ORIGINALS / f"{a}.jpg").read_bytes()).pixels
    second = decode(path.get(b, ORIGINALS / f"{b}.jpg").read_bytes()).pixels
    pdq = ALGORITHMS["pdq"]
    assert hamming(pdq.compute(first), pdq.compute(second)) > 80


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("algorithm", sorted(CLOSE))
def test_mirrored_and_rotated_copies_match_their_dihedral_entry(name: str, algorithm: str) -> None:
    hasher, threshold = ALGORITHMS[algorithm], CLOSE[algorithm]
    original = _original(name)
    codes = dict(zip(DIHEDRAL, hasher.compute_dihedral(_pixels(original)), strict=True))
    mirrored = hasher.compute(decode(encode(ImageOps.mirror(original), quality=85)).pixels)
    rotated = hasher.compute(decode(encode(original.rotate(90, expand=True), quality=85)).pixels)
    assert hamming(codes["fliplr"], mirrored) <= threshold
    assert hamming(codes["rot90"], rotated) <= threshold  # PIL's rotate(90) is counter-clockwise, like np.rot90
    if algorithm == "pdq":
        assert hamming(codes["identity"], mirrored) > 80
        assert hamming(codes["identity"], rotated) > 80


def test_mirrored_fixture_matches_only_the_fliplr_entry() -> None:
    pdq = ALGORITHMS["pdq"]
    codes = pdq.compute_dihedral(_pixels(_original("LadyBird")))
    copy = pdq.compute(decode((COPIES / "ladybird_mirrored.webp").read_bytes()).pixels)
    distances = {variant: hamming(code, copy) for variant, code in zip(DIHEDRAL, codes, strict=True)}
    assert min(distances, key=distances.get) == "fliplr"
    assert distances["fliplr"] <= 31


def test_keypoints_bytes_round_trip() -> None:
    keypoints = extract_keypoints(decode((ORIGINALS / "Dune.jpg").read_bytes()), max_points=200)
    assert 0 < len(keypoints) <= 200
    data = keypoints.to_bytes()
    assert len(data) == len(keypoints) * (2 * 4 + 32)
    restored = Keypoints.from_bytes(data)
    np.testing.assert_array_equal(restored.points, keypoints.points)
    np.testing.assert_array_equal(restored.descriptors, keypoints.descriptors)
    assert restored.points.dtype == np.float32 and restored.descriptors.dtype == np.uint8
    assert len(Keypoints.from_bytes(b"")) == 0


def test_keypoints_are_in_full_resolution_coordinates() -> None:
    image = decode((ORIGINALS / "Dune.jpg").read_bytes(), DecodeLimits(working_size=400))
    assert image.pixels.shape[1] == 400 and image.width == 800
    points = extract_keypoints(image).points
    assert len(points) > 100
    assert (points >= 0).all()
    assert (points[:, 0] < image.width).all() and (points[:, 1] < image.height).all()
    assert points[:, 0].max() > 400  # beyond the working copy's width


def _good_matches(a: Keypoints, b: Keypoints) -> list[cv2.DMatch]:
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(a.descriptors, b.descriptors, k=2)
    return [first for first, second in pairs if first.distance < 0.75 * second.distance]


def test_mirrored_keypoints_describe_the_flip_in_unflipped_coordinates() -> None:
    original = _original("LadyBird")
    image = decode(encode(original, "PNG"))
    copy = extract_keypoints(decode(encode(ImageOps.mirror(original), quality=85)))
    mirrored = extract_keypoints(image, mirrored=True)
    assert len(_good_matches(copy, extract_keypoints(image))) < 100
    matches = _good_matches(copy, mirrored)
    assert len(matches) > 500
    in_copy = copy.points[[m.queryIdx for m in matches]]
    in_original = mirrored.points[[m.trainIdx for m in matches]]
    assert np.median(np.abs(in_original[:, 0] - (image.width - 1 - in_copy[:, 0]))) < 2
    assert np.median(np.abs(in_original[:, 1] - in_copy[:, 1])) < 2
    assert (mirrored.points[:, 0] >= 0).all() and (mirrored.points[:, 0] < image.width).all()


def _noise(width: int, height: int) -> Image.Image:
    return Image.fromarray(np.random.default_rng(1).integers(0, 256, (height, width, 3), dtype=np.uint8))


@pytest.mark.parametrize("image", [Image.new("RGB", (1, 1), (200, 10, 10)), _noise(300, 47)], ids=["1x1", "300x47"])
def test_images_too_small_for_orb_have_no_keypoints(image: Image.Image) -> None:
    keypoints = extract_keypoints(decode(encode(image, "PNG")))
    assert len(keypoints) == 0
    assert keypoints.points.shape == (0, 2) and keypoints.descriptors.shape == (0, 32)
    assert keypoints.to_bytes() == b""


def test_textured_image_48_pixels_high_has_keypoints() -> None:
    assert len(extract_keypoints(decode(encode(_noise(300, 48), "PNG")))) > 100


def test_fingerprint() -> None:
    data = (ORIGINALS / "Wood.jpg").read_bytes()
    result = fingerprint(data, DecodeLimits(working_size=512))
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.image.format == "JPEG" and max(result.image.pixels.shape[:2]) == 512
    assert result.hashes == {name: a.compute(result.image.pixels) for name, a in ALGORITHMS.items()}
    assert len(result.keypoints) > 100


def test_fingerprint_of_a_one_pixel_image() -> None:
    result = fingerprint(encode(Image.new("RGB", (1, 1), (200, 10, 10)), "PNG"))
    assert set(result.hashes) == set(ALGORITHMS)
    assert len(result.keypoints) == 0


def test_fingerprint_raises_decode_errors() -> None:
    with pytest.raises(CorruptImage):
        fingerprint(b"")
