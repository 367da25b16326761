"""`eval --pad`: a real library checked among padding originals made of real
fingerprints, through the normal check path."""

from __future__ import annotations

from pathlib import Path

from provenance.check.pipeline import check_bytes
from provenance.evaluation.padding import FIRST_ID, PaddedLibrary
from provenance.library.index.features import EXACT_UP_TO
from provenance.library.library import Library
from tests.conftest import COPIES, FIXTURES

PADDING = 300
DONORS = [FIXTURES / folder for folder in ("same_scene", "alignment", "metadata", "c2pa")]


def _donor_files() -> list[Path]:
    return sorted(p for folder in DONORS for p in folder.glob("*.jpg"))


def test_copies_find_their_originals_among_padding_originals(sample_library: Library) -> None:
    real_ids = [row.id for row in sample_library.list()]
    padded = PaddedLibrary(sample_library, real_ids, _donor_files(), PADDING, seed=0)
    assert padded.count() == len(real_ids) + PADDING
    assert len(padded.features) > EXACT_UP_TO, "the shortlist, not an exact scan of all, finds candidates"
    for name, verdict, original in [
        ("dune_half_q40.jpg", "copy", "DEMO-0001"),
        ("ladybird_mirrored.webp", "copy", "DEMO-0003"),
        ("dune_ladybird_composite.jpg", "composite", "DEMO-0001"),
    ]:
        report = check_bytes(padded, (COPIES / name).read_bytes(), name)
        assert report.verdict == verdict, name
        assert report.matches[0].reference.external_id == original
        assert all(m.reference.id < FIRST_ID for m in report.matches), "no padding original is matched"


def test_a_photograph_not_in_the_library_matches_no_padding_original(sample_library: Library) -> None:
    real_ids = [row.id for row in sample_library.list()]
    padded = PaddedLibrary(sample_library, real_ids, _donor_files(), PADDING, seed=1)
    report = check_bytes(padded, (COPIES / "storm_not_in_library.jpg").read_bytes(), "storm")
    assert report.verdict == "unknown"
    assert report.matches == []
