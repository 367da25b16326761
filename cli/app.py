"""The `provenance` command: argument parsing, progress, output and exit codes.

Every command calls the same domain services the HTTP API calls. Exit codes:
0 all inputs processed, 1 some inputs could not be processed, 2 bad usage or setup.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import cv2
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from api.client import Client, RemoteError
from provenance.check.pipeline import EvidenceSink, check_file
from provenance.claims import Claims
from provenance.config import Settings
from provenance.errors import InvalidInput, ProvenanceError
from provenance.evaluation.bench import run_bench
from provenance.evaluation.run import run_eval
from provenance.folders import iter_files, read_sidecar
from provenance.library.library import Library, ReferenceDetails, reference_json, reference_metadata
from provenance.report import CheckReport, ErrorReport
from provenance.store import Reference
from service.keys import SCOPES, KeyStore

app = typer.Typer(help="Find the agency original of a photograph and say how a copy differs.", no_args_is_help=True)
references_app = typer.Typer(help="See and manage the library of originals.", no_args_is_help=True)
app.add_typer(references_app, name="references")
keys_app = typer.Typer(help="API keys for the HTTP API (shown once, stored hashed).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

out = Console(width=shutil.get_terminal_size((160, 40)).columns)
"""Rich assumes 80 columns when stdout is not a terminal; reports read better wider."""
err = Console(stderr=True)

EXIT_PARTIAL = 1
EXIT_USAGE = 2

JsonOption = Annotated[bool, typer.Option("--json", help="JSON Lines on stdout, one object per input.")]


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        _fail(f"invalid PROVENANCE_* setting: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
        raise


@contextmanager
def _library() -> Iterator[Library]:
    settings = _settings()
    try:
        library = Library(settings)
    except SQLAlchemyError as exc:
        _fail(f"cannot open the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    try:
        yield library
    finally:
        library.close()


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def _progress(total: int, label: str, enabled: bool) -> Iterator:
    if not (enabled and err.is_terminal):
        yield lambda: None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


@app.command()
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
        _fail("--external-id names one file; use sidecar files for many")
    counts = {"added": 0, "exists": 0, "error": 0}
    with _library() as library, _progress(len(files), "Ingesting", not as_json) as advance:
        for path in files:
            line = _ingest_one(library, path, source, external_id)
            counts[line["status"]] += 1
            if as_json:
                _print_json_line(line)
            elif line["status"] == "error":
                err.print(f"[red]skipped[/] {path}: {line['error']['message']}", highlight=False)
            advance()
    if not as_json:
        err.print(
            f"{counts['added']} added, {counts['exists']} already in the library, {counts['error']} failed.",
            highlight=False,
        )
    if counts["error"]:
        raise typer.Exit(EXIT_PARTIAL)


def _ingest_one(library: Library, path: str, source: str | None, external_id: str | None) -> dict:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        details = read_sidecar(path) or ReferenceDetails()
        overrides = {k: v for k, v in {"source": source, "external_id": external_id}.items() if v}
        outcome = library.ingest(data, path, details.model_copy(update=overrides))
    except OSError as exc:
        return {"path": path, "status": "error", "error": {"code": "unreadable", "message": exc.strerror or str(exc)}}
    except ProvenanceError as exc:
        return {"path": path, "status": "error", "error": {"code": exc.code, "message": str(exc)}}
    status = "added" if outcome.created else "exists"
    return {"path": path, "status": status, "reference": reference_json(outcome.reference)}


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(help="Image files and folders to check.")],
    as_json: JsonOption = False,
    evidence: Annotated[
        Path | None,
        typer.Option(help="Folder for evidence images (original, outlined copy, heat map); path given in each report."),
    ] = None,
    claimed_source: Annotated[str | None, typer.Option(help="Claim: the agency, credit or photographer.")] = None,
    claimed_date: Annotated[str | None, typer.Option(help="Claim: when it was taken (ISO 8601, e.g. 2022-04-03).")] = None,
    claimed_location: Annotated[str | None, typer.Option(help="Claim: where it was taken (a place, or 'lat,lon').")] = None,
    claim_montage: Annotated[
        bool | None,
        typer.Option("--claim-montage/--claim-unaltered", help="Claim: the image is a montage / manipulated (or unaltered)."),
    ] = None,
    remote: Annotated[
        str | None,
        typer.Option(help="Check on a provenance server at this URL, with the key in PROVENANCE_API_KEY."),
    ] = None,
) -> None:
    """Check images against the library: one report per input, in input order.
    Claims, if given, are answered in each report under `claims`."""
    try:
        claims = Claims(
            claimed_source=claimed_source, claimed_date=claimed_date, claimed_location=claimed_location, claimed_montage=claim_montage
        )
    except ValidationError as exc:
        _fail(exc.errors()[0]["msg"].removeprefix("Value error, "))
    files = list(iter_files(paths))
    reports: list[CheckReport | ErrorReport] = []
    if evidence is not None:
        evidence.mkdir(parents=True, exist_ok=True)
    with _checker(remote) as check_one, _progress(len(files), "Checking", not as_json) as advance:
        for path in files:
            sink = _evidence_writer(evidence, path) if evidence is not None else None
            report = check_one(path, sink, claims)
            reports.append(report)
            if as_json:
                _print_json_line(report.model_dump(mode="json"))
            advance()
    if not as_json:
        _print_reports(reports)
    if any(isinstance(r, ErrorReport) for r in reports):
        raise typer.Exit(EXIT_PARTIAL)


Checker = Callable[[str, EvidenceSink | None, Claims], CheckReport | ErrorReport]


@contextmanager
def _checker(remote: str | None) -> Iterator[Checker]:
    """The local library, or a server when `--remote` names one (same reports either way)."""
    if remote is None:
        with _library() as library:
            yield lambda path, sink, claims: check_file(library, path, sink, claims)
        return
    try:
        with Client(remote, _settings().api_key) as client:
            yield client.check_path
    except RemoteError as exc:
        _fail(f"the server refused: {exc} ({exc.code})")


def _evidence_writer(folder: Path, path: str) -> Callable[[bytes], str]:
    """Writes `<stem>.evidence.png` into the folder; a second input with the same stem
    gets a numbered name rather than overwriting the first one's evidence."""

    def write(png: bytes) -> str:
        stem = Path(path).stem
        target = folder / f"{stem}.evidence.png"
        number = 1
        while target.exists():
            number += 1
            target = folder / f"{stem}-{number}.evidence.png"
        target.write_bytes(png)
        return str(target)

    return write


