"""`provenance decide`: an editor confirms or rejects the match of a stored check."""

from __future__ import annotations

import getpass
from enum import StrEnum
from typing import Annotated

import typer

from cli.output import JsonOption, err, fail, print_json_line
from cli.services import opened_services
from provenance.errors import ProvenanceError
from service.decisions import DecisionKind
from service.models import decision_out


class Word(StrEnum):
    confirm = "confirm"
    reject = "reject"


def decide(
    check_id: Annotated[str, typer.Argument(help="A stored check's id (from the API, the page or a batch).")],
    word: Annotated[Word, typer.Argument(help="confirm or reject the proposed original.")],
    reference: Annotated[
        int | None, typer.Option(min=1, help="The proposed original decided on (default: the best match).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why, for the audit log.")] = None,
    reviewer: Annotated[str | None, typer.Option(help="Who decides (default: the login name).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record an editor's decision. Decisions are appended, never changed; a rejected
    original is never proposed again for the same file."""
    if note is not None and len(note) > 2000:
        fail("--note is longer than 2000 characters")
    kind: DecisionKind = "confirmed" if word is Word.confirm else "rejected"
    with opened_services() as services:
        try:
            row = services.checks.decisions.decide(check_id, kind, reviewer or getpass.getuser(), note, reference)
        except ProvenanceError as exc:
            fail(str(exc), code=1)
    if as_json:
        print_json_line(decision_out(row))
    else:
        err.print(f"{kind}: check {check_id}, original {row.reference_id}, by {row.reviewer}", highlight=False)
