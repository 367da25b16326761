"""schemathesis, every check, against `provenance serve` as a user runs it (keys required,
an admin key so that every operation is reachable): 0 failures. Before issue 14 it found
12 (2 server errors, 6 schema-valid requests rejected, 2 undocumented statuses, 2 `Allow`
mismatches). The one allowance is in tests/api/schemathesis.toml: random bytes in an
upload are schema-valid binary but not an image, and their documented refusal counts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.test_cli_server import run_server
from tests.test_cli import run

pytestmark = pytest.mark.slow  # a server process and schemathesis

CONFIG = Path(__file__).with_name("schemathesis.toml")
OPENAPI = Path(__file__).resolve().parents[2] / "api" / "openapi.json"
EXAMPLES = 40
"""Per operation and phase; the whole run stays near a minute on two cores."""


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    key = run(home, "keys", "create", "schemathesis", "--scope", "admin").stdout.strip()
    limits = {"PROVENANCE_RATE_LIMIT_PER_MINUTE": "0", "PROVENANCE_MAX_CONCURRENT_CHECKS_PER_KEY": "4"}
    with run_server(home, limits) as url:
        command = [
            str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG), "--no-color",
            "run", f"{url}/openapi.json", "--max-examples", str(EXAMPLES), "--workers", "1",
            "--header", f"Authorization: Bearer {key}", "--seed", "14",
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                                env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
    summary = re.search(r"(\d+) generated, .*", result.stdout)
    print(summary.group(0) if summary else result.stdout[-2000:])
    assert result.returncode == 0, result.stdout[-6000:]
    paths = json.loads(OPENAPI.read_text())["paths"]  # the committed document (test_openapi: the app's)
    operations = sum(len(methods) for methods in paths.values())
    assert summary and int(summary.group(1)) >= operations * 10, "every operation gets cases"
    assert f"Tested: {operations}" in result.stdout, "every operation of the API is tested"
