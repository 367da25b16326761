"""`provenance bench-scale`: a check's look-ups inside a library padded to millions."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.output import EXIT_PARTIAL, err, out
from hashes import ImageError
from provenance.errors import ProvenanceError
from provenance.evaluation.scale_bench import run_scale_bench
from provenance.folders import iter_files


def bench_scale(
    queries: Annotated[
        Path, typer.Argument(exists=True, help="Folder of photographs to query with (their crops, mirrors...).")
    ],
    donors: Annotated[
        list[Path],
        typer.Option(exists=True, help="Folders of other photographs the padding is drawn from (repeatable)."),
    ],
    references: Annotated[int, typer.Option(min=1, help="Padding originals.")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Seed for padding and edits.")] = 0,
    workdir: Annotated[
        Path | None, typer.Option(help="Where to save the index (default: a temporary folder, removed after).")
    ] = None,
) -> None:
    """Time the hash and feature look-ups of checks in a library of REFERENCES originals,
    and count how many real queries still find their original."""
    query_files = [Path(f) for f in iter_files([str(queries)])]
    donor_files = [Path(f) for f in iter_files([str(d) for d in donors])]
    if not query_files or not donor_files:
        err.print("Both folders must hold photographs.", highlight=False)
        raise typer.Exit(2)
    load_before = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory(dir=workdir) as folder:
            figures, outcomes = run_scale_bench(query_files, donor_files, references, Path(folder), seed)
    except (ProvenanceError, ImageError) as exc:
        err.print(f"bench-scale: {exc}", highlight=False)
        raise typer.Exit(2) from exc
    found = sum(ok for _, ok in outcomes)
    title = (
        f"{references:,} padding originals + {len(query_files)} real; load average "
        f"{load_before:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    table = Table(title=title)
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    for figure in figures:
        table.add_row(figure.name, f"{figure.value:,.2f} {figure.unit}")
    table.add_row("real queries whose original is a candidate", f"{found} of {len(outcomes)}")
    out.print(table)
    for name, ok in outcomes:
        if not ok:
            err.print(f"missed: {name}", highlight=False)
    if found < len(outcomes):
        raise typer.Exit(EXIT_PARTIAL)
