"""Alembic's environment: the models' metadata, on the connection `provenance.store.migrate`
hands over, or on the URL of the settings when alembic's own command line runs it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from provenance.config import Settings
from provenance.store.schema import Base

target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or Settings().resolved_database_url
    engine = create_engine(url)
    with engine.connect() as opened:
        _run(opened)
    engine.dispose()
