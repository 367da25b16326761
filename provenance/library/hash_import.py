"""Hash-only originals in bulk: import hash records (an agency's fingerprints without
pixels) and export a library as hash records.

A million records must import in about a minute, so rows go in with the driver's
executemany, in chunks of one transaction each (one generation per chunk for the other
processes). Only the metadata a record states is stored; the rest reads as unknown.
A hash-only reference has no blob: `has_pixels` is false, its size 0 x 0, its format
"hashes", and its sha256 column holds a digest of its source and external ID (no image
file can have it) to keep that column unique.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from hashes import ALGORITHMS
from provenance.library.hash_records import METADATA_FIELDS, BadLine, HashRecord
from provenance.store import DEFAULT_SOURCE, Fingerprint, Reference, changes

CHUNK = 50_000
HASH_ONLY_FORMAT = "hashes"


@dataclass
class ImportSummary:
    imported: int = 0
    existing: int = 0
    """Records whose source and external ID the library already holds: left as they are."""
    bad: list[BadLine] = field(default_factory=list)


def import_records(
    sessions: sessionmaker[Session], parsed: Iterable[tuple[int, HashRecord | BadLine]], filename: str
) -> ImportSummary:
    """Add every valid record as a hash-only original; bad and repeated lines are reported, not fatal."""
    summary = ImportSummary()
    seen: set[tuple[str, str]] = set()
    for chunk in _chunks(parsed, CHUNK):
        records: list[HashRecord] = []
        keys: list[tuple[str, str]] = []
        for number, item in chunk:
            if isinstance(item, BadLine):
                summary.bad.append(item)
                continue
            key = (item.source or DEFAULT_SOURCE, item.external_id)
            if key in seen:
                repeat = f"external_id {key[1]!r} of source {key[0]!r} repeats an earlier line"
                summary.bad.append(BadLine(number, repeat))
                continue
            seen.add(key)
            records.append(item)
            keys.append(key)
        with sessions.begin() as session:
            inserted = _insert(session, records, keys, filename)
        summary.imported += inserted
        summary.existing += len(records) - inserted
    return summary


def export_records(sessions: sessionmaker[Session]) -> Iterator[HashRecord]:
    """Every original of the library, pixel or hash-only, as a hash record, by id."""
    last = 0
    while True:
        with sessions() as session:
            page = session.execute(
                select(Reference.id, Reference.external_id, Reference.source, Reference.image_metadata)
                .where(Reference.id > last)
                .order_by(Reference.id)
                .limit(CHUNK)
            ).all()
            if not page:
                return
            codes: dict[int, dict[str, str]] = {}
            for reference_id, name, value in session.execute(
                select(Fingerprint.reference_id, Fingerprint.algorithm, Fingerprint.value).where(
                    Fingerprint.reference_id.in_([row.id for row in page]), Fingerprint.algorithm.in_(list(ALGORITHMS))
                )
            ):
                codes.setdefault(reference_id, {})[name] = value.hex()
        for reference_id, external_id, source, metadata in page:
            stated = {name: metadata[name] for name in METADATA_FIELDS if metadata.get(name) is not None}
            yield HashRecord.model_validate(
                {"external_id": external_id, "source": source, **codes.get(reference_id, {}), **stated}
            )
        last = page[-1].id


_REFERENCE_COLUMNS = (
    "sha256", "external_id", "source", "filename", "format", "width", "height", "byte_size", "has_pixels", "metadata",
    "ingested_at",
)  # fmt: skip


def _insert(session: Session, records: list[HashRecord], keys: list[tuple[str, str]], filename: str) -> int:
    """Insert the records the library does not hold yet (the unique source and external ID
    decide, in the database); how many were new."""
    if not records:
        return 0
    # The generation first: it orders this writer against the others before any row is written.
    generation = changes.record(session, changes.ADDED, [])
    before = session.scalar(select(func.max(Reference.id))) or 0
    now = datetime.now(UTC)
    rows = [
        (hash_only_digest(source, external_id), external_id, source, filename, HASH_ONLY_FORMAT, 0, 0, 0, False,
         json.dumps(record.metadata()), now)
        for record, (source, external_id) in zip(records, keys, strict=True)
    ]  # fmt: skip
    _executemany(session, cast(Table, Reference.__table__), _REFERENCE_COLUMNS, rows, skip_existing=True)
    by_key = dict(zip(keys, records, strict=True))
    ids: list[int] = []
    fingerprints: list[tuple[int, str, bytes]] = []
    new_rows = session.execute(
        select(Reference.id, Reference.source, Reference.external_id).where(
            Reference.id > before, Reference.filename == filename, Reference.has_pixels.is_(False)
        )
    )
    for reference_id, source, external_id in new_rows:
        record = by_key.get((source, external_id))
        if record is not None:
            ids.append(reference_id)
            fingerprints.extend((reference_id, name, value) for name, value in record.codes().items())
    columns = ("reference_id", "algorithm", "value")
    _executemany(session, cast(Table, Fingerprint.__table__), columns, fingerprints, skip_existing=False)
    changes.log(session, generation, changes.ADDED, ids)
    return len(ids)


def _executemany(
    session: Session, table: Table, columns: tuple[str, ...], rows: list[tuple], skip_existing: bool
) -> None:
    """INSERT many rows straight through the driver (SQLAlchemy's per-row parameter
    processing costs more than SQLite's own work at a million rows); with `skip_existing`,
    rows a unique constraint already holds are left out. SQLite and PostgreSQL alike."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}[dialect.paramstyle]
    quote = dialect.identifier_preparer
    sql = (
        f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(c) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})" + (" ON CONFLICT DO NOTHING" if skip_existing else "")
    )
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def hash_only_digest(source: str, external_id: str) -> str:
    """The sha256 column of a hash-only original: unique per source and external ID."""
    return hashlib.sha256(f"hash-only\0{source}\0{external_id}".encode()).hexdigest()


Parsed = tuple[int, HashRecord | BadLine]


def _chunks(items: Iterable[Parsed], size: int) -> Iterator[list[Parsed]]:
    chunk: list[Parsed] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
