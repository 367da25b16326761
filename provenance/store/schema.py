"""The SQL schema (SQLAlchemy 2). Works the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DEFAULT_SOURCE = "unattributed"


class Base(DeclarativeBase):
    pass


class Reference(Base):
    """A known original: its identity, where it came from and its metadata."""

    __tablename__ = "references"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_reference_source_external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    external_id: Mapped[str] = mapped_column(String(255), index=True)
    source: Mapped[str] = mapped_column(String(255), index=True, default=DEFAULT_SOURCE)
    filename: Mapped[str] = mapped_column(String(1024))
    format: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    has_pixels: Mapped[bool] = mapped_column(default=True)
    """Always true for now (every original keeps its pixels). Kept in the schema because
    libraries made before hold it as NOT NULL without a database default, so rows
    written without it would be refused; the first Alembic migration decides its fate."""
    image_metadata: Mapped[dict] = mapped_column("metadata", JSON)
    ingested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC)
    )
    fingerprints: Mapped[list[Fingerprint]] = relationship(
        back_populates="reference", cascade="all, delete-orphan", passive_deletes=True
    )


class Fingerprint(Base):
    """One algorithm's value for one reference (a perceptual hash, or packed keypoints)."""

    __tablename__ = "fingerprints"

    reference_id: Mapped[int] = mapped_column(ForeignKey("references.id", ondelete="CASCADE"), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    reference: Mapped[Reference] = relationship(back_populates="fingerprints")


class StoredCredentials(Base):
    """The Content Credentials (C2PA manifest store) an original carried when it was
    ingested, so that a later check of a stripped copy can still name its signer."""

    __tablename__ = "content_credentials"

    reference_id: Mapped[int] = mapped_column(ForeignKey("references.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    summary: Mapped[dict] = mapped_column(JSON)
    """The report's view (provenance.metadata.c2pa.ContentCredentials)."""
    manifest_store: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    """The whole manifest store as c2pa-python's Reader.json() gives it."""


class ApiKey(Base):
    """A key for the HTTP API. Only the SHA-256 of the secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    prefix: Mapped[str] = mapped_column(String(16))
    """The secret's first characters, to tell keys apart in listings."""
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    scopes: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Batch(Base):
    """Many images checked in the background; its checks are `CheckRecord`s by position."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    filenames: Mapped[list] = mapped_column(JSON)
    callback_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    callback_status: Mapped[str | None] = mapped_column(String(16), default=None)
    callback_error: Mapped[str | None] = mapped_column(String(1024), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class CheckRecord(Base):
    """A stored check: what was submitted and the report (or error report) it got."""

    __tablename__ = "checks"
    __table_args__ = (UniqueConstraint("batch_id", "position", name="uq_check_batch_position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    submitted: Mapped[dict] = mapped_column(JSON)
    report: Mapped[dict] = mapped_column(JSON)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    batch_id: Mapped[str | None] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), index=True, default=None
    )
    position: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    recheck_of: Mapped[str | None] = mapped_column(
        ForeignKey("checks.id", ondelete="SET NULL"), index=True, default=None
    )
    """Set on a watchlist re-check: the earlier check of the same file it answers anew."""


class WatchedCheck(Base):
    """A check that found no original (`unknown`, `related`), kept on the watchlist for a
    while: its stored fingerprints are compared with each original ingested later, and
    the upload (a blob) is checked again only when they agree."""

    __tablename__ = "watched_checks"

    check_id: Mapped[str] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), primary_key=True)
    upload_sha256: Mapped[str] = mapped_column(String(64))
    keypoints: Mapped[bytes] = mapped_column(LargeBinary)
    mirrored_keypoints: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LibraryGeneration(Base):
    """One row: a counter every change of the originals increments in its own transaction.
    The row lock orders writers, so a process that has seen generation g has seen every
    change before it; each process applies the changes since the last it saw."""

    __tablename__ = "library_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class LibraryChange(Base):
    """An original added or removed, by generation: what other processes' indexes apply."""

    __tablename__ = "library_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, index=True)
    reference_id: Mapped[int] = mapped_column(Integer)
    """No foreign key: a removal outlives its reference."""
    kind: Mapped[str] = mapped_column(String(8))
    """"added" or "removed"."""



class Decision(Base):
    """An editor's word on a check's match: `confirmed` or `rejected`. Append-only: a
    later decision on the same check supersedes an earlier one for reading, and both are
    kept as the audit log. `copy_sha256` keys the rejected pair, so the same file is
    never proposed that original again."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[str] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    reference_id: Mapped[int] = mapped_column(Integer, index=True)
    """No foreign key: the audit log outlives a deleted original."""
    copy_sha256: Mapped[str] = mapped_column(String(64), index=True)
    machine_verdict: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(16))
    reviewer: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(String(2000), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))


class CheckMatch(Base):
    """An original a stored check matched, with the shape of the copy (`provenance.lineage`):
    what an original's lineage is read from, without parsing every report."""

    __tablename__ = "check_matches"

    check_id: Mapped[str] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), primary_key=True)
    reference_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    """No foreign key: the lineage of a deleted original is still evidence."""
    rank: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(16))
    variant: Mapped[dict | None] = mapped_column(JSON, default=None)
    """None for a match on hashes alone (nothing placed the copy)."""
    submitted_by: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
