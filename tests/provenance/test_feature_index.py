"""The two-stage feature index: a shortlist from the inverted file, re-ranked exactly;
changed in place, saved and opened by another process."""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hashes import Keypoints, fingerprint
from provenance.library import search
from provenance.library.index import FeatureIndex
from provenance.library.index.features import EXACT_UP_TO, INDEXED, spread_over_grid
from provenance.library.index.vocabulary import BRANCH, TOP, shipped_vocabulary, train_vocabulary
from provenance.library.library import Library
from tests.conftest import FIXTURES, ORIGINALS

PADDING = 2 * EXACT_UP_TO
"""Enough other originals that the shortlist, not the exact scan of all, decides."""


def _keypoints(path: Path) -> Keypoints:
    return fingerprint(path.read_bytes()).keypoints


def _crop(path: Path, box: tuple[float, float, float, float]) -> Keypoints:
    image = Image.open(path).convert("RGB")
    width, height = image.size
    left, top, right, bottom = box
    part = image.crop((int(left * width), int(top * height), int(right * width), int(bottom * height)))
    buffer = io.BytesIO()
    part.save(buffer, "JPEG", quality=75)
    return fingerprint(buffer.getvalue()).keypoints


@pytest.fixture(scope="module")
def donors() -> list[Keypoints]:
    """Real descriptors of photographs that are not the originals under test."""
    folders = ["same_scene", "alignment", "metadata", "c2pa"]
    return [_keypoints(p) for f in folders for p in sorted((FIXTURES / f).glob("*.jpg"))]


def _padded(donors: list[Keypoints], originals: dict[int, Keypoints]) -> FeatureIndex:
    """The originals among PADDING others whose descriptors are real ones, shuffled."""
    rng = np.random.default_rng(0)
    pool = np.concatenate([k.descriptors for k in donors])
    padding = {}
    for number in range(PADDING):
        chosen = pool[rng.choice(len(pool), 1000, replace=False)]
        padding[1000 + number] = Keypoints(rng.uniform(0, 800, (1000, 2)).astype(np.float32), chosen)
    everything = originals | padding

    def full(ids: Sequence[int]) -> dict[int, np.ndarray]:
        return {rid: everything[rid].descriptors for rid in ids if rid in everything}

    index = FeatureIndex(full)
    index.add_many(list(everything.items()))
    return index


@pytest.fixture(scope="module")
def originals() -> dict[int, Keypoints]:
    return {number: _keypoints(path) for number, path in enumerate(sorted(ORIGINALS.glob("*.jpg")), start=1)}


def test_a_crop_finds_its_original_through_the_shortlist(
    donors: list[Keypoints], originals: dict[int, Keypoints]
) -> None:
    index = _padded(donors, originals)
    assert len(index) > EXACT_UP_TO
    dune = next(n for n, p in enumerate(sorted(ORIGINALS.glob("*.jpg")), start=1) if p.name == "Dune.jpg")
    corner = _crop(ORIGINALS / "Dune.jpg", (0.55, 0.5, 1.0, 1.0))
    assert index.shortlist(corner.descriptors)[0] == dune
    votes = index.vote(corner.descriptors, limit=4, min_votes=12)
    assert votes[0][0] == dune
    assert all(count < votes[0][1] / 3 for _, count in votes[1:])


def test_removed_originals_are_no_longer_found_and_come_back_when_added(
    donors: list[Keypoints], originals: dict[int, Keypoints]
) -> None:
    index = _padded(donors, originals)
    query = originals[2].descriptors
    assert index.vote(query, 4, 12)[0][0] == 2
    stored = index.descriptor_count
    index.remove_many([2])
    assert 2 not in [rid for rid, _ in index.vote(query, 4, 12)]
    assert index.descriptor_count == stored - INDEXED
    index.add(2, originals[2])
    assert index.vote(query, 4, 12)[0][0] == 2
    index.add(2, originals[2])
    assert index.descriptor_count == stored, "adding an original again replaces its descriptors"


