"""Each claim outcome, through real checks against the sample library (sidecars: source
Demo Wire, credit, caption; Dune was taken 2007-08-06 per its EXIF)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from provenance.check.pipeline import check_bytes
from provenance.claims import ClaimContext, Claims, assess_claims
from provenance.library.library import Library
from provenance.metadata import ImageMetadata
from tests.conftest import COPIES, ORIGINALS
from tests.images import encode


def _claims(library: Library, data: bytes, **claims) -> dict:
    report = check_bytes(library, data, "query", claims=Claims(**claims))
    return {c.claim: c for c in report.claims}


def _dune_copy() -> bytes:
    return (COPIES / "dune_half_q40.jpg").read_bytes()


def _dune_montage() -> bytes:
    image = np.asarray(Image.open(ORIGINALS / "Dune.jpg").convert("RGB")).copy()
    storm = np.asarray(Image.open(COPIES / "storm_not_in_library.jpg").convert("RGB").resize((200, 150)))
    image[150:300, 300:500] = storm
    return encode(Image.fromarray(image), quality=90)


def test_montage_claim_contradicted_by_an_unaltered_copy(sample_library: Library) -> None:
    claim = _claims(sample_library, _dune_copy(), claimed_montage=True)["montage"]
    assert claim.outcome == "contradicted"
    assert "Demo Wire original DEMO-0001 taken 2007-08-06; no regions altered" in claim.evidence


def test_montage_claim_supported_by_an_altered_copy(sample_library: Library) -> None:
    claim = _claims(sample_library, _dune_montage(), claimed_montage=True)["montage"]
    assert claim.outcome == "supported" and "region" in claim.evidence


def test_unaltered_claim_contradicted_by_an_altered_copy(sample_library: Library) -> None:
    assert _claims(sample_library, _dune_montage(), claimed_montage=False)["montage"].outcome == "contradicted"


def test_montage_claim_unverifiable_without_an_original(sample_library: Library) -> None:
    claim = _claims(sample_library, (COPIES / "storm_not_in_library.jpg").read_bytes(), claimed_montage=True)["montage"]
    assert claim.outcome == "unverifiable" and "No original matches" in claim.evidence


def test_date_claims(sample_library: Library) -> None:
    assert _claims(sample_library, _dune_copy(), claimed_date="2007-08-06")["date"].outcome == "supported"
    wrong = _claims(sample_library, _dune_copy(), claimed_date="2022-04-03")["date"]
    assert wrong.outcome == "contradicted"
    assert "claimed taken 2022-04-03" in wrong.evidence.lower() and "2007-08-06T10:29:13" in wrong.evidence
    later = _claims(sample_library, _dune_copy(), claimed_date="2007-08-06T18:00")["date"]
    assert later.outcome == "contradicted" and "Same day" in later.evidence
    none = _claims(sample_library, (COPIES / "storm_not_in_library.jpg").read_bytes(), claimed_date="2007-08-06")
    assert none["date"].outcome == "unverifiable"


def test_source_claims(sample_library: Library) -> None:
    assert _claims(sample_library, _dune_copy(), claimed_source="Demo Wire")["source"].outcome == "supported"
    claim = _claims(sample_library, _dune_copy(), claimed_source="Reuters")["source"]
    assert claim.outcome == "contradicted" and "Demo Wire" in claim.evidence
    none = _claims(sample_library, (COPIES / "storm_not_in_library.jpg").read_bytes(), claimed_source="Reuters")
    assert none["source"].outcome == "unverifiable"


def _context(**metadata) -> ClaimContext:
    return ClaimContext(
        verdict="copy", original_label="AFP original X1", original_source="AFP", original=ImageMetadata(**metadata)
    )


@pytest.mark.parametrize(
    ("claimed", "metadata", "outcome"),
    [
        ("Bucha, Ukraine", {"city": "Bucha", "country": "Ukraine"}, "supported"),
        ("Gaza", {"city": "Bucha", "country": "Ukraine"}, "contradicted"),
        ("Bucha", {"country": "Ukraine"}, "unverifiable"),
        ("Bucha", {}, "unverifiable"),
        ("50.54, 30.22", {"gps_latitude": 50.5436, "gps_longitude": 30.2125}, "supported"),
        ("31.5, 34.45", {"gps_latitude": 50.5436, "gps_longitude": 30.2125}, "contradicted"),
    ],
)
def test_location_claims(claimed: str, metadata: dict, outcome: str) -> None:
    [claim] = assess_claims(Claims(claimed_location=claimed), _context(**metadata))
    assert claim.outcome == outcome


def test_bad_claimed_date_is_refused() -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        Claims(claimed_date="last Tuesday")


def test_no_claims_no_assessments(sample_library: Library) -> None:
    assert check_bytes(sample_library, _dune_copy(), "q").claims == []
