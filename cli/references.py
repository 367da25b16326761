"""`provenance references list|show|delete`: see and manage the library of originals."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.output import EXIT_PARTIAL, JsonOption, err, fail, out, print_json_line
from cli.services import opened_services
from provenance.errors import ProvenanceError
from provenance.library.library import Library, reference_metadata
from provenance.store import Reference
from service.models import reference_brief, reference_out

app = typer.Typer(help="See and manage the library of originals.", no_args_is_help=True)


@app.command("list")
def references_list(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonOption = False,
) -> None:
    """List originals in the library."""
    with opened_services() as services:
        references = services.library.list(source=source, limit=limit, offset=offset)
        total = services.library.count(source=source)
    if as_json:
        for reference in references:
            print_json_line(reference_brief(reference))
        return
    table = Table(title=f"References {offset + 1}-{offset + len(references)} of {total}")
    for column in ("ID", "External ID", "Source", "Credit", "Captured", "Size", "Ingested"):
        table.add_column(column, overflow="fold")
    for reference in references:
        metadata = reference_metadata(reference)
        table.add_row(
            str(reference.id),
            reference.external_id,
            reference.source,
            metadata.credit or "",
            metadata.captured_at or "",
            f"{reference.width}x{reference.height}",
            reference.ingested_at.strftime("%Y-%m-%d %H:%M"),
        )
    out.print(table)


@app.command("show")
def references_show(reference_id: int) -> None:
    """Show one original with all its metadata, as JSON."""
    with opened_services() as services:
        reference = get_or_fail(services.library, reference_id)
    out.print_json(reference_out(reference, full=True).model_dump_json())


@app.command("delete")
def references_delete(
    reference_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove an original, its fingerprints and its working copy."""
    with opened_services() as services:
        reference = get_or_fail(services.library, reference_id)
        if not yes and not typer.confirm(f"Delete {reference.external_id} ({reference.source})?"):
            raise typer.Exit(EXIT_PARTIAL)
        services.library.delete(reference_id)
    err.print(f"Deleted reference {reference_id} ({reference.external_id}).", highlight=False)


def get_or_fail(library: Library, reference_id: int) -> Reference:
    try:
        return library.get(reference_id)
    except ProvenanceError as exc:
        fail(str(exc), EXIT_PARTIAL)
