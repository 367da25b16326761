"""`provenance ingest`: add originals to the library."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import EXIT_PARTIAL, JsonOption, err, fail, print_json_line, progress
from cli.services import opened_services
from provenance.errors import ProvenanceError
from provenance.folders import iter_files, read_sidecar
from provenance.library.library import ReferenceDetails
from provenance.report import ErrorInfo
from service.models import IngestFailure, IngestLine, reference_brief, watch_event
from service.startup import Services


def ingest(
    paths: Annotated[list[str], typer.Argument(help="Image files and folders (walked recursively).")],
    source: Annotated[str | None, typer.Option(help="Agency or collection, e.g. AFP.")] = None,
    external_id: Annotated[
        str | None, typer.Option(help="The agency's ID for a single file (default: the file's stem or its sidecar).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add originals to the library. Idempotent: the same bytes twice add nothing.

    A sidecar `photo.jpg.json` may state external_id, source, credit, byline, caption,
    headline, captured_at, city, country and copyright; options override it.
    """
    files = list(iter_files(paths))
    if external_id and len(files) != 1:
        fail("--external-id names one file; use sidecar files for many")
    counts = {"added": 0, "exists": 0, "error": 0}
    with opened_services() as services, progress(len(files), "Ingesting", not as_json) as advance:
        for path in files:
            line = ingest_file(services, path, source, external_id)
            counts[line.status] += 1
            if as_json:
                print_json_line(line)
            elif isinstance(line, IngestFailure):
                err.print(f"[red]skipped[/] {path}: {line.error.message}", highlight=False)
            if isinstance(line, IngestLine) and line.status == "added":
                for event in map(watch_event, services.recheck_watched(line.reference.id)):
                    err.print(f"[bold]watchlist:[/] check {event.check_id}: {event.summary}", highlight=False)
            advance()
    if not as_json:
        err.print(
            f"{counts['added']} added, {counts['exists']} already in the library, {counts['error']} failed.",
            highlight=False,
        )
    if counts["error"]:
        raise typer.Exit(EXIT_PARTIAL)


def ingest_file(
    services: Services, path: str, source: str | None, external_id: str | None
) -> IngestLine | IngestFailure:
    """One file in, with its sidecar; options override the sidecar. A file that cannot be
    read or taken in is a failure line, not an exception: the others go on."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        details = read_sidecar(path) or ReferenceDetails()
        overrides = {k: v for k, v in {"source": source, "external_id": external_id}.items() if v}
        outcome = services.library.ingest(data, path, details.model_copy(update=overrides))
    except OSError as exc:
        return IngestFailure(path=path, error=ErrorInfo(code="unreadable", message=exc.strerror or str(exc)))
    except ProvenanceError as exc:
        return IngestFailure(path=path, error=ErrorInfo(code=exc.code, message=str(exc)))
    reference = reference_brief(outcome.reference)
    return IngestLine(path=path, status="added" if outcome.created else "exists", reference=reference)
