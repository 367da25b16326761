"""The log of changes to the originals, so that every process (servers, workers, the
CLI) keeps its in-memory indexes in step with the store without reloading them.

A writer bumps the one generation row inside its own transaction: the row lock makes
concurrent writers commit in generation order, on SQLite and PostgreSQL alike, so a
reader that sees generation g has every change up to g.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from provenance.store.schema import LibraryChange, LibraryGeneration

ADDED = "added"
REMOVED = "removed"
_ROW = 1


@dataclass(frozen=True)
class Changes:
    generation: int
    """The generation these changes bring the reader to."""
    added: list[int]
    removed: list[int]
    """Reference ids; an id added then removed (or the reverse) is only in its last list."""


def ensure_generation(sessions: sessionmaker[Session]) -> None:
    """Create the generation row of a new store (another process may race to do it)."""
    try:
        with sessions.begin() as session:
            if session.get(LibraryGeneration, _ROW) is None:
                session.add(LibraryGeneration(id=_ROW, value=0))
    except IntegrityError:
        pass


def record(session: Session, kind: str, reference_ids: Sequence[int]) -> int:
    """Log that these originals were added or removed, in the caller's transaction; the new generation."""
    generation = session.scalar(
        update(LibraryGeneration)
        .where(LibraryGeneration.id == _ROW)
        .values(value=LibraryGeneration.value + 1)
        .returning(LibraryGeneration.value)
    )
    if generation is None:
        raise RuntimeError("the store has no generation row (open it with open_database)")
    log(session, int(generation), kind, reference_ids)
    return int(generation)


def log(session: Session, generation: int, kind: str, reference_ids: Sequence[int]) -> None:
    """Log more changes under a generation this transaction already took with `record`."""
    if reference_ids:
        rows = [{"generation": generation, "reference_id": rid, "kind": kind} for rid in reference_ids]
        session.connection().execute(insert(cast(Table, LibraryChange.__table__)), rows)


def current(session: Session) -> int:
    return int(session.scalar(select(LibraryGeneration.value).where(LibraryGeneration.id == _ROW)) or 0)


def since(session: Session, generation: int) -> Changes:
    """The changes after `generation`, in order, net of each other."""
    latest = current(session)
    if latest == generation:
        return Changes(generation, [], [])
    rows = session.execute(
        select(LibraryChange.reference_id, LibraryChange.kind)
        .where(LibraryChange.generation > generation, LibraryChange.generation <= latest)
        .order_by(LibraryChange.generation, LibraryChange.id)
    )
    last: dict[int, str] = {}
    for reference_id, kind in rows:
        last.pop(reference_id, None)
        last[reference_id] = kind
    return Changes(
        latest,
        [rid for rid, kind in last.items() if kind == ADDED],
        [rid for rid, kind in last.items() if kind == REMOVED],
    )
