"""The evidence picture of the best verified match, stored through the caller's sink."""

from __future__ import annotations

from collections.abc import Callable

from hashes import DecodedImage
from provenance.check.verify import Found
from provenance.vision.evidence import Outline, render_evidence

EvidenceSink = Callable[[bytes], str]
"""Stores an evidence PNG and returns where it can be found (a path or a URL)."""


def match_evidence(best: Found | None, image: DecodedImage, sink: EvidenceSink | None) -> str | None:
    """Where the picture was stored; None without a sink or a described match."""
    if sink is None or best is None or best.difference is None:
        return None
    outlines = [Outline(_box(r.bbox), r.explained_by is not None) for r in best.match.regions]
    return sink(render_evidence(image, best.difference, outlines))


def _box(bbox: list[int]) -> tuple[int, int, int, int]:
    x, y, w, h = bbox
    return x, y, w, h
