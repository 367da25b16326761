"""The check's stages on a library held in memory (tests/provenance/memory_library.py):
the pipeline needs nothing of the database, and each stage leaves its input as it was."""

from __future__ import annotations

import json

import pytest

from provenance.check.composite import explain_regions
from provenance.check.describe import describe_differences
from provenance.check.pipeline import check_bytes
from provenance.check.query import Query
from provenance.check.search import search
from provenance.metadata import extract_metadata
from provenance.metadata.c2pa import ContentCredentials
from tests.conftest import COPIES, ORIGINALS
from tests.provenance.memory_library import MemoryLibrary


@pytest.fixture(scope="module")
def memory_library() -> MemoryLibrary:
    library = MemoryLibrary()
    for path in sorted(ORIGINALS.glob("*.jpg")):
        sidecar = json.loads(path.with_name(path.name + ".json").read_text())
        library.add(path.read_bytes(), sidecar["external_id"], sidecar["source"], credit=sidecar["credit"])
    return library


def test_an_original_is_identical_to_itself(memory_library: MemoryLibrary) -> None:
    report = check_bytes(memory_library, (ORIGINALS / "Wood.jpg").read_bytes(), "wood")
    assert report.verdict == "identical" and report.matches[0].reference.external_id == "DEMO-0004"
    assert report.matches[0].distances == {"phash": 0, "dhash": 0, "pdq": 0}


def test_a_small_recompressed_copy_is_a_copy(memory_library: MemoryLibrary) -> None:
    report = check_bytes(memory_library, (COPIES / "dune_half_q40.jpg").read_bytes(), "copy")
    assert report.verdict == "copy" and report.matches[0].reference.external_id == "DEMO-0001"
    assert report.reasons[0].startswith("Same photograph as original DEMO-0001 (Demo Wire, mate-backgrounds")


def test_a_composite_names_both_originals_and_outlines_them_in_its_evidence(memory_library: MemoryLibrary) -> None:
    stored: list[bytes] = []

    def sink(png: bytes) -> str:
        stored.append(png)
        return f"evidence-{len(stored)}.png"

    report = check_bytes(memory_library, (COPIES / "dune_ladybird_composite.jpg").read_bytes(), "composite", sink)
    assert report.verdict == "composite"
    assert {m.reference.external_id for m in report.matches} == {"DEMO-0001", "DEMO-0003"}
    assert any(r.explained_by for r in report.matches[0].regions)
    assert report.evidence == "evidence-1.png" and len(stored) == 1 and stored[0].startswith(b"\x89PNG")


def test_an_originals_credentials_come_right_after_the_verdicts_reasons(memory_library: MemoryLibrary) -> None:
    signed = ContentCredentials(status="valid", summary="Signed.", signer="Demo Wire CA", signed_at="2024-05-01")
    memory_library.stored_credentials[1] = signed
    try:
        report = check_bytes(memory_library, (COPIES / "dune_half_q40.jpg").read_bytes(), "copy")
    finally:
        del memory_library.stored_credentials[1]
    best = report.matches[0]
    assert best.original_credentials == signed
    assert best.credentials_note is not None and "signed by Demo Wire CA on 2024-05-01" in best.credentials_note
    assert report.reasons[-1] == best.credentials_note
    assert report.reasons[:-1] == check_bytes(memory_library, (COPIES / "dune_half_q40.jpg").read_bytes(), "c").reasons


def test_stages_return_new_values_and_leave_their_input_unchanged(memory_library: MemoryLibrary) -> None:
    data = (COPIES / "dune_ladybird_composite.jpg").read_bytes()
    query = Query(memory_library.fingerprint(data))
    found = search(memory_library, query, extract_metadata(data, query.image)).best
    assert found is not None and found.alignment is not None
    described = describe_differences(memory_library, query, found)
    assert found.match.regions == [] and found.match.edits == [] and found.difference is None
    assert described.match.regions and described.difference is not None
    explained, parts = explain_regions(memory_library, query, extract_metadata(data, query.image), described)
    assert parts and not any(r.explained_by for r in described.match.regions)
    assert any(r.explained_by for r in explained.match.regions)
