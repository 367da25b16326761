"""Schema migrations (Alembic), shipped inside the package so an installed copy can
upgrade its own database.

`upgrade` brings any database to the newest revision: an empty one gets the whole
schema; one made by `create_all` before migrations existed (tables, no
`alembic_version`) is taken over at the baseline, which creates only the tables it
lacks; one already migrated gets the revisions it has not seen. Concurrent
processes (an API and its workers starting together) take a lock first: a
PostgreSQL advisory lock, or a lock file beside an SQLite database.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from provenance.errors import ProvenanceError

SCRIPT_LOCATION = "provenance.store:migrations"
BASELINE = "0001"
"""The schema of the store as it was when migrations began (see the baseline's file)."""
_PG_LOCK_KEY = 0x70726F76  # "prov": one lock for every migration of any provenance database
log = logging.getLogger(__name__)


class SchemaOutOfDate(ProvenanceError):
    """The database is behind the code and this process may not upgrade it."""

    code = "schema_out_of_date"


@dataclass(frozen=True)
class Revision:
    id: str
    down: str | None
    message: str


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an alembic.ini: the scripts from the package."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def heads() -> list[str]:
    """The newest revisions: one, unless two branches each added one (chain them at merge)."""
    return list(ScriptDirectory.from_config(alembic_config()).get_heads())


def head() -> str:
    """The newest revision."""
    found = heads()
    if len(found) != 1:
        raise RuntimeError(f"the migrations have {len(found)} heads ({', '.join(found)}): chain them")
    return found[0]


def history() -> list[Revision]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [
        Revision(r.revision, r.down_revision if isinstance(r.down_revision, str) else None, r.doc or "")
        for r in script.walk_revisions()
    ]
    return list(reversed(revisions))


def current(engine: Engine) -> str | None:
    """The database's revision; None when it has none (empty, or made before migrations)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_legacy(connection: Connection) -> bool:
    """Tables made by `create_all` before migrations: the store's tables, no alembic_version."""
    tables = set(inspect(connection).get_table_names())
    return "alembic_version" not in tables and "references" in tables


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the database to `revision`; the revision it was at before."""
    with _migration_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        before = MigrationContext.configure(connection).get_current_revision()
        if before is None and is_legacy(connection):
            log.warning("database made before migrations: taking it over at the baseline %s", BASELINE)
        command.upgrade(alembic_config(connection), revision)
    return before


def ensure_current(engine: Engine, migrate: bool) -> None:
    """Upgrade when allowed; otherwise refuse a database behind the code."""
    if current(engine) == head():
        return
    if migrate:
        upgrade(engine)
        return
    raise SchemaOutOfDate(
        f"the database is at revision {current(engine) or 'none'}, this code needs {head()}: "
        "run `provenance db upgrade` (PROVENANCE_MIGRATE_ON_START is off)"
    )


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """A lock file beside an SQLite database (PostgreSQL locks inside the transaction)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        yield
        return
    with Path(f"{database}.migrate-lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
