"""Checks over HTTP on real photos: the CLI's report plus an id, stored, with evidence."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.api.conftest import Keys, Server, start_server
from tests.conftest import COPIES, ORIGINALS, environment_of

pytestmark = pytest.mark.store

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def upload(path, **fields):
    return {"files": {"file": (path.name, path.read_bytes(), "application/octet-stream")}, "data": fields}


def test_check_a_copy_gives_the_cli_report_with_an_id_and_evidence(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        answer = http.post(
            "/v1/checks",
            **upload(COPIES / "dune_half_q40.jpg", claimed_source="AFP", claimed_date="2024-05-01", note="from X"),
        )
        assert answer.status_code == 201, answer.text
        report = answer.json()
        assert answer.headers["location"] == f"/v1/checks/{report['id']}"
        assert report["verdict"] == "copy"
        assert report["matches"][0]["reference"]["external_id"] == "DEMO-0001"
        assert report["input"]["path"] == "dune_half_q40.jpg"
        assert report["submitted"] == {
            "claimed_source": "AFP", "claimed_date": "2024-05-01", "claimed_location": None, "claimed_montage": None,
            "note": "from X",
        }
        assert list(report)[:2] == ["id", "input"]
        assert list(report)[-5:] == ["submitted", "created_at", "decisions", "recheck_of", "rechecked_as"]
        assert report["evidence"] == f"/v1/checks/{report['id']}/evidence.png"
        again = http.get(f"/v1/checks/{report['id']}")
        assert again.status_code == 200 and again.json() == report
        evidence = http.get(report["evidence"])
        assert evidence.status_code == 200 and evidence.headers["content-type"] == "image/png"
        assert evidence.content.startswith(PNG_SIGNATURE)
        assert evidence.headers["x-content-type-options"] == "nosniff"


@pytest.mark.slow
def test_same_report_as_the_cli(server: Server, keys: Keys) -> None:
    """The API's report is `provenance check --json`'s, field for field, plus the stored fields."""
    copy = COPIES / "ladybird_mirrored.webp"
    environment = {**environment_of(server.settings), "PATH": ""}
    cli = subprocess.run(
        [sys.executable, "-m", "cli", "check", "--json", str(copy)],
        capture_output=True, text=True, env=environment, timeout=300,
    )
    local = json.loads(cli.stdout)
    with server.client(keys.check) as http:
        remote = http.post("/v1/checks", **upload(copy)).json()
    for stored in ("id", "submitted", "created_at", "decisions", "recheck_of", "rechecked_as"):
        remote.pop(stored)
    local["input"]["path"], local["evidence"] = remote["input"]["path"], remote["evidence"]
    assert remote.keys() == local.keys()
    assert remote == local


def test_unknown_photo_gets_the_no_reference_evidence(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        report = http.post("/v1/checks", **upload(COPIES / "storm_not_in_library.jpg")).json()
        assert report["verdict"] == "unknown" and report["forensics"]
        png = http.get(report["evidence"])
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        assert http.get("/v1/checks/0123456789abcdef").json()["error"]["code"] == "not_found"
        missing = http.get("/v1/checks/0123456789abcdef/evidence.png")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_identical_original(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        report = http.post("/v1/checks", **upload(ORIGINALS / "Wood.jpg")).json()
    assert report["verdict"] == "identical"


def test_checks_and_evidence_survive_a_restart(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        report = http.post("/v1/checks", **upload(COPIES / "elephants.png")).json()
        evidence = http.get(report["evidence"]).content
    server.stop()
    restarted = start_server(server.settings)
    try:
        with restarted.client(keys.check) as http:
            assert http.get(f"/v1/checks/{report['id']}").json() == report
            assert http.get(report["evidence"]).content == evidence
    finally:
        restarted.stop()


def test_claims_are_refused_as_the_domain_and_the_form_limits_say(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        bad_date = http.post("/v1/checks", **upload(COPIES / "elephants.png", claimed_date="last spring"))
        too_long = http.post("/v1/checks", **upload(COPIES / "elephants.png", claimed_source="x" * 501))
    assert bad_date.status_code == 400 and bad_date.json()["error"]["code"] == "invalid_input"
    assert bad_date.json()["error"]["message"].startswith("claimed date 'last spring' is not ISO 8601")
    assert too_long.status_code == 422 and too_long.json()["error"] == {
        "code": "invalid_request", "message": "claimed_source: String should have at most 500 characters"
    }
