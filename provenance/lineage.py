"""How a checked copy differs from its original, as a variant that other copies share.

Copies of one wire photo circulate in a few shapes: the agency's frame, a square crop
for one network, that crop mirrored with a caption bar for another. Two checks whose
copies show the same part of the original, turned and mirrored the same way, framed
the same way, with the same colour treatment and the same replaced regions, are the
same variant, whatever their size, format or compression (those change at every
re-upload and say nothing about where a copy came from).

A copy derives from another when it could have been made from it: it shows no more of
the original, and keeps every change the other made (mirror, greyscale, colours,
frame, replaced regions). Of the copies seen earlier that it could come from, the one that had
made most of its changes already is its parent (`service.lineage`).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from provenance.report import Match

GRID = 0.05
"""Crop boxes are compared on a grid of 5% of the original's sides: the same crop made
again by hand, or re-found by the alignment, lands in the same cell."""
FRAME_TOLERANCE = 0.05
"""A copy whose shape differs from the crop it shows by more than this carries a frame
(borders, a caption bar, app chrome)."""


class Variant(BaseModel):
    """The shape of one copy relative to its original (fractions of the original's sides)."""

    crop: tuple[float, float, float, float] = Field(description="x, y, w, h of the original shown, on a 5% grid")
    rotation: int = Field(description="Degrees clockwise, to the nearest 90")
    mirrored: bool
    framed: bool = Field(description="Borders, a caption bar or app chrome around the picture")
    greyscale: bool
    color_adjusted: bool
    regions: list[tuple[float, float, float, float]] = Field(
        default_factory=list, description="Replaced regions in the original's frame, on a 5% grid"
    )

    @property
    def key(self) -> str:
        return self.model_dump_json()

    def describe(self) -> str:
        """"crop 60% of the frame, mirrored, caption bar or border": words for the page."""
        shown = self.crop[2] * self.crop[3]
        parts = ["the whole frame" if shown >= 0.97 else f"crop showing {round(100 * shown)}% of the frame"]
        parts += [f"turned {self.rotation}°"] if self.rotation else []
        parts += ["mirrored"] * self.mirrored + ["in a frame or caption bar"] * self.framed
        parts += ["greyscale"] * self.greyscale + ["colours changed"] * self.color_adjusted
        parts += [f"{len(self.regions)} region(s) replaced"] if self.regions else []
        return ", ".join(parts)


def variant_of(match: Match, copy_size: tuple[int, int], original_size: tuple[int, int]) -> Variant | None:
    """The variant a verified match describes; None when nothing placed the copy (hash-only)."""
    transform = match.transform
    if transform is None:
        return None
    width, height = original_size
    x, y, w, h = transform.crop_box
    crop = (_cell(x / width), _cell(y / height), _cell(w / width), _cell(h / height))
    rotation = round(transform.rotation / 90) % 4 * 90
    shown = (w, h) if rotation in (0, 180) else (h, w)
    copy_aspect, crop_aspect = copy_size[0] / copy_size[1], shown[0] / max(shown[1], 1)
    regions = sorted(
        (_cell(rx / width), _cell(ry / height), _cell(rw / width), _cell(rh / height))
        for rx, ry, rw, rh in (r.reference_bbox for r in match.regions)
    )
    return Variant(
        crop=crop,
        rotation=rotation,
        mirrored=transform.mirrored,
        framed=abs(copy_aspect - crop_aspect) / crop_aspect > FRAME_TOLERANCE,
        greyscale="greyscale" in match.edits,
        color_adjusted="color_adjusted" in match.edits,
        regions=regions,
    )


def derives_from(child: Variant, parent: Variant) -> bool:
    """Could `child` have been made from `parent`? It shows no more of the original and
    keeps every change `parent` made."""
    if child == parent:
        return False
    px, py, pw, ph = parent.crop
    cx, cy, cw, ch = child.crop
    inside = cx >= px - GRID and cy >= py - GRID and cx + cw <= px + pw + GRID and cy + ch <= py + ph + GRID
    flags = ("mirrored", "framed", "greyscale", "color_adjusted")
    kept = all(getattr(child, f) or not getattr(parent, f) for f in flags) and set(parent.regions) <= set(child.regions)
    turned = parent.rotation == 0 or child.rotation == parent.rotation
    return inside and kept and turned


def _cell(value: float) -> float:
    return round(round(value / GRID) * GRID, 2)
