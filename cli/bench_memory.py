"""`provenance bench-memory`: peak RSS of a check on the worst accepted inputs, next to the cap."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.output import EXIT_PARTIAL, JsonOption, out, print_json_line
from provenance.evaluation.memory_bench import PEAK_CAP_MB, WORST_INPUTS, run_memory_bench


def bench_memory(
    only: Annotated[
        list[str] | None, typer.Option("--only", help=f"Only these inputs (of: {', '.join(WORST_INPUTS)}).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check each worst accepted input (generated in a temporary folder) in a fresh process
    and print its peak RSS next to the cap; exit 1 when any goes over."""
    table = Table(title=f"Peak memory of one check (cap {PEAK_CAP_MB} MB)")
    for column in ("input", "file bytes", "outcome", "peak MB", "cap MB", "RSS before MB", "RSS after MB", "seconds"):
        table.add_column(column, justify="left" if column in ("input", "outcome") else "right")
    over = False
    for row in run_memory_bench(only):
        over = over or not row.within_cap
        if as_json:
            print_json_line({**row.__dict__, "cap_mb": PEAK_CAP_MB, "within_cap": row.within_cap})
            continue
        table.add_row(
            row.name, f"{row.file_bytes:,}", row.outcome, f"{row.peak_mb:.0f}", str(PEAK_CAP_MB),
            f"{row.before_mb:.0f}", f"{row.after_mb:.0f}", f"{row.seconds:.1f}",
        )
    if not as_json:
        out.print(table)
    if over:
        raise typer.Exit(EXIT_PARTIAL)