def test_a_saved_index_opens_with_the_same_answers(
    tmp_path: Path, donors: list[Keypoints], originals: dict[int, Keypoints]
) -> None:
    index = _padded(donors, originals)
    query = _crop(ORIGINALS / "Wood.jpg", (0.0, 0.0, 0.5, 0.6)).descriptors
    index.save(tmp_path / "saved")
    opened = FeatureIndex.load(tmp_path / "saved", index._full_descriptors)
    assert len(opened) == len(index) and opened.descriptor_count == index.descriptor_count
    assert opened.shortlist(query) == index.shortlist(query)
    assert opened.vote(query, 4, 12) == index.vote(query, 4, 12)


def test_the_indexed_descriptors_cover_every_part_of_the_picture() -> None:
    rng = np.random.default_rng(1)
    # Most keypoints (the strongest, stored first) crowd into the top-left corner.
    crowded = rng.uniform(0, 100, (900, 2))
    elsewhere = rng.uniform(0, 1000, (100, 2))
    points = np.concatenate([crowded, elsewhere]).astype(np.float32)
    chosen = points[spread_over_grid(points, 128)]
    assert (chosen[:, 0] > 500).sum() >= 30
    assert len(set(spread_over_grid(points, 128).tolist())) == 128
    assert spread_over_grid(points[:50], 128).tolist() == list(range(50))


def test_the_shipped_vocabulary_and_training_one() -> None:
    vocabulary = shipped_vocabulary()
    assert vocabulary.top.shape == (TOP, 32) and vocabulary.leaves.shape == (TOP, BRANCH, 32)
    assert len(np.unique(vocabulary.leaves.reshape(-1, 32), axis=0)) > 0.9 * TOP * BRANCH
    descriptors = np.random.default_rng(2).integers(0, 256, (TOP * 8, 32), dtype=np.uint8)
    trained = train_vocabulary(descriptors)
    assert trained.leaves.shape == vocabulary.leaves.shape


def test_another_process_opens_the_saved_index_and_applies_the_changes_since(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SAVE_FROM", 1)
    dune = library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg").reference
    library.indexes.features()
    saved = list((library.settings.home / "indexes").glob("*/features-*"))
    assert [p.name for p in saved] == ["features-000000000001"], "saved with the generation it reflects"

    wood = library.ingest((ORIGINALS / "Wood.jpg").read_bytes(), "Wood.jpg").reference
    library.delete(dune.id)
    server = Library(library.settings)
    try:
        built = []
        monkeypatch.setattr(search.OriginalsIndex, "_build_features", lambda self: built.append(1))
        wood_copy = _crop(ORIGINALS / "Wood.jpg", (0.2, 0.2, 0.9, 0.9)).descriptors
        assert [rid for rid, _ in server.feature_votes(wood_copy, 4, 12)] == [wood.id]
        assert built == [], "the saved index was opened, not rebuilt"
        dune_copy = _keypoints(ORIGINALS / "Dune.jpg").descriptors
        assert dune.id not in [rid for rid, _ in server.feature_votes(dune_copy, 4, 12)]
        again = library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg").reference
        time.sleep(search.REFRESH_SECONDS + 0.1)
        assert server.feature_votes(dune_copy, 4, 12)[0][0] == again.id
    finally:
        server.close()


def test_a_home_that_cannot_take_the_saved_index_only_costs_a_rebuild(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SAVE_FROM", 1)
    (library.settings.home / "indexes").write_text("not a folder")
    wood = library.ingest((ORIGINALS / "Wood.jpg").read_bytes(), "Wood.jpg").reference
    copy = _crop(ORIGINALS / "Wood.jpg", (0.1, 0.1, 0.8, 0.9)).descriptors
    assert library.feature_votes(copy, 4, 12)[0][0] == wood.id
    assert library.indexes.save_features() is None
