"""End to end through the installed `provenance` command, as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from cli import app
from provenance.claims import Claims
from tests.conftest import COPIES, MALFORMED, ORIGINALS

PROVENANCE = [sys.executable, "-m", "cli"]


def run(home: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None):
    environment = {**os.environ, "PROVENANCE_HOME": str(home), "COLUMNS": "200", **(env or {})}
    environment.pop("PROVENANCE_DATABASE_URL", None)
    return subprocess.run(
        [*PROVENANCE, *args], capture_output=True, text=True, env=environment, input=stdin, timeout=300
    )


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    result = run(tmp_path / "home", "ingest", str(ORIGINALS))
    assert result.returncode == 0, result.stderr
    assert "4 added, 0 already in the library, 0 failed." in result.stderr
    return tmp_path / "home"


@pytest.mark.slow
def test_second_ingest_adds_nothing(home: Path) -> None:
    result = run(home, "ingest", "--json", str(ORIGINALS))
    lines = json_lines(result.stdout)
    assert result.returncode == 0
    assert [line["status"] for line in lines] == ["exists"] * 4
    assert {line["reference"]["external_id"] for line in lines} == {"DEMO-0001", "DEMO-0002", "DEMO-0003", "DEMO-0004"}


@pytest.mark.slow
def test_ingest_reports_bad_files_skips_them_and_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    shutil.copy(MALFORMED / "truncated_jpeg.jpg", folder / "a_broken.jpg")
    (folder / "b_empty.jpg").write_bytes(b"")
    shutil.copy(ORIGINALS / "Dune.jpg", folder / "c_dune.jpg")
    result = run(tmp_path / "home", "ingest", "--json", str(folder))
    lines = json_lines(result.stdout)
    assert result.returncode == 1
    assert [line["status"] for line in lines] == ["error", "error", "added"]
    assert lines[0]["error"]["code"] == "corrupt_image" and lines[1]["error"]["code"] == "corrupt_image"
    assert lines[2]["reference"]["external_id"] == "c_dune"


@pytest.mark.slow
def test_external_id_option_and_source(tmp_path: Path) -> None:
    wood = str(ORIGINALS / "Wood.jpg")
    result = run(tmp_path / "home", "ingest", "--json", "--source", "AFP", "--external-id", "AFP_123", wood)
    reference = json_lines(result.stdout)[0]["reference"]
    assert (reference["external_id"], reference["source"]) == ("AFP_123", "AFP")
    refused = run(tmp_path / "home", "ingest", "--external-id", "X", str(ORIGINALS))
    assert refused.returncode == 2 and "--external-id names one file" in refused.stderr


@pytest.mark.slow
def test_check_json_lines_in_input_order_with_errors(home: Path) -> None:
    inputs = [
        COPIES / "dune_half_q40.jpg",
        ORIGINALS / "Dune.jpg",
        MALFORMED / "truncated_jpeg.jpg",
        COPIES / "storm_not_in_library.jpg",
        COPIES / "ladybird_mirrored.webp",
    ]
    result = run(home, "check", "--json", *map(str, inputs))
    reports = json_lines(result.stdout)
    assert result.returncode == 1, "an unreadable input makes the exit code non-zero"
    assert [r["input"]["path"] for r in reports] == [str(p) for p in inputs]
    assert [r.get("verdict") for r in reports] == ["copy", "identical", None, "unknown", "copy"]
    assert reports[2]["error"]["code"] == "corrupt_image" and "verdict" not in reports[2]
    assert reports[0]["matches"][0]["reference"]["external_id"] == "DEMO-0001"
    for key in ("input", "verdict", "confidence", "reasons", "matches", "metadata"):
        assert key in reports[0]
    match = reports[0]["matches"][0]
    for key in ("reference", "distances", "edits", "regions", "metadata_diff", "transform"):
        assert key in match


@pytest.mark.slow
def test_check_all_good_exits_zero_and_prints_a_table(home: Path) -> None:
    result = run(home, "check", str(COPIES / "elephants.png"), str(COPIES / "wood_rotated_grey.jpg"))
    assert result.returncode == 0, result.stderr
    assert "DEMO-0002" in result.stdout and "DEMO-0004" in result.stdout and "copy" in result.stdout


@pytest.mark.slow
def test_montage_samples_are_outlined_and_evidence_is_written(home: Path, tmp_path: Path) -> None:
    pasted, composite = COPIES / "elephants_pasted.jpg", COPIES / "dune_ladybird_composite.jpg"
    result = run(home, "check", "--json", "--evidence", str(tmp_path / "evidence"), str(pasted), str(composite))
    assert result.returncode == 0, result.stderr
    altered, built = json_lines(result.stdout)
    assert altered["verdict"] == "altered"
    x, y, w, h = altered["matches"][0]["regions"][0]["bbox"]
    assert abs(x - 500) <= 12 and abs(y - 180) <= 12 and abs(w - 120) <= 24 and abs(h - 100) <= 24
    assert built["verdict"] == "composite"
    assert built["matches"][0]["regions"][0]["explained_by"]["external_id"] == "DEMO-0003"
    for report in (altered, built):
        evidence = Path(report["evidence"])
        assert evidence.parent == tmp_path / "evidence" and evidence.read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_references_list_show_delete(home: Path) -> None:
    listed = json_lines(run(home, "references", "list", "--json").stdout)
    assert len(listed) == 4
    dune = next(r for r in listed if r["external_id"] == "DEMO-0001")
    shown = json.loads(run(home, "references", "show", str(dune["id"])).stdout)
    assert shown["metadata"]["caption"] == "Sand dunes at dusk." and shown["source"] == "Demo Wire"
    assert run(home, "references", "delete", str(dune["id"]), stdin="n\n").returncode == 1
    assert run(home, "references", "delete", "--yes", str(dune["id"])).returncode == 0
    assert len(json_lines(run(home, "references", "list", "--json").stdout)) == 3
    missing = run(home, "references", "show", str(dune["id"]))
    assert missing.returncode == 1 and "no reference" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.slow
def test_bad_settings_give_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = run(tmp_path / "home", "check", str(COPIES / "elephants.png"), env={"PROVENANCE_MAX_BYTES": "lots"})
    assert result.returncode == 2
    assert "PROVENANCE_" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_byte_cap_is_a_clear_error(home: Path) -> None:
    result = run(home, "check", "--json", str(COPIES / "elephants.png"), env={"PROVENANCE_MAX_BYTES": "1000"})
    report = json_lines(result.stdout)[0]
    assert result.returncode == 1 and report["error"]["code"] == "limit_exceeded"


def test_check_has_an_option_for_every_claim() -> None:
    """The claims are declared once, by `Claims`; `provenance check` offers each (the
    montage claim as the --claim-montage/--claim-unaltered flag)."""
    options = {param.name for param in typer.main.get_command(app).commands["check"].params}
    claims = {"claim_montage" if name == "claimed_montage" else name for name in Claims.model_fields}
    assert claims <= options


@pytest.mark.slow
def test_export_and_ingest_hashes_round_trip(home: Path, tmp_path: Path) -> None:
    exported = tmp_path / "afp.jsonl"
    assert run(home, "references", "export", str(exported)).returncode == 0
    records = json_lines(exported.read_text())
    assert len(records) == 4 and all(len(record["pdq"]) == 64 for record in records)
    other = tmp_path / "other"
    result = run(other, "ingest-hashes", str(exported))
    assert result.returncode == 0, result.stderr
    assert "4 imported, 0 already in the library, 0 bad lines skipped" in result.stderr
    again = tmp_path / "again.jsonl"
    assert run(other, "references", "export", str(again)).returncode == 0
    assert again.read_text() == exported.read_text()
    listed = json_lines(run(other, "references", "list", "--json").stdout)
    assert [line["has_pixels"] for line in listed] == [False] * 4


@pytest.mark.slow
def test_ingest_hashes_reports_bad_lines_and_imports_the_rest(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    good = json.dumps({"external_id": "A1", "source": "AFP", "pdq": "ab" * 32})
    records.write_text(f"{good}\n{{broken\n" + json.dumps({"external_id": "A2", "pdq": "ab"}) + "\n")
    result = run(tmp_path / "home", "ingest-hashes", str(records))
    assert result.returncode == 1
    assert "line 2:" in result.stderr and "line 3: pdq" in result.stderr
    assert "1 imported, 0 already in the library, 2 bad lines skipped" in result.stderr
    missing = run(tmp_path / "home", "ingest-hashes", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


@pytest.mark.slow
def test_every_input_gets_its_line_after_a_one_pixel_image(home: Path, tmp_path: Path) -> None:
    from PIL import Image

    line, column = tmp_path / "line.png", tmp_path / "column.png"
    Image.new("RGB", (1, 300), (10, 20, 30)).save(column)
    Image.new("RGB", (500, 1), (200, 20, 30)).save(line)
    result = run(home, "check", str(column), str(line), str(ORIGINALS / "Dune.jpg"), "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    verdicts = [(r["input"]["path"], r.get("verdict")) for r in json_lines(result.stdout)]
    assert verdicts == [(str(column), "unknown"), (str(line), "unknown"), (str(ORIGINALS / "Dune.jpg"), "identical")]


def test_an_internal_failure_is_that_input_s_error_line() -> None:
    from cli.check import checked

    def broken(path: str, sink: object, claims: Claims):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    report = checked(broken, "odd.png", None, Claims())
    assert report.error.code == "internal_error" and "boom" in report.error.message  # type: ignore[union-attr]


def test_bench_scale_prints_its_figures_and_refuses_donors_without_pictures(tmp_path: Path) -> None:
    donors = Path(__file__).parent / "fixtures" / "same_scene"
    result = run(tmp_path, "bench-scale", str(ORIGINALS), "--donors", str(donors), "--references", "200")
    assert result.returncode == 0, result.stderr
    for figure in ("one ingest's feature index update", "feature look-up (shortlist + re-rank), p50"):
        assert figure in result.stdout
    found = next(line for line in result.stdout.splitlines() if "real queries whose original is a candidate" in line)
    assert "24 of 24" in found
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no pictures here")
    refused = run(tmp_path, "bench-scale", str(ORIGINALS), "--donors", str(empty), "--references", "10")
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
