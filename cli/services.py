"""The settings and the services one command works with, or a clear error (exit 2) instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from cli.output import fail
from provenance.config import Settings
from provenance.errors import ProvenanceError
from provenance.signing import SigningError
from service.startup import Services, open_services


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fail(f"invalid PROVENANCE_* setting: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")


@contextmanager
def opened_services() -> Iterator[Services]:
    """The services the API opens, without the batch runner: a command runs no batches."""
    settings = load_settings()
    try:
        services = open_services(settings)
    except SQLAlchemyError as exc:
        fail(f"cannot open the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    except SigningError as exc:
        fail(str(exc))
    except ProvenanceError as exc:
        fail(f"cannot open the store: {exc}")
    try:
        yield services
    finally:
        services.close()
