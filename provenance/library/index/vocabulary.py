"""A visual vocabulary for binary descriptors: ORB descriptors quantised to words, so an
inverted file can list, per word, the descriptors of the originals that fall in it (bag
of visual words: Sivic & Zisserman, "Video Google", ICCV 2003; a two-level vocabulary
tree as in Nistér & Stewénius, "Scalable Recognition with a Vocabulary Tree", CVPR 2006).

Two levels of k-means: TOP words, each split into BRANCH leaves (the words), which
trains 65,536 words from half a million descriptors in seconds. Centroids are trained
with faiss's k-means on the descriptors' bits as floats and binarised at 0.5 (the
majority bit, the binary centroid that minimises the Hamming distance). The vocabulary
ships with the package (`orb_vocabulary.npz`, trained by `provenance train-vocabulary`
on the camera samples, scene pairs and C2PA files of ../shared/corpus, none of them an
evaluation original: see the README): the same words in every process and library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import cv2
import faiss
import numpy as np

from hashes import ImageError, decode, extract_keypoints

TOP = 256
BRANCH = 256
WORDS = TOP * BRANCH
"""65,536 words: word ids fit in 16 bits."""
SHIPPED = Path(__file__).with_name("orb_vocabulary.npz")
KMEANS_ITERATIONS = 20
TRAINING_SCALES = (1.0, 0.7, 0.5, 0.35)
TRAINING_POINTS = 5000
MIN_TRAINING_SIDE = 64


@dataclass(frozen=True)
class Vocabulary:
    top: np.ndarray
    """TOP x 32 uint8 binary centroids."""
    leaves: np.ndarray
    """TOP x BRANCH x 32 uint8 binary centroids."""

    def save(self, path: Path) -> None:
        np.savez_compressed(path, top=self.top, leaves=self.leaves)

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        with np.load(path) as data:
            return cls(top=data["top"], leaves=data["leaves"])


@cache
def shipped_vocabulary() -> Vocabulary:
    return Vocabulary.load(SHIPPED)


def train_vocabulary(descriptors: np.ndarray, seed: int = 0) -> Vocabulary:
    """TOP centroids over every descriptor, then BRANCH over each top word's descriptors
    (a top word with too few descriptors repeats them: its leaves are then exact points)."""
    rng = np.random.default_rng(seed)
    top = _kmeans(descriptors, TOP, seed)
    tops = _nearest(descriptors, top)
    leaves = np.zeros((TOP, BRANCH, descriptors.shape[1]), dtype=np.uint8)
    for word in range(TOP):
        members = descriptors[tops == word]
        if len(members) == 0:
            leaves[word] = top[word]
        elif len(members) <= 4 * BRANCH:
            leaves[word] = members[rng.choice(len(members), BRANCH, replace=len(members) < BRANCH)]
        else:
            leaves[word] = _kmeans(members, BRANCH, seed + 1 + word)
    return Vocabulary(top=top, leaves=leaves)


def training_descriptors(images: Iterable[bytes]) -> np.ndarray:
    """ORB descriptors of photographs at several sizes (copies are smaller than their
    originals), TRAINING_POINTS a size: the sample the vocabulary is trained on."""
    blocks = []
    for data in images:
        try:
            image = decode(data)
        except ImageError:
            continue
        for scale in TRAINING_SCALES:
            if min(image.pixels.shape[:2]) * scale < MIN_TRAINING_SIDE:
                continue
            pixels = cv2.resize(image.pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            smaller = replace(image, pixels=pixels) if scale != 1 else image
            blocks.append(extract_keypoints(smaller, max_points=TRAINING_POINTS).descriptors)
    return np.concatenate(blocks) if blocks else np.zeros((0, 32), dtype=np.uint8)


def _kmeans(descriptors: np.ndarray, k: int, seed: int) -> np.ndarray:
    bits = np.unpackbits(descriptors, axis=1).astype(np.float32)
    kmeans = faiss.Kmeans(
        bits.shape[1], k, niter=KMEANS_ITERATIONS, seed=seed, max_points_per_centroid=512, min_points_per_centroid=4
    )
    kmeans.train(bits)
    assert kmeans.centroids is not None
    return np.packbits(kmeans.centroids >= 0.5, axis=1)


def _nearest(descriptors: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid by Hamming distance (OpenCV's SIMD brute force)."""
    matches = cv2.BFMatcher(cv2.NORM_HAMMING).match(descriptors, np.ascontiguousarray(centroids))
    nearest = np.zeros(len(descriptors), dtype=np.int64)
    for match in matches:
        nearest[match.queryIdx] = match.trainIdx
    return nearest
