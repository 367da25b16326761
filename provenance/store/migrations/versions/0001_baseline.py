"""baseline: the schema `create_all` made before migrations (provenance/store/schema.py at 91cf8b2)

A database made by `create_all` before migrations has some or all of these tables
and no alembic_version: the baseline creates only the tables it lacks (with their
indexes) and leaves the others as they are, so such a database is taken over
without losing a row.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _api_keys() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_api_keys_key_hash", "api_keys", ["key_hash"], unique=True)


def _batches() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filenames", sa.JSON(), nullable=False),
        sa.Column("callback_url", sa.String(length=2048), nullable=True),
        sa.Column("callback_status", sa.String(length=16), nullable=True),
        sa.Column("callback_error", sa.String(length=1024), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def _library_changes() -> None:
    op.create_table(
        "library_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_library_changes_generation", "library_changes", ["generation"], unique=False)


def _library_generation() -> None:
    op.create_table(
        "library_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def _references() -> None:
    op.create_table(
        "references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("filename", sa.String(length=1024), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("has_pixels", sa.Boolean(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_reference_source_external_id"),
    )
    op.create_index("ix_references_external_id", "references", ["external_id"], unique=False)
    op.create_index("ix_references_sha256", "references", ["sha256"], unique=True)
    op.create_index("ix_references_source", "references", ["source"], unique=False)


def _checks() -> None:
    op.create_table(
        "checks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("submitted", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("batch_id", sa.String(length=32), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "position", name="uq_check_batch_position"),
    )
    op.create_index("ix_checks_batch_id", "checks", ["batch_id"], unique=False)
    op.create_index("ix_checks_sha256", "checks", ["sha256"], unique=False)


def _content_credentials() -> None:
    op.create_table(
        "content_credentials",
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("manifest_store", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["reference_id"], ["references.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("reference_id"),
    )


def _fingerprints() -> None:
    op.create_table(
        "fingerprints",
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["reference_id"], ["references.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("reference_id", "algorithm"),
    )
    op.create_index("ix_fingerprints_algorithm", "fingerprints", ["algorithm"], unique=False)


TABLES: dict[str, Callable[[], None]] = {
    "api_keys": _api_keys,
    "batches": _batches,
    "library_changes": _library_changes,
    "library_generation": _library_generation,
    "references": _references,
    "checks": _checks,
    "content_credentials": _content_credentials,
    "fingerprints": _fingerprints,
}
"""In an order that creates every table after those its foreign keys name."""


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES.items():
        if name not in existing:
            create()


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
