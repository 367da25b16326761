"""`provenance doctor`: find and repair what a crash or a full disk left between the
database and the blob stores (see provenance.store.doctor)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from cli.output import EXIT_PARTIAL, JsonOption, fail, out, print_json_line
from cli.services import load_settings
from provenance.errors import ProvenanceError
from provenance.store import dispose, open_blobs, open_database
from provenance.store.blobs import AREAS
from provenance.store.doctor import MISSING, examine


def doctor(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; remove nothing.")] = False,
    min_age: Annotated[
        int, typer.Option("--min-age", min=0, help="Seconds: younger orphans are kept (a write may be in progress).")
    ] = 3600,
    as_json: JsonOption = False,
) -> None:
    """Find blobs without rows (removed) and rows whose blob is missing (reported).
    Exit 1 when something is left for a person: a missing blob, or orphans kept."""
    settings = load_settings()
    try:
        sessions = open_database(settings.resolved_database_url, settings.migrate_on_start)
    except (SQLAlchemyError, ProvenanceError) as exc:
        fail(f"cannot open the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    try:
        stores = {area: open_blobs(settings, area) for area in AREAS}
        findings = examine(sessions, stores, repair=not dry_run, min_age=timedelta(seconds=min_age))
    except ProvenanceError as exc:
        fail(str(exc))
    finally:
        dispose(sessions)
    for finding in findings:
        if as_json:
            print_json_line({"kind": finding.kind, "area": finding.area, "key": finding.key,
                             "detail": finding.detail, "repaired": finding.repaired})
        else:
            action = "removed" if finding.repaired else "found"
            out.print(f"{action} {finding.kind} {finding.area}/{finding.key}: {finding.detail}", highlight=False)
    left = [f for f in findings if not f.repaired]
    if not as_json:
        repaired = len(findings) - len(left)
        missing = sum(f.kind == MISSING for f in findings)
        out.print(f"{len(findings)} found, {repaired} removed, {missing} missing"
                  + (" (dry run: nothing removed)" if dry_run else ""), highlight=False)
    if left:
        raise typer.Exit(EXIT_PARTIAL)
