"""No Docker engine runs here, so docker/compose.yaml is checked for what it must hold:
the services, their health checks and order of start, one blob volume shared by the API
and the workers, settings that exist, and commands the `provenance` CLI really has."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.app import app
from provenance.config import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
PROVENANCE = sorted(name for name, service in SERVICES.items() if service.get("image", "").startswith("provenance"))
WORKERS_MERGED = "broker_url" in Settings.model_fields
"""`provenance worker`, `serve --workers` and PROVENANCE_BROKER_URL come from the workers
branch (issue 12); until it is merged in, the checks that need them are expected to fail."""
needs_workers = pytest.mark.xfail(not WORKERS_MERGED, reason="the workers branch is not merged", strict=True)


def test_the_stack_has_its_services_with_health_checks() -> None:
    assert set(SERVICES) == {"postgres", "redis", "migrate", "api", "worker"}
    assert PROVENANCE == ["api", "migrate", "worker"]
    assert "pg_isready" in SERVICES["postgres"]["healthcheck"]["test"]
    assert SERVICES["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    api_check = " ".join(SERVICES["api"]["healthcheck"]["test"])
    assert re.search(r"http://127\.0\.0\.1:8000/readyz", api_check) and "8000:8000" in SERVICES["api"]["ports"]
    assert SERVICES["worker"]["healthcheck"] == {"disable": True}, "a worker serves no HTTP: not the image's check"


def test_migrations_run_once_before_the_api_and_workers_start() -> None:
    assert SERVICES["migrate"]["command"] == ["db", "upgrade"] and SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        depends = {service: rule["condition"] for service, rule in SERVICES[name]["depends_on"].items()}
        assert depends == {"migrate": "service_completed_successfully", "postgres": "service_healthy",
                           "redis": "service_healthy"}
        assert SERVICES[name]["environment"]["PROVENANCE_MIGRATE_ON_START"] == "false"


def test_workers_scale_and_share_the_blobs_and_the_database_with_the_api() -> None:
    worker = SERVICES["worker"]
    assert worker["deploy"]["replicas"] >= 2 and "container_name" not in worker and "ports" not in worker
    for name in PROVENANCE:
        environment = SERVICES[name]["environment"]
        assert environment == SERVICES["api"]["environment"], "every process opens the same store"
        assert SERVICES[name]["volumes"] == ["blobs:/data"]
        assert environment["PROVENANCE_BLOB_URL"].startswith("/data/")
        assert environment["PROVENANCE_DATABASE_URL"].startswith("postgresql+psycopg://provenance:")
        assert environment["PROVENANCE_DATABASE_URL"].endswith("@postgres:5432/provenance")
    assert set(COMPOSE["volumes"]) == {"postgres", "redis", "blobs"}


@needs_workers
def test_every_setting_exists() -> None:
    for name in SERVICES["api"]["environment"]:
        assert name.startswith("PROVENANCE_") and name.removeprefix("PROVENANCE_").lower() in Settings.model_fields


def test_the_image_runs_the_provenance_command() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    entrypoint = re.search(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.MULTILINE)
    assert entrypoint and json.loads(entrypoint.group(1)) == ["provenance"]
    assert SERVICES["api"]["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}


@pytest.mark.parametrize(
    "name", [pytest.param("api", marks=needs_workers), "migrate", pytest.param("worker", marks=needs_workers)]
)
def test_each_command_is_a_real_cli_command(name: str) -> None:
    """The command with --help appended: an unknown command or option fails to parse."""
    command = SERVICES[name]["command"]
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    for option in (argument for argument in command if argument.startswith("--")):
        assert option in result.output
