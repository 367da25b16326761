"""Every registered signal keeps the promises the check relies on (as imagehash's
tests/utils.py and perception's test_image_hasher_integrity check every hasher)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hashes import ALGORITHMS, DIHEDRAL, KEYPOINT_SIGNAL, KEYPOINTS, SEARCHED, HashAlgorithm, decode, hamming
from tests.conftest import COPIES, ORIGINALS
from tests.images import encode

SIGNALS = sorted(ALGORITHMS)
UNRELATED = [("Dune", "Elephants"), ("LadyBird", "Wood"), ("Elephants", "storm")]


def _pixels(name: str) -> np.ndarray:
    path = COPIES / "storm_not_in_library.jpg" if name == "storm" else ORIGINALS / f"{name}.jpg"
    return decode(encode(Image.open(path).convert("RGB"), "PNG")).pixels


def _tightest(algorithm: HashAlgorithm) -> int:
    declared = [d for d in (algorithm.match_distance, algorithm.close_distance, algorithm.candidate_distance) if d]
    if not declared:
        pytest.skip(f"{algorithm.name} declares no distance")
    return declared[0]


def _loosest(algorithm: HashAlgorithm) -> int:
    declared = [d for d in (algorithm.candidate_distance, algorithm.close_distance, algorithm.match_distance) if d]
    if not declared:
        pytest.skip(f"{algorithm.name} declares no distance")
    return declared[0]


@pytest.mark.parametrize("name", SIGNALS)
def test_declarations(name: str) -> None:
    algorithm = ALGORITHMS[name]
    assert algorithm.name == name and algorithm.bits % 8 == 0 and algorithm.index == "hamming"
    declared = [d for d in (algorithm.match_distance, algorithm.close_distance, algorithm.candidate_distance) if d]
    assert declared == sorted(declared), "match <= close <= candidate"
    assert all(0 < d < algorithm.bits / 2 for d in declared), "unrelated pictures sit near bits / 2"


def test_searching_signals_are_listed_longest_first() -> None:
    assert [a.name for a in SEARCHED] == [
        a.name for a in sorted(ALGORITHMS.values(), key=lambda a: -a.bits) if a.candidate_distance is not None
    ]


@pytest.mark.parametrize("name", SIGNALS)
def test_code_length_is_the_declared_bits_and_deterministic(name: str) -> None:
    algorithm = ALGORITHMS[name]
    pixels = _pixels("Dune")
    code = algorithm.compute(pixels)
    assert isinstance(code, bytes) and len(code) * 8 == algorithm.bits
    assert code != bytes(len(code))
    assert algorithm.compute(pixels.copy()) == code
    assert algorithm.compute_dihedral(pixels) == algorithm.compute_dihedral(pixels.copy())


@pytest.mark.parametrize("name", SIGNALS)
def test_eight_dihedral_codes_in_dihedral_order(name: str) -> None:
    """Each of the eight codes is closest to the hash of its own transform of the pixels.

    For PDQ the dihedral codes are not bit-identical to hashing the transformed pixels
    (up to ~28 bits apart on these photos for transforms that reverse columns)."""
    algorithm = ALGORITHMS[name]
    pixels = _pixels("Wood")
    transforms = {
        "identity": pixels,
        "rot90": np.rot90(pixels, 1),
        "rot180": np.rot90(pixels, 2),
        "rot270": np.rot90(pixels, 3),
        "flipud": pixels[::-1],
        "fliplr": pixels[:, ::-1],
        "transpose": pixels.transpose(1, 0, 2),
        "antitranspose": np.rot90(pixels, 2).transpose(1, 0, 2),
    }
    direct = [algorithm.compute(np.ascontiguousarray(transforms[variant])) for variant in DIHEDRAL]
    codes = algorithm.compute_dihedral(pixels)
    assert len(codes) == len(DIHEDRAL) == 8
    assert all(len(code) * 8 == algorithm.bits for code in codes)
    assert codes[0] == algorithm.compute(pixels)
    for i, variant in enumerate(DIHEDRAL):
        distances = [hamming(codes[i], other) for other in direct]
        assert distances[i] <= _tightest(algorithm), variant
        assert distances[i] == min(distances), variant


@pytest.mark.parametrize("photo", ["Dune", "Elephants", "LadyBird", "Wood"])
@pytest.mark.parametrize("name", SIGNALS)
def test_reencoded_copy_is_within_the_declared_distance(name: str, photo: str) -> None:
    algorithm = ALGORITHMS[name]
    original = Image.open(ORIGINALS / f"{photo}.jpg").convert("RGB")
    copy = decode(encode(original, quality=75)).pixels
    assert hamming(algorithm.compute(_pixels(photo)), algorithm.compute(copy)) <= _tightest(algorithm)


@pytest.mark.parametrize(("a", "b"), UNRELATED)
@pytest.mark.parametrize("name", SIGNALS)
def test_unrelated_picture_is_beyond_the_candidate_distance(name: str, a: str, b: str) -> None:
    algorithm = ALGORITHMS[name]
    assert hamming(algorithm.compute(_pixels(a)), algorithm.compute(_pixels(b))) > _loosest(algorithm)


def test_keypoint_signal_declarations() -> None:
    assert KEYPOINT_SIGNAL.name == KEYPOINTS
    assert KEYPOINTS not in ALGORITHMS, "keypoints are stored beside the hashes under their own name"
    assert KEYPOINT_SIGNAL.index == "features" and KEYPOINT_SIGNAL.descriptor_bytes > 0


def test_keypoint_signal_output_matches_its_declared_size_and_round_trips() -> None:
    image = decode((ORIGINALS / "Dune.jpg").read_bytes())
    keypoints = KEYPOINT_SIGNAL.extract(image, max_points=300)
    assert 0 < len(keypoints) <= 300
    assert keypoints.descriptors.shape == (len(keypoints), KEYPOINT_SIGNAL.descriptor_bytes)
    data = keypoints.to_bytes()
    assert len(data) == len(keypoints) * (2 * 4 + KEYPOINT_SIGNAL.descriptor_bytes)
    restored = KEYPOINT_SIGNAL.from_bytes(data)
    np.testing.assert_array_equal(restored.points, keypoints.points)
    np.testing.assert_array_equal(restored.descriptors, keypoints.descriptors)
    again = KEYPOINT_SIGNAL.extract(image, max_points=300)
    np.testing.assert_array_equal(again.descriptors, keypoints.descriptors)


def test_keypoint_signal_on_a_tiny_image_is_empty_with_the_declared_width() -> None:
    keypoints = KEYPOINT_SIGNAL.extract(decode(encode(Image.new("RGB", (2, 2), (9, 9, 9)), "PNG")))
    assert len(keypoints) == 0 and keypoints.descriptors.shape == (0, KEYPOINT_SIGNAL.descriptor_bytes)
    assert len(KEYPOINT_SIGNAL.from_bytes(b"")) == 0
