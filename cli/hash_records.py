"""`provenance ingest-hashes FILE` and `provenance references export FILE`: originals as
hash records (JSON Lines, or CSV for import), for agencies that share fingerprints but
not pixels."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from cli.output import EXIT_PARTIAL, err, fail
from cli.services import opened_services
from provenance.library.hash_records import parse_csv, parse_lines, to_line

BAD_LINES_SHOWN = 20


def ingest_hashes(
    file: Annotated[Path, typer.Argument(help="JSON Lines (or .csv with a header row) of hash records.")],
) -> None:
    """Add originals known only by their hashes: one record a line, `{"external_id", "source",
    "pdq", "phash", "dhash", ...sidecar metadata fields}`, hashes in lowercase hex (pdq
    required). Bad lines are reported by number and skipped; the rest is imported.
    """
    if not file.is_file():
        fail(f"{file}: no such file")
    started = time.perf_counter()
    with file.open(encoding="utf-8", newline="") as handle, opened_services() as services:
        parse = parse_csv if file.suffix.lower() == ".csv" else parse_lines
        try:
            summary = services.library.import_hashes(parse(handle), file.name)
        except UnicodeDecodeError as exc:
            fail(f"{file}: not UTF-8 text ({exc.reason})")
    for bad in summary.bad[:BAD_LINES_SHOWN]:
        err.print(f"[red]line {bad.line}[/]: {bad.error}", highlight=False)
    if len(summary.bad) > BAD_LINES_SHOWN:
        err.print(f"... and {len(summary.bad) - BAD_LINES_SHOWN} more bad lines", highlight=False)
    err.print(
        f"{summary.imported} imported, {summary.existing} already in the library, {len(summary.bad)} bad lines skipped "
        f"({time.perf_counter() - started:.1f} s).",
        highlight=False,
    )
    if summary.bad:
        raise typer.Exit(EXIT_PARTIAL)


def export_hashes(
    file: Annotated[Path, typer.Argument(help="Where to write the JSON Lines ('-' for stdout).")],
) -> None:
    """Write every original as a hash record (the format `ingest-hashes` reads)."""
    count = 0
    with opened_services() as services:
        records = services.library.export_hashes()
        if str(file) == "-":
            for record in records:
                typer.echo(to_line(record))
                count += 1
        else:
            try:
                with file.open("w", encoding="utf-8") as handle:
                    for record in records:
                        handle.write(to_line(record) + "\n")
                        count += 1
            except OSError as exc:
                fail(f"{file}: {exc.strerror or exc}")
    err.print(f"{count} originals exported.", highlight=False)
