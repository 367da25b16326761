"""Our extraction agrees with ExifTool (the oracle) on the committed metadata samples,
and, when ../shared is present, on the whole ExifTool sample folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.evaluation.exiftool import agreement, available, compare_file, read_with_exiftool
from tests.conftest import METADATA

pytestmark = pytest.mark.skipif(not available(), reason="exiftool is not installed (make install installs it as root)")
SHARED_METADATA = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "metadata"


@pytest.mark.parametrize("path", sorted(METADATA.glob("*.jpg")), ids=lambda p: p.name)
def test_every_field_agrees_with_exiftool(path: Path) -> None:
    theirs = read_with_exiftool([path])[path.name]
    compared = compare_file(path, theirs)
    assert compared, "nothing compared: the sample should carry metadata"
    disagreements = {name: (ours, value) for name, (ours, value, agree) in compared.items() if not agree}
    assert disagreements == {}


def test_mwg_sample_is_compared_on_every_reconciled_field() -> None:
    compared = compare_file(METADATA / "MWG.jpg", read_with_exiftool([METADATA / "MWG.jpg"])["MWG.jpg"])
    expected = {"byline", "caption", "copyright", "city", "country", "province_state", "keywords", "captured_at"}
    assert expected <= set(compared)


@pytest.mark.skipif(not SHARED_METADATA.is_dir(), reason="../shared/corpus/metadata is absent")
def test_agreement_over_the_whole_sample_folder() -> None:
    counts, disagreements = agreement(SHARED_METADATA)
    agreeing, compared = sum(a for a, _ in counts.values()), sum(n for _, n in counts.values())
    assert compared > 200
    assert agreeing / compared >= 0.99, disagreements
