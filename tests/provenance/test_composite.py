"""Composites whose inserted part is large (40-60 % of the frame): the difference map,
which takes the typical pixel as unchanged, outlines little or nothing of such a part,
so it is found where the best match explains none of the keypoints (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from provenance.check.pipeline import check_bytes
from provenance.evaluation import variants as v
from provenance.library.library import Library
from provenance.report import CheckReport
from tests.conftest import ORIGINALS

SAMPLE_IDS = {"Elephants.jpg": "DEMO-0002", "LadyBird.jpg": "DEMO-0003", "Wood.jpg": "DEMO-0004"}


def _large_composite(base: str, part: str, seed: int) -> tuple[bytes, v.Box]:
    """v.composite with a part of 40-60 % of the frame instead of 20-35 %."""
    rng = np.random.default_rng(seed)
    image = Image.open(ORIGINALS / base).convert("RGB")
    other = Image.open(ORIGINALS / part).convert("RGB")
    x, y, width, height = v._random_box(image, rng, (0.40, 0.60))
    other = v.resized(other, max(width / other.width, height / other.height) * rng.uniform(1.0, 1.3))
    ox, oy = int(rng.integers(0, other.width - width + 1)), int(rng.integers(0, other.height - height + 1))
    edited = image.copy()
    edited.paste(other.crop((ox, oy, ox + width, oy + height)), (x, y))
    return v.encode(edited, quality=85), (x, y, width, height)


@pytest.mark.parametrize(
    ("base", "part", "seed"),
    [("Elephants.jpg", "Wood.jpg", 2), ("LadyBird.jpg", "Wood.jpg", 1), ("LadyBird.jpg", "Elephants.jpg", 2)],
    ids=["elephants+wood", "ladybird+wood", "ladybird+elephants"],
)
def test_a_composite_with_a_large_part_names_both_originals(
    sample_library: Library, base: str, part: str, seed: int
) -> None:
    data, _ = _large_composite(base, part, seed)
    report = check_bytes(sample_library, data, "query")
    assert isinstance(report, CheckReport)
    assert report.verdict == "composite", report.reasons
    named = {m.reference.external_id for m in report.matches}
    assert {SAMPLE_IDS[base], SAMPLE_IDS[part]} <= named, named
    assert any(r.explained_by is not None for r in report.matches[0].regions)
