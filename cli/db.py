"""`provenance db upgrade|current|history|revision`: the database's schema migrations.

Every process upgrades the database it opens unless PROVENANCE_MIGRATE_ON_START is
off; then the operator runs `provenance db upgrade` once per release (the compose
stack does it in its `migrate` service).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from alembic import command
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from cli.output import err, fail, out
from cli.services import load_settings
from provenance.store import migrate
from provenance.store.database import make_engine

app = typer.Typer(help="The database's schema migrations (Alembic).", no_args_is_help=True)


@contextmanager
def _engine() -> Iterator[Engine]:
    url = load_settings().resolved_database_url
    engine = make_engine(url)
    try:
        yield engine
    except SQLAlchemyError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        fail(f"cannot migrate {shown}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    finally:
        engine.dispose()


@app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="The revision to reach.")] = "head",
) -> None:
    """Bring the database to the newest revision (or the one given); safe to run twice."""
    with _engine() as engine:
        before = migrate.upgrade(engine, revision)
        after = migrate.current(engine)
    if before == after:
        out.print(f"The database is at {after}: nothing to do.", highlight=False)
    else:
        out.print(f"The database went from {before or 'no revision'} to {after}.", highlight=False)


@app.command("current")
def db_current() -> None:
    """The database's revision and the newest one this code has."""
    with _engine() as engine:
        revision = migrate.current(engine)
    head = migrate.head()
    state = "up to date" if revision == head else "behind: run `provenance db upgrade`"
    out.print(f"{revision or 'none'} (newest {head}: {state})", highlight=False)
    if revision != head:
        raise typer.Exit(1)


@app.command("history")
def db_history() -> None:
    """Every revision, oldest first."""
    for revision in migrate.history():
        out.print(f"{revision.id}  <- {revision.down or 'base'}  {revision.message.splitlines()[0]}", highlight=False)


@app.command("revision")
def db_revision(
    message: Annotated[str, typer.Argument(help="What the revision changes, e.g. 'checks: owner_key_id'.")],
) -> None:
    """Write a new revision from the difference between the models (provenance/store/schema.py)
    and the newest revision, into provenance/store/migrations/versions (a source checkout).
    Read it before committing: autogenerate misses renames and server defaults."""
    heads = migrate.heads()
    if len(heads) != 1:
        fail(f"the revisions have {len(heads)} heads ({', '.join(heads)}): chain them first (down_revision)")
    next_id = f"{int(heads[0]) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            migrate.upgrade(engine)
            with engine.begin() as connection:
                script = command.revision(
                    migrate.alembic_config(connection), message, autogenerate=True, rev_id=next_id
                )
        finally:
            engine.dispose()
    path = getattr(script, "path", None)
    err.print(f"Wrote revision {next_id}: {path}", highlight=False)
