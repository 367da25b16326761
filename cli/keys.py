"""`provenance keys create|list|revoke`: API keys for the HTTP API (shown once, stored hashed)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from cli.output import EXIT_PARTIAL, JsonOption, err, fail, out, print_json_line
from cli.services import opened_services
from provenance.errors import ProvenanceError
from service.keys import SCOPES
from service.models import key_out

app = typer.Typer(help="API keys for the HTTP API (shown once, stored hashed).", no_args_is_help=True)


@app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key, e.g. 'cms-prod' or 'photo desk'.")],
    scope: Annotated[
        list[str], typer.Option("--scope", help=f"Repeat for several: {', '.join(SCOPES)} (admin grants all).")
    ] = ["check"],  # noqa: B006 (typer reads the default)
) -> None:
    """Create a key. The key is printed once, on stdout; only its hash is stored."""
    with opened_services() as services:
        try:
            created = services.keys.create(name, scope)
        except ProvenanceError as exc:
            fail(str(exc))
    err.print(f"Key {created.key.id} ({created.key.name}, scopes {', '.join(created.key.scopes)}). "
              "Store it now: it cannot be shown again.", highlight=False)
    sys.stdout.write(created.secret + "\n")


@app.command("list")
def keys_list(as_json: JsonOption = False) -> None:
    """List keys (never their secrets)."""
    with opened_services() as services:
        keys = [key_out(key) for key in services.keys.list()]
    if as_json:
        for key in keys:
            print_json_line(key)
        return
    table = Table(title="API keys")
    for column in ("ID", "Name", "Starts with", "Scopes", "Created", "Revoked"):
        table.add_column(column)
    for key in keys:
        table.add_row(str(key.id), key.name, key.prefix, ", ".join(key.scopes),
                      key.created_at[:16], (key.revoked_at or "")[:16])
    out.print(table)


@app.command("revoke")
def keys_revoke(key_id: int) -> None:
    """Revoke a key at once; requests with it get 401 from then on."""
    with opened_services() as services:
        try:
            key = services.keys.revoke(key_id)
        except ProvenanceError as exc:
            fail(str(exc), EXIT_PARTIAL)
    err.print(f"Revoked key {key.id} ({key.name}).", highlight=False)
