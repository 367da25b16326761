"""The `provenance` command: the commands of cli/*.py assembled into one typer app.

Every command calls the same services the HTTP API calls (`service.startup`).
Exit codes: 0 all inputs processed, 1 some inputs could not be processed, 2 bad usage or setup.
"""

from __future__ import annotations

import typer

from cli import (
    bench_hashes,
    bench_memory,
    bench_scale,
    check,
    db,
    decide,
    doctor,
    evaluation,
    hash_records,
    ingest,
    keys,
    loadtest,
    openapi,
    references,
    serve,
    vocabulary,
    watch,
    worker,
)

app = typer.Typer(help="Find the agency original of a photograph and say how a copy differs.", no_args_is_help=True)
app.command()(ingest.ingest)
app.command("ingest-hashes")(hash_records.ingest_hashes)
app.command()(check.check)
app.command()(decide.decide)
app.command()(evaluation.bench)
app.command("bench-hashes")(bench_hashes.bench_hashes)
app.command("bench-memory")(bench_memory.bench_memory)
app.command("bench-scale")(bench_scale.bench_scale)
app.command("train-vocabulary")(vocabulary.train)
app.command("eval")(evaluation.evaluate)
app.command("eval-metadata")(evaluation.evaluate_metadata)
app.command()(serve.serve)
app.command()(watch.watch)
app.command()(worker.worker)
app.command()(loadtest.loadtest)
app.command()(openapi.openapi)
app.command()(doctor.doctor)
references.app.command("export")(hash_records.export_hashes)
app.add_typer(references.app, name="references")
app.add_typer(keys.app, name="keys")
app.add_typer(db.app, name="db")


def main() -> None:
    app(prog_name="provenance")
