"""`provenance check`: one report per input, from the local library or a server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from api.client import Client, RemoteError
from cli.output import EXIT_PARTIAL, JsonOption, fail, out, print_json_line, progress
from cli.services import load_settings, opened_services
from provenance.check.pipeline import EvidenceSink, check_file
from provenance.claims import Claims
from provenance.folders import iter_files
from provenance.report import CheckReport, ErrorInfo, ErrorReport, InputInfo

Checker = Callable[[str, EvidenceSink | None, Claims], CheckReport | ErrorReport]


def check(
    paths: Annotated[list[str], typer.Argument(help="Image files and folders to check.")],
    as_json: JsonOption = False,
    evidence: Annotated[
        Path | None,
        typer.Option(help="Folder for evidence images (original, outlined copy, heat map); path given in each report."),
    ] = None,
    claimed_source: Annotated[str | None, typer.Option(help="Claim: the agency, credit or photographer.")] = None,
    claimed_date: Annotated[
        str | None, typer.Option(help="Claim: when it was taken (ISO 8601, e.g. 2022-04-03).")
    ] = None,
    claimed_location: Annotated[
        str | None, typer.Option(help="Claim: where it was taken (a place, or 'lat,lon').")
    ] = None,
    claim_montage: Annotated[
        bool | None,
        typer.Option(
            "--claim-montage/--claim-unaltered", help="Claim: the image is a montage / manipulated (or unaltered)."
        ),
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
            claimed_source=claimed_source,
            claimed_date=claimed_date,
            claimed_location=claimed_location,
            claimed_montage=claim_montage,
        )
    except ValidationError as exc:
        fail(exc.errors()[0]["msg"].removeprefix("Value error, "))
    files = list(iter_files(paths))
    reports: list[CheckReport | ErrorReport] = []
    if evidence is not None:
        evidence.mkdir(parents=True, exist_ok=True)
    with checker(remote) as check_one, progress(len(files), "Checking", not as_json) as advance:
        for path in files:
            sink = evidence_writer(evidence, path) if evidence is not None else None
            report = checked(check_one, path, sink, claims)
            reports.append(report)
            if as_json:
                print_json_line(report)
            advance()
    if not as_json:
        print_reports(reports)
    if any(isinstance(r, ErrorReport) for r in reports):
        raise typer.Exit(EXIT_PARTIAL)


def checked(check_one: Checker, path: str, sink: EvidenceSink | None, claims: Claims) -> CheckReport | ErrorReport:
    """One input's report whatever happens: a failure inside the check becomes this
    input's error line (exit 1), and the next input is still checked."""
    try:
        return check_one(path, sink, claims)
    except RemoteError:
        raise  # the server refused the caller (a bad key): the whole run stops, exit 2
    except Exception as exc:  # a bug on one odd file must not cost the other inputs their lines
        message = f"the check failed on this file ({type(exc).__name__}: {str(exc)[:200]})"
        return ErrorReport(input=InputInfo(path=path), error=ErrorInfo(code="internal_error", message=message))


@contextmanager
def checker(remote: str | None) -> Iterator[Checker]:
    """The local library, or a server when `--remote` names one (same reports either way)."""
    if remote is None:
        with opened_services() as services:
            yield lambda path, sink, claims: check_file(services.library, path, sink, claims)
        return
    try:
        with Client(remote, load_settings().api_key) as client:
            yield client.check_path
    except RemoteError as exc:
        fail(f"the server refused: {exc} ({exc.code})")


def evidence_writer(folder: Path, path: str) -> Callable[[bytes], str]:
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


def print_reports(reports: list[CheckReport | ErrorReport]) -> None:
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
