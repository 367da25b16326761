"""Content Credentials on the c2pa-rs SDK's test files: valid (untrusted test signer),
pixels changed after signing, broken signature, none; and originals' credentials kept."""

from __future__ import annotations

import pytest
from PIL import Image

from provenance.check.pipeline import check_bytes
from provenance.library.library import Library
from provenance.metadata.c2pa import read_content_credentials
from provenance.store import StoredCredentials
from tests.conftest import FIXTURES, ORIGINALS
from tests.images import encode

C2PA = FIXTURES / "c2pa"


def _read(name: str):
    return read_content_credentials((C2PA / name).read_bytes(), "JPEG")


def test_valid_manifest_with_an_untrusted_test_signer() -> None:
    credentials, store = _read("C.jpg")
    assert credentials.status == "valid_untrusted_signer" and not credentials.tampered
    assert [f.code for f in credentials.failures] == ["signingCredential.untrusted"]
    assert credentials.signer == "C2PA Signer (issued by C2PA Test Signing Cert)"
    assert credentials.signed_at.startswith("20") and credentials.claim_generator
    assert "not on the trust list" in credentials.summary
    assert store["active_manifest"] == credentials.active_manifest


def test_actions_and_ingredients_are_read() -> None:
    credentials, _ = _read("CA.jpg")
    assert [a.action for a in credentials.actions] == ["c2pa.opened", "c2pa.color_adjustments"]
    assert [(i.title, i.relationship) for i in credentials.ingredients] == [("A.jpg", "parentOf")]
    assert credentials.authors == ["John Doe"]


def test_pixels_changed_after_signing_is_reported_as_tampering() -> None:
    credentials, _ = _read("XCA.jpg")
    assert credentials.status == "invalid" and credentials.tampered
    assert "assertion.dataHash.mismatch" in {f.code for f in credentials.failures}
    assert "changed after it was signed" in credentials.summary
    assert "[assertion.dataHash.mismatch]" in credentials.summary


def test_broken_signature_is_reported_as_tampering() -> None:
    credentials, _ = _read("E-sig-CA.jpg")
    assert credentials.status == "invalid" and credentials.tampered
    assert "claimSignature.mismatch" in {f.code for f in credentials.failures}
    assert "altered or forged" in credentials.summary


def test_no_manifest() -> None:
    credentials, store = _read("no_manifest.jpg")
    assert credentials.status == "absent" and store is None and not credentials.present


@pytest.mark.parametrize("data", [b"", b"\xff\xd8\xff\xeb\x00\x10JP c2pa jumb garbage", b"c2pa" * 100])
def test_damaged_credentials_never_raise(data: bytes) -> None:
    credentials, _ = read_content_credentials(data, "JPEG")
    assert credentials.status in ("absent", "unreadable")


def test_check_reports_the_copys_own_credentials(sample_library: Library) -> None:
    report = check_bytes(sample_library, (C2PA / "XCA.jpg").read_bytes(), "XCA.jpg")
    assert report.content_credentials.status == "invalid"
    assert any("do NOT validate" in reason for reason in report.reasons)


def test_ingest_keeps_the_originals_credentials(library: Library) -> None:
    reference = library.ingest((C2PA / "C.jpg").read_bytes(), "C.jpg").reference
    stored = library.credentials(reference.id)
    assert stored is not None and stored.status == "valid_untrusted_signer"
    assert library.credentials(library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg").reference.id) is None
    library.delete(reference.id)
    assert library.credentials(reference.id) is None


def test_stripped_copy_of_an_original_with_credentials_recovers_them(sample_library: Library) -> None:
    """C2PA's own test pictures are featureless gradients the matcher cannot verify, so the
    credentials of C.jpg are attached to the Dune original, as if the agency had signed it."""
    credentials, store = _read("C.jpg")
    dune = next(r for r in sample_library.list() if r.external_id == "DEMO-0001")
    with sample_library.sessions.begin() as session:
        summary = credentials.model_dump(mode="json")
        session.add(
            StoredCredentials(reference_id=dune.id, status=credentials.status, summary=summary, manifest_store=store)
        )
    copy = encode(Image.open(ORIGINALS / "Dune.jpg").convert("RGB").resize((400, 250)), quality=75)
    report = check_bytes(sample_library, copy, "stripped.jpg")
    assert report.verdict == "copy" and report.content_credentials.status == "absent"
    best = report.matches[0]
    assert best.original_credentials.signer == credentials.signer
    assert "soft-binding" in best.credentials_note and "C2PA Signer" in best.credentials_note
    assert best.credentials_note in report.reasons
