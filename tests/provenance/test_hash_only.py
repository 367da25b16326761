"""Hash-only originals: hash records in and out, and what a check says when it matches one."""

from __future__ import annotations

import io

import pytest

from provenance.check.pipeline import check_bytes
from provenance.config import Settings
from provenance.library.hash_records import BadLine, HashRecord, parse_csv, parse_lines, to_line
from provenance.library.library import Library, ReferenceDetails
from tests.conftest import ORIGINALS

pytestmark = pytest.mark.store

DUNE = ORIGINALS / "Dune.jpg"
WOOD = ORIGINALS / "Wood.jpg"
PDQ = "ab" * 32


def _record_of(library: Library, path, external_id: str, **fields: str) -> HashRecord:
    codes = library.fingerprint(path.read_bytes()).hashes
    hexes = {name: value.hex() for name, value in codes.items()}
    return HashRecord.model_validate({"external_id": external_id, "source": "AFP", **hexes, **fields})


def test_bad_lines_are_reported_by_number_and_the_rest_is_read() -> None:
    lines = [
        f'{{"external_id": "A1", "pdq": "{PDQ}"}}',
        "",
        "{not json",
        f'{{"external_id": "A2", "pdq": "{PDQ.upper()}"}}',
        f'{{"external_id": "A3", "pdq": "{PDQ}", "phash": "0123"}}',
        '{"external_id": "A4"}',
        f'{{"external_id": "A5", "pdq": "{PDQ}", "colour": "red"}}',
        f'{{"external_id": "A6", "pdq": "{PDQ}", "phash": "0123456789abcdef", "credit": "AFP"}}',
    ]
    parsed = dict(parse_lines(lines))
    assert sorted(n for n, item in parsed.items() if isinstance(item, BadLine)) == [3, 4, 5, 6, 7]
    errors = {n: item.error for n, item in parsed.items() if isinstance(item, BadLine)}
    assert "pdq" in errors[4] and "phash" in errors[5] and "colour" in errors[7]
    good = parsed[8]
    assert isinstance(good, HashRecord)
    assert good.codes() == {"pdq": bytes.fromhex(PDQ), "phash": bytes.fromhex("0123456789abcdef")}
    assert good.metadata() == {"credit": "AFP"}


def test_csv_records_with_empty_cells_and_a_bad_row() -> None:
    text = f"external_id,source,pdq,phash,credit\nC1,AP,{PDQ},,AP / Y\nC2,AP,zz,,\n"
    parsed = dict(parse_csv(io.StringIO(text)))
    assert isinstance(parsed[2], HashRecord) and parsed[2].metadata() == {"credit": "AP / Y"}
    assert isinstance(parsed[3], BadLine) and "pdq" in parsed[3].error


def test_import_skips_bad_repeated_and_existing_records(library: Library) -> None:
    record = f'{{"external_id": "A1", "source": "AFP", "pdq": "{PDQ}"}}'
    lines = [record, "oops", record]
    summary = library.import_hashes(parse_lines(lines), "afp.jsonl")
    assert (summary.imported, summary.existing, [bad.line for bad in summary.bad]) == (1, 0, [2, 3])
    again = library.import_hashes(parse_lines(lines[:1]), "afp.jsonl")
    assert (again.imported, again.existing) == (0, 1)
    reference = library.list()[0]
    assert (reference.external_id, reference.source, reference.has_pixels) == ("A1", "AFP", False)
    assert library.hash_neighbours("pdq", [bytes.fromhex(PDQ)], 0, 5) == [reference.id]
    library.delete(reference.id)
    assert library.count() == 0 and library.hash_neighbours("pdq", [bytes.fromhex(PDQ)], 0, 5) == []


def test_export_then_import_gives_the_same_records(library: Library, tmp_path) -> None:
    library.ingest(WOOD.read_bytes(), "Wood.jpg", ReferenceDetails(external_id="W-1", source="AP", credit="AP / Z"))
    library.import_hashes(parse_lines([to_line(_record_of(library, DUNE, "D-1", caption="Dunes"))]), "afp.jsonl")
    exported = [to_line(record) for record in library.export_hashes()]
    assert len(exported) == 2 and '"credit": "AP / Z"' in exported[0] and '"caption": "Dunes"' in exported[1]
    other = Library(Settings(home=tmp_path / "other"))
    try:
        summary = other.import_hashes(parse_lines(exported), "export.jsonl")
        assert (summary.imported, summary.bad) == (2, [])
        assert [to_line(record) for record in other.export_hashes()] == exported
    finally:
        other.close()


def test_a_check_matching_a_hash_only_original_says_copy_and_why(library: Library) -> None:
    library.import_hashes(parse_lines([to_line(_record_of(library, DUNE, "D-1", credit="AFP / Q"))]), "afp.jsonl")
    report = check_bytes(library, DUNE.read_bytes(), "dune.jpg")
    assert report.verdict == "copy"
    best = report.matches[0]
    assert best.reference.external_id == "D-1" and not best.reference.has_pixels and not best.verified
    assert best.regions == [] and best.transform is None
    assert report.candidates_verified == 1
    assert any("fingerprints only" in reason for reason in report.reasons)


def test_a_check_far_from_a_hash_only_original_is_unknown(library: Library) -> None:
    library.import_hashes(parse_lines([to_line(_record_of(library, DUNE, "D-1"))]), "afp.jsonl")
    report = check_bytes(library, WOOD.read_bytes(), "wood.jpg")
    assert report.verdict == "unknown" and report.matches == []


def _flipped(hex_code: str, bits: int) -> str:
    """The code with its first `bits` bits inverted: near the original, not within a match."""
    value = int(hex_code, 16) ^ (((1 << bits) - 1) << (len(hex_code) * 4 - bits))
    return f"{value:0{len(hex_code)}x}"


def test_a_hash_only_candidate_that_does_not_match_leaves_the_check_unknown(library: Library) -> None:
    """Close enough to be tried, too far to match: nothing to align its pixels or geometry with."""
    record = _record_of(library, DUNE, "D-1")
    near = record.model_copy(update={"pdq": _flipped(record.pdq, 50), "phash": _flipped(record.phash or "", 12)})
    library.import_hashes(parse_lines([to_line(near)]), "afp.jsonl")
    report = check_bytes(library, DUNE.read_bytes(), "dune.jpg")
    assert report.verdict == "unknown" and report.matches == []
    assert report.candidates_verified == 1
