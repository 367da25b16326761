"""The eval's same-scene parts: real pairs from a pairs.json, the top-line count of
other photographs called the same photograph, and the multi-paste edit."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from provenance.errors import ProvenanceError
from provenance.evaluation.same_scene import (
    GROUP,
    called_same_photograph,
    load_pairs,
    multi_paste,
    pairs_beside,
    second_exposures,
)
from tests.conftest import COPIES, FIXTURES


def _corpus(tmp_path: Path, rows: list[dict]) -> Path:
    """A corpus folder with photos/ and same_scene/ beside it, as ../shared/corpus is laid out."""
    (tmp_path / "photos").mkdir()
    folder = tmp_path / "same_scene"
    folder.mkdir()
    for name in ("left.jpg", "right.jpg"):
        shutil.copy(FIXTURES / "same_scene" / name, folder / name)
    (folder / "pairs.json").write_text(json.dumps(rows))
    return tmp_path / "photos"


def test_each_pair_gives_the_other_photograph_as_is_and_passed_on(tmp_path: Path) -> None:
    photos = _corpus(tmp_path, [{"original": "left.jpg", "other": "right.jpg", "kind": "viewpoint"}])
    pairs = pairs_beside(str(photos))
    variants = second_exposures(pairs, {str(pairs[0].original): "left"})
    assert [v.name for v in variants] == ["right.jpg", "right.jpg-r60q75"]
    assert all(v.group == GROUP and v.expected_verdict == "related" and v.original == "left" for v in variants)
    assert variants[0].data == (FIXTURES / "same_scene" / "right.jpg").read_bytes()
    with Image.open(FIXTURES / "same_scene" / "right.jpg") as full, Image.open(io.BytesIO(variants[1].data)) as small:
        assert small.width == round(full.width * 0.6)


def test_no_pairs_file_means_no_group(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    assert pairs_beside(str(tmp_path / "photos")) == []


def test_a_pairs_file_naming_missing_files_is_a_clear_error(tmp_path: Path) -> None:
    photos = _corpus(tmp_path, [{"original": "left.jpg", "other": "gone.jpg"}])
    with pytest.raises(ProvenanceError, match=r"gone\.jpg"):
        pairs_beside(str(photos))
    (tmp_path / "same_scene" / "pairs.json").write_text('{"original": 1}')
    with pytest.raises(ProvenanceError, match="not a list"):
        load_pairs(tmp_path / "same_scene" / "pairs.json")


def test_only_related_pictures_called_the_same_photograph_count() -> None:
    verdicts = [("related", "altered"), ("related", "copy"), ("related", "related"), ("related", "unknown")]
    assert called_same_photograph([*verdicts, ("altered", "altered"), ("copy", "copy")]) == 2


def test_multi_paste_changes_three_quadrants() -> None:
    with Image.open(COPIES / "storm_not_in_library.jpg") as donor:
        base = Image.new("RGB", (800, 600), (120, 120, 120))
        edited, box = multi_paste(base, donor.convert("RGB"), np.random.default_rng(4))
    changed = np.abs(np.asarray(edited, dtype=int) - 120).sum(axis=2) > 0
    quadrants = [changed[:300, :400], changed[:300, 400:], changed[300:, :400], changed[300:, 400:]]
    assert sum(q.any() for q in quadrants) == 3
    assert all(type(c) is int for c in box), "the box is written to outcomes.jsonl"
    x, y, w, h = box
    assert changed[y : y + h, x : x + w].mean() > 0.9
