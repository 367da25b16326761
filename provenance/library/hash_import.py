"""Hash-only originals in bulk: import hash records (an agency's fingerprints without
pixels) and export a library as hash records.

A million records must import in about a minute, so rows go in with executemany, in
chunks of one transaction each (one generation per chunk for the other processes).
A hash-only reference has no blob: `has_pixels` is false, its size 0 x 0, its format
"hashes", and its sha256 column holds a digest of its source and external ID (no image
file can have it) to keep that column unique.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from hashes import ALGORITHMS
from provenance.library.hash_records import METADATA_FIELDS, BadLine, HashRecord
from provenance.metadata import ImageMetadata
from provenance.store import DEFAULT_SOURCE, Fingerprint, Reference, changes

CHUNK = 20_000
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
            taken = _taken(session, keys)
            fresh = [(r, k) for r, k in zip(records, keys, strict=True) if k not in taken]
            summary.existing += len(records) - len(fresh)
            if fresh:
                _insert(session, fresh, filename)
                summary.imported += len(fresh)
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


def _taken(session: Session, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    taken: set[tuple[str, str]] = set()
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        rows = session.execute(
            select(Reference.source, Reference.external_id).where(
                tuple_(Reference.source, Reference.external_id).in_(part)
            )
        )
        taken.update((source, external_id) for source, external_id in rows)
    return taken


def _insert(session: Session, fresh: list[tuple[HashRecord, tuple[str, str]]], filename: str) -> None:
    now = datetime.now(UTC)
    blank = ImageMetadata().model_dump(mode="json")
    ids = session.scalars(
        insert(Reference).returning(Reference.id, sort_by_parameter_order=True),
        [
            {
                "sha256": hash_only_digest(source, external_id),
                "external_id": external_id,
                "source": source,
                "filename": filename,
                "format": HASH_ONLY_FORMAT,
                "width": 0,
                "height": 0,
                "byte_size": 0,
                "has_pixels": False,
                "image_metadata": {**blank, **record.metadata()},
                "ingested_at": now,
            }
            for record, (source, external_id) in fresh
        ],
    ).all()
    session.execute(
        insert(Fingerprint),
        [
            {"reference_id": rid, "algorithm": name, "value": value}
            for rid, (record, _) in zip(ids, fresh, strict=True)
            for name, value in record.codes().items()
        ],
    )
    changes.record(session, changes.ADDED, ids)


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
