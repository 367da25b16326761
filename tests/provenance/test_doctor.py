"""`provenance doctor` on each store: orphans removed (or only listed in a dry run, or
kept while young), rows whose blob is gone reported."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.app import app
from provenance.library.library import Library
from provenance.store import Batch, CheckRecord, open_blobs
from provenance.store.blobs import content_key
from tests.conftest import ORIGINALS, environment_of

pytestmark = pytest.mark.store
STRAY_SHA = "5a" * 32
LOST_EVIDENCE = "e0" * 32


def doctor(library: Library, *args: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(app, ["doctor", "--json", *args], env=environment_of(library.settings))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


def test_doctor_finds_repairs_and_reports(library: Library) -> None:
    settings = library.settings
    evidence, spool = open_blobs(settings, "evidence"), open_blobs(settings, "spool")
    kept = library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg").reference
    gone = library.ingest((ORIGINALS / "Wood.jpg").read_bytes(), "Wood.jpg").reference
    library.blobs.delete(gone.sha256)
    library.blobs.put(STRAY_SHA, b"an original whose row was never written")
    library.blobs.write("5a/5a/.incoming-x1", b"half written")
    evidence.put("e1" * 32, b"evidence of no check")
    spool.write("nobatch/0", b"spooled, batch never recorded")
    spool.write("finished/0", b"spooled, batch done")
    spool.write("running/0", b"still to check")
    with library.sessions.begin() as session:
        session.add(Batch(id="finished", status="done", filenames=["a.jpg"]))
        session.add(Batch(id="running", status="running", filenames=["a.jpg", "b.jpg"]))
        session.add(CheckRecord(id="c1", filename="x.jpg", submitted={}, report={}, evidence_sha256=LOST_EVIDENCE))

    young_code, young = doctor(library)
    assert young_code == 1 and not any(f["repaired"] for f in young), "orphans younger than an hour are kept"

    code, dry = doctor(library, "--dry-run", "--min-age", "0")
    found = {(f["kind"], f["area"], f["key"]) for f in dry}
    assert found == {
        ("orphan", "originals", content_key(STRAY_SHA)),
        ("orphan", "originals", "5a/5a/.incoming-x1"),
        ("missing", "originals", content_key(gone.sha256)),
        ("orphan", "evidence", content_key("e1" * 32)),
        ("missing", "evidence", content_key(LOST_EVIDENCE)),
        ("orphan", "spool", "nobatch/"),
        ("orphan", "spool", "finished/"),
        ("missing", "spool", "running/"),
    }
    assert code == 1 and not any(f["repaired"] for f in dry)
    assert library.blobs.exists(content_key(STRAY_SHA)), "a dry run removes nothing"
    assert "[1]" in next(f["detail"] for f in dry if f["key"] == "running/")

    code, repaired = doctor(library, "--min-age", "0")
    assert code == 1, "the missing blobs are left for a person"
    assert {f["key"] for f in repaired if f["repaired"]} == {k for kind, _, k in found if kind == "orphan"}
    assert [info.key for info in library.blobs.list()] == [content_key(kept.sha256)]
    assert list(evidence.list()) == [] and [info.key for info in spool.list()] == ["running/0"]
    _, again = doctor(library, "--min-age", "0")
    assert {f["kind"] for f in again} == {"missing"}


def test_a_healthy_store_needs_nothing(library: Library) -> None:
    library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg")
    result = CliRunner().invoke(app, ["doctor", "--min-age", "0"], env=environment_of(library.settings))
    assert result.exit_code == 0 and "0 found, 0 removed, 0 missing" in result.stdout