def _print_reports(reports: list[CheckReport | ErrorReport]) -> None:
    table = Table(title="Checks", show_lines=True)
    for column in ("File", "Verdict", "Confidence", "Original", "Edits", "Why"):
        table.add_column(column, overflow="fold")
    for report in reports:
        if isinstance(report, ErrorReport):
            table.add_row(report.input.path, "[red]error[/]", "", "", "", report.error.message)
            continue
        best = report.matches[0] if report.matches else None
        original = f"{best.reference.external_id} ({best.reference.source})" if best else ""
        table.add_row(
            report.input.path,
            report.verdict,
            f"{report.confidence:.2f}",
            original,
            ", ".join(best.edits) if best else "",
            " ".join(report.reasons + [f"Claim ({c.claim}): {c.outcome.upper()}. {c.evidence}" for c in report.claims]),
        )
    out.print(table)


@references_app.command("list")
def references_list(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonOption = False,
) -> None:
    """List originals in the library."""
    with _library() as library:
        references = library.list(source=source, limit=limit, offset=offset)
        total = library.count(source=source)
    if as_json:
        for reference in references:
            _print_json_line(reference_json(reference))
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


@references_app.command("show")
def references_show(reference_id: int) -> None:
    """Show one original with all its metadata, as JSON."""
    with _library() as library:
        reference = _get(library, reference_id)
    out.print_json(json.dumps(reference_json(reference, full=True)))


