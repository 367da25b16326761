"""Schema migrations: they give exactly the models' schema, take over a database made
before them, refuse to run behind the code when told not to migrate, and are safe
when several processes open a new database at once."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from typer.testing import CliRunner, Result

from cli.app import app
from provenance.config import Settings
from provenance.library.library import Library
from provenance.store import dispose, migrate, open_database
from provenance.store.database import make_engine
from provenance.store.schema import Base
from tests.conftest import FIXTURES, ORIGINALS, environment_of

pytestmark = pytest.mark.store
LEGACY_SQL = FIXTURES / "store" / "legacy_create_all.sql"


def schema_differences(engine: Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_the_migrations_give_exactly_the_models_schema(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    try:
        assert migrate.current(engine) is None
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_downgrade_to_nothing_and_up_again(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate.upgrade(engine)
        with engine.begin() as connection:
            command.downgrade(migrate.alembic_config(connection), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def _legacy_database(settings: Settings) -> None:
    """A library as the old open path (`create_all`) left it: tables, rows, no alembic_version.
    On SQLite the very schema it made (dumped before migrations); on PostgreSQL the baseline
    revision's tables with alembic_version dropped, as create_all made the same tables."""
    engine = make_engine(settings.resolved_database_url)
    try:
        if engine.dialect.name == "sqlite":
            engine.dispose()
            with sqlite3.connect(engine.url.database or "") as connection:
                connection.executescript(LEGACY_SQL.read_text())
                connection.execute("DROP TABLE library_changes")  # older libraries lack the newest tables
        else:
            migrate.upgrade(engine, migrate.BASELINE)
            with engine.begin() as connection:
                connection.execute(text("DROP TABLE alembic_version"))
                connection.execute(text("DROP TABLE library_changes"))
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_at) "
                "VALUES (7, 'old desk', 'prv_old', :hash, '[\"check\"]', '2026-01-01 00:00:00')"
            ), {"hash": "ab" * 32})
    finally:
        engine.dispose()


def test_a_library_made_before_migrations_is_taken_over_at_the_baseline(settings: Settings) -> None:
    _legacy_database(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            assert migrate.is_legacy(connection)
    finally:
        engine.dispose()
    library = Library(settings)
    try:
        engine = library.sessions.kw["bind"]
        assert migrate.current(engine) == migrate.head()
        assert schema_differences(engine) == [], "the missing table was added, nothing else changed"
        with library.sessions() as session:
            assert session.execute(text("SELECT name FROM api_keys WHERE id = 7")).scalar() == "old desk"
        outcome = library.ingest((ORIGINALS / "Dune.jpg").read_bytes(), "Dune.jpg")
        assert outcome.created and library.count() == 1
    finally:
        library.close()


def test_without_migrate_on_start_a_database_behind_the_code_is_refused(settings: Settings) -> None:
    with pytest.raises(migrate.SchemaOutOfDate, match="provenance db upgrade"):
        open_database(settings.resolved_database_url, migrate=False)
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    dispose(open_database(settings.resolved_database_url, migrate=False))


def test_a_command_on_a_database_behind_the_code_says_what_to_run(settings: Settings) -> None:
    environment = {**environment_of(settings), "PROVENANCE_MIGRATE_ON_START": "false"}
    result = CliRunner().invoke(app, ["references", "list"], env=environment)
    assert result.exit_code == 2 and "provenance db upgrade" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_processes_opening_a_new_database_at_once_all_succeed(settings: Settings) -> None:
    failures: list[BaseException] = []

    def open_it() -> None:
        try:
            dispose(open_database(settings.resolved_database_url))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    engine = make_engine(settings.resolved_database_url)
    try:
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()


def test_the_db_commands(settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()

    def db(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, ["db", *args], env={**environment_of(settings), **(env or {})})

    behind = db("current")
    assert behind.exit_code == 1 and "none" in behind.stdout and "provenance db upgrade" in behind.stdout
    upgraded = db("upgrade")
    assert upgraded.exit_code == 0 and f"to {migrate.head()}" in upgraded.stdout, upgraded.output
    assert "nothing to do" in db("upgrade").stdout
    assert db("current").exit_code == 0
    history = db("history").stdout
    assert all(revision.id in history for revision in migrate.history()) and "baseline" in history
    unreachable = db("upgrade", env={"PROVENANCE_DATABASE_URL": "postgresql+psycopg://u:secret@127.0.0.1:9/x"})
    assert unreachable.exit_code == 2 and "cannot migrate" in unreachable.output
    assert unreachable.exception is None or isinstance(unreachable.exception, SystemExit)
    assert "secret" not in unreachable.output
