"""Engine and session factory: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from provenance.errors import NotFound
from provenance.store.changes import ensure_generation
from provenance.store.migrate import ensure_current
from provenance.store.schema import Base

Row = TypeVar("Row", bound=Base)


def open_database(url: str, migrate: bool = True) -> sessionmaker[Session]:
    """Create the engine (and the SQLite file's folder) and bring the schema to the newest
    migration; with `migrate` off, a database behind the code raises SchemaOutOfDate."""
    engine = make_engine(url)
    try:
        ensure_current(engine, migrate)
    except BaseException:
        engine.dispose()
        raise
    sessions = sessionmaker(engine, expire_on_commit=False)
    ensure_generation(sessions)
    return sessions


def make_engine(url: str) -> Engine:
    """The engine for a URL; an SQLite file gets its folder, WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def dispose(sessions: sessionmaker[Session]) -> None:
    engine: Engine = sessions.kw["bind"]
    engine.dispose()


def get_or_raise(session: Session, model: type[Row], key: Any, noun: str) -> Row:
    """The row with this primary key, or NotFound saying "no <noun> with id <key>"."""
    row = session.get(model, key)
    if row is None:
        raise NotFound(f"no {noun} with id {key}")
    return row