@references_app.command("delete")
def references_delete(
    reference_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove an original, its fingerprints and its working copy."""
    with _library() as library:
        reference = _get(library, reference_id)
        if not yes and not typer.confirm(f"Delete {reference.external_id} ({reference.source})?"):
            raise typer.Exit(EXIT_PARTIAL)
        library.delete(reference_id)
    err.print(f"Deleted reference {reference_id} ({reference.external_id}).", highlight=False)


def _get(library: Library, reference_id: int) -> Reference:
    try:
        return library.get(reference_id)
    except ProvenanceError as exc:
        _fail(str(exc), EXIT_PARTIAL)
        raise


@app.command()
def bench(
    paths: Annotated[list[str], typer.Argument(help="Image files or folders to time.")],
    limit: Annotated[int, typer.Option(min=1, help="At most this many files.")] = 1000,
    library_size: Annotated[
        int, typer.Option(min=0, help="Pad the library with distinct synthetic originals up to this many.")
    ] = 0,
    one_core: Annotated[bool, typer.Option(help="Pin the process and OpenCV to one core.")] = False,
) -> None:
    """Time ingest and check next to a plain decode of the same files, in one run."""
    files = list(iter_files(paths))[:limit]
    if not files:
        _fail("no files to time")
    if one_core:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        cv2.setNumThreads(1)
    try:
        timings = run_bench(files, library_size)
    except (OSError, InvalidInput) as exc:
        _fail(f"cannot time these files: {exc}")
    cores = len(os.sched_getaffinity(0))
    size = max(library_size, len(files))
    table = Table(title=f"{len(files)} images, library of {size} originals, one process on {cores} core(s)")
    for column in ("Step", "Images/s", "mean ms/image", "p50 ms", "mean vs plain decode"):
        table.add_column(column, justify="right")
    baseline = timings[0].per_image_ms
    for timing in timings:
        table.add_row(
            timing.name,
            f"{timing.images_per_second:.1f}",
            f"{timing.per_image_ms:.0f}",
            f"{timing.p50_ms:.0f}",
            f"{timing.per_image_ms / baseline:.2f}x",
        )
    out.print(table)


def _print_json_line(data: dict) -> None:
    """One JSON object per line, unwrapped, straight to stdout (machines read this)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@app.command("eval")
def evaluate(
    originals: Annotated[str, typer.Argument(help="Folder of originals to build the evaluation from.")],
    seed: Annotated[int, typer.Option(help="Seed for the choice of held-out photos and edit strengths.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Write every variant and its outcome here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object with every figure.")] = False,
) -> None:
    """Measure the product: check edited copies with known ground truth and score them."""
    try:
        result = run_eval(originals, seed=seed, out_dir=out, progress=_eval_progress(as_json))
    except ProvenanceError as exc:
        _fail(str(exc))
    if as_json:
        _print_json_line(result.to_json())
        return
    _print_eval(result)


@app.command("eval-metadata")
def evaluate_metadata(
    folder: Annotated[Path, typer.Argument(help="Folder of sample files, e.g. ../shared/corpus/metadata.")],
) -> None:
    """Compare our metadata extraction with ExifTool's on every file: agreement per field."""
    from provenance.evaluation.exiftool import agreement, available

    if not available():
        _fail("exiftool is not installed (Debian: apt-get install libimage-exiftool-perl)")
    counts, disagreements = agreement(folder)
    table = Table(title=f"Agreement with ExifTool on {folder}")
    for column in ("Field", "Agree", "Compared", "%"):
        table.add_column(column, justify="right")
    for name, (agree, compared) in counts.items():
        table.add_row(name, str(agree), str(compared), f"{100 * agree / compared:.1f}")
    out.print(table)
    for line in disagreements:
        out.print(f"differs: {line}", highlight=False)


def _eval_progress(as_json: bool):
    if as_json or not err.is_terminal:
        return None
    return lambda done, total: err.print(f"\r{done}/{total} variants checked", end="", highlight=False)


def _print_eval(result) -> None:
    table = Table(title=f"Evaluation: {result.library_size} originals in the library, seed {result.seed}")
    for column in ("Group", "Variants", "Right reference %", "Right verdict %", "Mean IoU", "p50 ms", "Wrong (examples)"):
        table.add_column(column, overflow="fold")
    for group in result.groups():
        table.add_row(
            group["group"],
            str(group["variants"]),
            f"{group['right_reference']:.1f}",
            f"{group['right_verdict']:.1f}",
            "" if group["mean_iou"] is None else f"{group['mean_iou']:.2f}",
            f"{group['check_ms_p50']:.0f}",
            ", ".join(group["wrong"]),
        )
    out.print(table)
    summary = result.summary()
    out.print(
        f"All: {summary['variants']} variants; right reference {summary['right_reference']}% "
        f"(benign and altered), right verdict {summary['right_verdict']}%, benign called altered "
        f"{summary['benign_called_altered']}%, distractors matched {summary['distractors_matched']}, "
        f"mean IoU {summary['mean_iou']}, check p50 {summary['check_ms_p50']} ms, p90 {summary['check_ms_p90']} ms.",
        highlight=False,
    )
    confusion = result.confusion()
    verdicts = ["identical", "copy", "altered", "composite", "related", "unknown"]
    matrix = Table(title="Confusion (rows: expected, columns: reported)")
    matrix.add_column("expected")
    for verdict in verdicts:
        matrix.add_column(verdict, justify="right")
    for expected, counts in confusion.items():
        matrix.add_row(expected, *(str(counts.get(verdict, 0)) for verdict in verdicts))
    out.print(matrix)
    forensics = result.forensics.to_json()
    indicators = Table(title=f"No-reference indicators, no original used (% fired at moderate or above; p50 {forensics['ms_p50']} ms)")
    for column in ("Group", "Measures", "Variants", "Copy-move %", "Error level %", "Double JPEG %", "Any pixel %"):
        indicators.add_column(column, justify="right")
    for row in forensics["table"]:
        indicators.add_row(row["group"], row["measures"], str(row["variants"]), *(f"{row[k]:.1f}" for k in ("copy_move", "error_level", "double_jpeg", "any_pixel")))
    out.print(indicators)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key, e.g. 'cms-prod' or 'photo desk'.")],
    scope: Annotated[
        list[str], typer.Option("--scope", help=f"Repeat for several: {', '.join(SCOPES)} (admin grants all).")
    ] = ["check"],  # noqa: B006 (typer reads the default)
) -> None:
    """Create a key. The key is printed once, on stdout; only its hash is stored."""
    with _library() as library:
        try:
            created = KeyStore(library.sessions).create(name, scope)
        except ProvenanceError as exc:
            _fail(str(exc))
            raise
    err.print(f"Key {created.key.id} ({created.key.name}, scopes {', '.join(created.key.scopes)}). "
              "Store it now: it cannot be shown again.", highlight=False)
    sys.stdout.write(created.secret + "\n")


