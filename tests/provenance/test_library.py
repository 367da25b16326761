"""The library on the embedded default (SQLite + folder) and, when configured, PostgreSQL + S3."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from provenance.config import Settings
from provenance.errors import Conflict, InvalidInput, NotFound
from provenance.library.hash_records import parse_lines, to_line
from provenance.library.library import Library, ReferenceDetails
from provenance.library.search import REFRESH_SECONDS
from provenance.store.blobs import content_key
from tests.conftest import COPIES, MALFORMED, ORIGINALS

DUNE = ORIGINALS / "Dune.jpg"
pytestmark = pytest.mark.store


def test_ingest_is_idempotent_by_sha256(library: Library) -> None:
    first = library.ingest(DUNE.read_bytes(), str(DUNE))
    again = library.ingest(DUNE.read_bytes(), "elsewhere/other-name.jpg")
    assert first.created and not again.created
    assert again.reference.id == first.reference.id
    assert library.count() == 1


def test_external_id_defaults_to_the_file_stem_and_details_override(library: Library) -> None:
    plain = library.ingest(DUNE.read_bytes(), str(DUNE)).reference
    assert (plain.external_id, plain.source) == ("Dune", "unattributed")
    details = ReferenceDetails(external_id="AFP-123", source="AFP", credit="AFP / Jane Doe")
    wood = library.ingest((ORIGINALS / "Wood.jpg").read_bytes(), "Wood.jpg", details).reference
    assert (wood.external_id, wood.source) == ("AFP-123", "AFP")
    assert wood.image_metadata["credit"] == "AFP / Jane Doe"
    assert wood.image_metadata["camera_model"], "metadata the file carries is kept beside the stated fields"


def test_an_external_id_is_unique_within_a_source(library: Library) -> None:
    library.ingest(DUNE.read_bytes(), "x.jpg", ReferenceDetails(external_id="ID-1", source="AP"))
    with pytest.raises(Conflict):
        library.ingest(
            (ORIGINALS / "Wood.jpg").read_bytes(), "y.jpg", ReferenceDetails(external_id="ID-1", source="AP")
        )
    other_source = library.ingest(
        (ORIGINALS / "Wood.jpg").read_bytes(), "y.jpg", ReferenceDetails(external_id="ID-1", source="Reuters")
    )
    assert other_source.created
    assert library.count() == 2


def test_bad_input_is_refused_and_nothing_stored_is_lost(library: Library) -> None:
    library.ingest(DUNE.read_bytes(), str(DUNE))
    for data in (b"", b"not an image", (MALFORMED / "truncated_jpeg.jpg").read_bytes()):
        with pytest.raises(InvalidInput):
            library.ingest(data, "bad.jpg")
    assert [r.external_id for r in library.list()] == ["Dune"]


def test_list_filters_by_source_and_pages(library: Library) -> None:
    for index, path in enumerate(sorted(ORIGINALS.glob("*.jpg"))):
        library.ingest(path.read_bytes(), str(path), ReferenceDetails(source="AP" if index % 2 else "AFP"))
    assert library.count() == 4 and library.count(source="AP") == 2
    assert [r.source for r in library.list(source="AFP")] == ["AFP", "AFP"]
    first_page, second_page = library.list(limit=3), library.list(limit=3, offset=3)
    assert len(first_page) == 3 and len(second_page) == 1


def test_delete_removes_the_reference_its_fingerprints_and_working_copy(library: Library) -> None:
    reference = library.ingest(DUNE.read_bytes(), str(DUNE)).reference
    assert library.indexes.hash_distance("pdq", reference.id, [b"\0" * 32]) is not None
    assert library.blobs.exists(content_key(reference.sha256))
    library.delete(reference.id)
    assert not library.blobs.exists(content_key(reference.sha256))
    assert library.indexes.hash_distance("pdq", reference.id, [b"\0" * 32]) is None
    with pytest.raises(NotFound):
        library.get(reference.id)
    with pytest.raises(NotFound):
        library.delete(reference.id)


def test_indexes_follow_ingests_made_after_they_were_loaded(library: Library) -> None:
    library.ingest(DUNE.read_bytes(), str(DUNE))
    assert len(library.indexes.hashes("phash")) == 1
    library.ingest((ORIGINALS / "Wood.jpg").read_bytes(), "Wood.jpg")
    assert len(library.indexes.hashes("phash")) == 2


def test_sqlite_runs_in_wal_mode(library: Library, settings: Settings) -> None:
    if settings.database_url:
        pytest.skip("an SQLite setting")
    library.ingest((COPIES / "dune_half_q40.jpg").read_bytes(), "copy.jpg")
    with library.sessions() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert (settings.home / "provenance.db").exists()


def test_another_process_sees_ingests_and_deletes_within_seconds(library: Library) -> None:
    server = Library(library.settings)
    try:
        assert server.hash_neighbours("pdq", [b"\0" * 32], 256, 5) == []
        dune = library.ingest(DUNE.read_bytes(), str(DUNE)).reference
        wood = library.ingest((ORIGINALS / "Wood.jpg").read_bytes(), "Wood.jpg").reference
        time.sleep(REFRESH_SECONDS + 0.1)
        assert sorted(server.hash_neighbours("pdq", [b"\0" * 32], 256, 5)) == sorted([dune.id, wood.id])
        generation = server.indexes.generation
        library.delete(dune.id)
        time.sleep(REFRESH_SECONDS + 0.1)
        assert server.hash_neighbours("pdq", [b"\0" * 32], 256, 5) == [wood.id]
        assert server.hash_distance("pdq", dune.id, [b"\0" * 32]) is None
        assert server.indexes.generation == generation + 1
    finally:
        server.close()


def test_hash_records_import_skip_existing_and_export(library: Library) -> None:
    pdq = "0f" * 32
    lines = [
        json.dumps({"external_id": "A1", "source": "AFP", "pdq": pdq, "phash": "00ff" * 4, "credit": "AFP / Q"}),
        json.dumps({"external_id": "A2", "pdq": pdq}),
    ]
    summary = library.import_hashes(parse_lines(lines), "afp.jsonl")
    assert (summary.imported, summary.existing, summary.bad) == (2, 0, [])
    again = library.import_hashes(parse_lines(lines), "afp.jsonl")
    assert (again.imported, again.existing) == (0, 2)
    first = library.list(source="AFP")[0]
    assert not first.has_pixels and first.image_metadata["credit"] == "AFP / Q"
    assert sorted(library.hash_neighbours("pdq", [bytes.fromhex(pdq)], 0, 5)) == sorted(
        r.id for r in library.list()
    )
    exported = [json.loads(to_line(record)) for record in library.export_hashes()]
    assert exported == [json.loads(lines[0]), {"external_id": "A2", "source": "unattributed", "pdq": pdq}]
