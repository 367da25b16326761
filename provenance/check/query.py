"""The checked image as the stages use it: its fingerprints, its keypoints as taken and
mirrored, the part inside its frame, its hashes in every rotation and mirror, and its
alignments with originals."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import cv2

from hashes import DecodedImage, Fingerprints, Keypoints, extract_keypoints
from provenance.check.candidates import HashVariants, hash_variants
from provenance.check.library_view import LibraryView, Original
from provenance.vision.framing import Box, content_box, cropped
from provenance.vision.keypoint_alignment import Alignment, align_either_way
from provenance.vision.pixel_alignment import align_pixels

MAX_PIXEL_ALIGNMENTS = 2
"""Close-hash originals aligned pixel by pixel per check when their keypoints do not agree."""


class Query:
    """Features are computed when first asked for (ORB is not mirror-invariant, so the
    mirrored keypoints are a second extraction). The pixel alignments tried are shared
    with the `reduced` view of the same check."""

    def __init__(self, fingerprints: Fingerprints) -> None:
        self.fingerprints = fingerprints
        self.image = fingerprints.image
        self.keypoints = fingerprints.keypoints
        self.pixels_tried: set[int] = set()
        """Originals already aligned pixel by pixel in this check."""

    def reduced(self, scale: float) -> Query:
        """The same check describing the picture at this share of its working size."""
        view = Query(self.fingerprints)
        height, width = self.image.pixels.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        pixels = cv2.resize(self.image.pixels, size, interpolation=cv2.INTER_AREA)
        view.image = replace(self.image, pixels=pixels)
        view.keypoints = extract_keypoints(view.image)
        view.pixels_tried = self.pixels_tried
        return view

    @cached_property
    def mirrored(self) -> Keypoints:
        return extract_keypoints(self.image, mirrored=True)

    @cached_property
    def framed_box(self) -> Box | None:
        """Where the picture sits inside borders, a caption bar or app chrome, if it has them."""
        return content_box(self.fingerprints.image)

    @cached_property
    def framed(self) -> DecodedImage | None:
        return None if self.framed_box is None else cropped(self.fingerprints.image, self.framed_box)

    @cached_property
    def hash_variants(self) -> HashVariants:
        return hash_variants(self.fingerprints.image, self.framed)

    def align(self, reference_keypoints: Keypoints, original: Original) -> Alignment | None:
        size = (original.width, original.height)
        return align_either_way(self.keypoints, lambda: self.mirrored, reference_keypoints, size)

    def align_pixels(self, library: LibraryView, original: Original) -> Alignment | None:
        """Pixel alignment with one original, at most once per original and
        MAX_PIXEL_ALIGNMENTS times per check (each costs 50-100 ms)."""
        if original.id in self.pixels_tried or len(self.pixels_tried) >= MAX_PIXEL_ALIGNMENTS:
            return None
        self.pixels_tried.add(original.id)
        pixels = library.working_copy(original)
        alignment = align_pixels(self.fingerprints.image, pixels)
        if alignment is None and self.framed is not None and self.framed_box is not None:
            alignment = align_pixels(self.framed, pixels)
            if alignment is not None:
                alignment = alignment.shifted(*self.framed_box[:2])
        return alignment