@keys_app.command("list")
def keys_list(as_json: JsonOption = False) -> None:
    """List keys (never their secrets)."""
    with _library() as library:
        keys = KeyStore(library.sessions).list()
    rows = [
        {
            "id": key.id,
            "name": key.name,
            "prefix": key.prefix,
            "scopes": key.scopes,
            "created_at": key.created_at.isoformat(),
            "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        }
        for key in keys
    ]
    if as_json:
        for row in rows:
            _print_json_line(row)
        return
    table = Table(title="API keys")
    for column in ("ID", "Name", "Starts with", "Scopes", "Created", "Revoked"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["id"]), row["name"], row["prefix"], ", ".join(row["scopes"]),
                      row["created_at"][:16], (row["revoked_at"] or "")[:16])
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: int) -> None:
    """Revoke a key at once; requests with it get 401 from then on."""
    with _library() as library:
        try:
            key = KeyStore(library.sessions).revoke(key_id)
        except ProvenanceError as exc:
            _fail(str(exc), EXIT_PARTIAL)
            raise
    err.print(f"Revoked key {key.id} ({key.name}).", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Local demo: no API keys asked. Only on a loopback address.")
    ] = False,
) -> None:
    """Serve the HTTP API and the photo-desk page (http://HOST:PORT/)."""
    import uvicorn

    from api import create_app

    if no_auth and host not in LOOPBACK_HOSTS:
        _fail(f"--no-auth lets anyone in: allowed on {', '.join(LOOPBACK_HOSTS)} only, not {host}")
    settings = _settings()
    if not no_auth:
        with _library() as library:
            if not any(key.revoked_at is None for key in KeyStore(library.sessions).list()):
                err.print("No API key yet: create one with `provenance keys create NAME --scope check`.")
    uvicorn.run(create_app(settings, require_auth=not no_auth), host=host, port=port)


LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@app.command()
def openapi(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
) -> None:
    """The HTTP API's OpenAPI document (the repository keeps it in api/openapi.json)."""
    from api.openapi import openapi_json

    text = openapi_json()
    if out_file is None:
        sys.stdout.write(text)
    else:
        out_file.write_text(text)


def main() -> None:
    app(prog_name="provenance")


if __name__ == "__main__":
    sys.exit(main())
