"""SQL reads of the stored originals: by id, by content, listed and counted, and what
was kept of them at ingest (keypoints, Content Credentials)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from hashes import HASH_QUALITY, KEYPOINTS, Keypoints
from provenance.errors import NotFound
from provenance.metadata.c2pa import ContentCredentials
from provenance.store import Fingerprint, Reference, StoredCredentials, get_or_raise


class References:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def get(self, reference_id: int) -> Reference:
        with self._sessions() as session:
            return get_or_raise(session, Reference, reference_id, "reference")

    def find_by_sha256(self, sha256: str) -> Reference | None:
        with self._sessions() as session:
            return session.scalar(select(Reference).where(Reference.sha256 == sha256))

    def taken_by(self, source: str, external_id: str) -> int | None:
        """The id of the reference that already uses this external ID in this source."""
        with self._sessions() as session:
            return session.scalar(
                select(Reference.id).where(Reference.source == source, Reference.external_id == external_id)
            )

    def list(self, source: str | None, limit: int, offset: int, text: str | None) -> list[Reference]:
        query = _filtered(select(Reference), source, text).order_by(Reference.id).limit(limit).offset(offset)
        with self._sessions() as session:
            return list(session.scalars(query))

    def count(self, source: str | None, text: str | None) -> int:
        query = _filtered(select(func.count(Reference.id)), source, text)
        with self._sessions() as session:
            return int(session.scalar(query) or 0)

    def keypoints(self, reference_id: int) -> Keypoints:
        with self._sessions() as session:
            value = session.get(Fingerprint, (reference_id, KEYPOINTS))
        if value is None:
            raise NotFound(f"no keypoints for reference {reference_id}")
        return Keypoints.from_bytes(value.value)

    def keypoints_of(self, reference_ids: Sequence[int]) -> dict[int, Keypoints]:
        """The keypoints of several originals in one query (those that have them)."""
        with self._sessions() as session:
            rows = session.execute(
                select(Fingerprint.reference_id, Fingerprint.value).where(
                    Fingerprint.algorithm == KEYPOINTS, Fingerprint.reference_id.in_(list(reference_ids))
                )
            )
            return {rid: Keypoints.from_bytes(value) for rid, value in rows}

    def hash_quality(self, reference_id: int) -> int | None:
        """PDQ's quality of the original as ingested; None for originals ingested before it
        was kept and for hash-only originals."""
        with self._sessions() as session:
            value = session.get(Fingerprint, (reference_id, HASH_QUALITY))
        return value.value[0] if value is not None and value.value else None

    def credentials(self, reference_id: int) -> ContentCredentials | None:
        """The Content Credentials the original carried when ingested, if any."""
        with self._sessions() as session:
            stored = session.get(StoredCredentials, reference_id)
        return ContentCredentials.model_validate(stored.summary) if stored is not None else None


def _filtered(query: Select, source: str | None, text: str | None) -> Select:
    """`text` matches, case-insensitively, the external ID, the file name or any
    metadata value (caption, credit, byline, place...)."""
    if source is not None:
        query = query.where(Reference.source == source)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        columns = (Reference.external_id, Reference.filename, cast(Reference.image_metadata, String))
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in columns)))
    return query
