"""`provenance bench-hashes`: hash look-up, import and freshness timed at scale."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.output import EXIT_PARTIAL, err, out
from provenance.evaluation.hash_bench import run_hash_bench


def bench_hashes(
    size: Annotated[int, typer.Option(min=1, help="Hash-only originals in the synthetic library.")] = 1_000_000,
    queries: Annotated[int, typer.Option(min=1, help="Checks to time the look-up with.")] = 200,
    workdir: Annotated[
        Path | None, typer.Option(help="Where to build the library (default: a temporary folder, removed after).")
    ] = None,
) -> None:
    """Time the hash side of a big library: import, a new process, one change, the look-up."""
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        timings, missed = run_hash_bench(Path(folder), size, queries)
    load = os.getloadavg()[0]
    title = f"{size} hash-only originals, {queries} checks; load average {load:.1f} on {os.cpu_count()} cores"
    table = Table(title=title)
    table.add_column("Step")
    table.add_column("Time", justify="right")
    table.add_column("CPU", justify="right")
    for timing in timings:
        cpu = "" if timing.cpu_seconds is None else f"{timing.cpu_seconds:.1f} s"
        table.add_row(timing.name, f"{timing.value:.2f} {timing.unit}", cpu)
    out.print(table)
    if missed:
        err.print(f"[red]{missed} of {queries} planted copies were not found[/]", highlight=False)
        raise typer.Exit(EXIT_PARTIAL)
    err.print(f"All {queries} planted copies found.", highlight=False)
