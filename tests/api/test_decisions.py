"""Reviewer decisions over HTTP and the CLI: kept, shown beside the verdict, and a
rejected original never proposed again for the same file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.api.conftest import Keys, Server
from tests.conftest import COPIES


def check(http, name: str) -> dict:
    path = COPIES / name
    answer = http.post("/v1/checks", files={"file": (path.name, path.read_bytes(), "image/jpeg")})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_rejected_original_is_never_proposed_again_for_the_same_file(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        first = check(http, "dune_half_q40.jpg")
        dune = first["matches"][0]["reference"]["id"]
        answer = http.post(f"/v1/checks/{first['id']}/decision", json={"decision": "rejected", "note": "other dune"})
        assert answer.status_code == 201, answer.text
        decision = answer.json()
        assert decision["reference_id"] == dune and decision["machine_verdict"] == "copy"
        assert decision["reviewer"] == "desk"  # the key's name

        shown = http.get(f"/v1/checks/{first['id']}").json()
        assert shown["verdict"] == "copy"  # the machine's word stays as it was
        assert [d["decision"] for d in shown["decisions"]] == ["rejected"]

        second = check(http, "dune_half_q40.jpg")
        assert dune not in [m["reference"]["id"] for m in second["matches"]]
        assert second["verdict"] in ("unknown", "related")
        assert any("editors rejected original" in reason for reason in second["reasons"])

        other = check(http, "ladybird_brighter.jpg")  # another file is not affected
        assert other["verdict"] == "copy"


def test_decisions_are_an_append_only_log(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        report = check(http, "ladybird_brighter.jpg")
        for word in ("rejected", "confirmed"):
            answer = http.post(f"/v1/checks/{report['id']}/decision", json={"decision": word})
            assert answer.status_code == 201
        log = http.get(f"/v1/checks/{report['id']}/decisions").json()
        assert [d["decision"] for d in log] == ["rejected", "confirmed"]
        assert log[0]["created_at"] <= log[1]["created_at"]
        again = check(http, "ladybird_brighter.jpg")  # the last word (confirmed) stands
        assert again["verdict"] == "copy"


def test_bad_decisions_are_refused(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        unknown = check(http, "storm_not_in_library.jpg")
        copy = check(http, "ladybird_brighter.jpg")
        assert http.post("/v1/checks/nope/decision", json={"decision": "rejected"}).status_code == 404
        no_match = http.post(f"/v1/checks/{unknown['id']}/decision", json={"decision": "rejected"})
        assert no_match.status_code == 409 and no_match.json()["error"]["code"] == "no_match"
        wrong = http.post(f"/v1/checks/{copy['id']}/decision", json={"decision": "rejected", "reference_id": 999})
        assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "not_proposed"
        bad_word = http.post(f"/v1/checks/{copy['id']}/decision", json={"decision": "maybe"})
        assert bad_word.status_code == 422
        assert http.get(f"/v1/checks/{copy['id']}/decisions").json() == []
    with server.client(keys.ingest) as http:
        assert http.post(f"/v1/checks/{copy['id']}/decision", json={"decision": "rejected"}).status_code == 403


def test_cli_decides_and_eval_reports_agreement(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        copy = check(http, "ladybird_brighter.jpg")
        montage = check(http, "elephants_pasted.jpg")
    environment = {**os.environ, "PROVENANCE_HOME": str(server.settings.home)}
    environment.pop("PROVENANCE_DATABASE_URL", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=environment)

    confirmed = cli("decide", copy["id"], "confirm", "--reviewer", "anna", "--json")
    assert confirmed.returncode == 0, confirmed.stderr
    assert json.loads(confirmed.stdout)["reviewer"] == "anna"
    assert cli("decide", montage["id"], "reject", "--note", "a different herd").returncode == 0
    assert cli("decide", "nope", "reject").returncode == 1
    agreement = cli("eval", "--decisions", "--json")
    assert agreement.returncode == 0, agreement.stderr
    figures = json.loads(agreement.stdout)
    assert figures["decided"] == 2 and figures["agreement"] == 0.5
    assert figures["by_verdict"]["copy"] == {"confirmed": 1, "rejected": 0}
