"""Finding and repairing what a crash or a full disk can leave between the database
and the blob stores (`provenance doctor`):

- blobs without rows: an original's stored copy, preview or working-size pixels no
  reference holds, an evidence picture no check holds, a watched upload no watched
  check holds, a spooled batch folder (prefix) whose batch is unknown or done, a
  half-written temporary: removed once older than `min_age` (younger ones may belong
  to a write in progress: blobs are written before their rows);
- rows whose blob is missing: reported, never repaired (the bytes are gone: ingest the
  original again, or re-run the batch).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from provenance.store.blobs import BlobInfo, BlobStore, content_key, digest_of
from provenance.store.schema import Batch, CheckRecord, Reference, WatchedCheck

ORPHAN = "orphan"
"""Stored bytes nothing refers to: removed (unless a dry run or too young)."""
MISSING = "missing"
"""A row whose bytes are gone: reported only."""


@dataclass(frozen=True)
class Finding:
    kind: str
    area: str
    """One of `provenance.store.blobs.AREAS`."""
    key: str
    """The blob's key, or a spool prefix (`<batch>/`)."""
    detail: str
    repaired: bool = False


def examine(
    sessions: sessionmaker[Session],
    stores: Mapping[str, BlobStore],
    repair: bool,
    min_age: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> list[Finding]:
    """Every orphan and every missing blob, oldest area first; orphans removed when `repair`."""
    cutoff = (now or datetime.now(UTC)) - min_age
    findings: list[Finding] = []
    blobs = {area: list(store.list()) for area, store in stores.items()}
    with sessions() as session:
        held = {sha: pixels for sha, pixels in session.execute(select(Reference.sha256, Reference.has_pixels))}
        if "originals" in stores:
            findings += _content("originals", stores["originals"], blobs["originals"], set(held), cutoff, repair)
            findings += _missing("originals", blobs["originals"], {s for s, pixels in held.items() if pixels},
                                 "an original's working copy is gone: ingest it again")
        if "evidence" in stores:
            referenced = {sha for sha in session.scalars(select(CheckRecord.evidence_sha256)) if sha}
            findings += _content("evidence", stores["evidence"], blobs["evidence"], referenced, cutoff, repair)
            findings += _missing("evidence", blobs["evidence"], referenced, "a check's evidence picture is gone")
        if "spool" in stores:
            findings += _spool(session, stores["spool"], blobs["spool"], cutoff, repair)
        for derived in ("previews", "working"):  # made from an original: gone with it
            if derived in stores:
                findings += _content(derived, stores[derived], blobs[derived], set(held), cutoff, repair)
        if "watched" in stores:
            kept = set(session.scalars(select(WatchedCheck.upload_sha256)))
            findings += _content("watched", stores["watched"], blobs["watched"], kept, cutoff, repair)
            findings += _missing("watched", blobs["watched"], kept, "a watched check's upload is gone")
    return findings


def _content(
    area: str, store: BlobStore, found: list[BlobInfo], held: set[str], cutoff: datetime, repair: bool
) -> list[Finding]:
    findings = []
    for info in found:
        digest = digest_of(info.key)
        if digest is not None and digest in held:
            continue
        what = "no row holds it" if digest else "not a stored blob (a half-written temporary or a stray file)"
        findings.append(_orphan(area, store, info.key, what, info.modified < cutoff, repair, prefix=False))
    return findings


def _missing(area: str, found: list[BlobInfo], needed: set[str], detail: str) -> list[Finding]:
    present = {digest_of(info.key) for info in found}
    return [Finding(MISSING, area, content_key(sha), detail) for sha in sorted(needed - present)]


def _spool(session: Session, store: BlobStore, found: list[BlobInfo], cutoff: datetime, repair: bool) -> list[Finding]:
    by_batch: dict[str, list[BlobInfo]] = defaultdict(list)
    for info in found:
        by_batch[info.key.split("/", 1)[0]].append(info)
    statuses = {batch_id: status for batch_id, status in session.execute(select(Batch.id, Batch.status))}
    findings = []
    for batch_id, files in sorted(by_batch.items()):
        status = statuses.get(batch_id)
        if status is not None and status != "done":
            continue
        what = "its batch is done" if status == "done" else "no batch has this id"
        old = max(info.modified for info in files) < cutoff
        findings.append(_orphan("spool", store, f"{batch_id}/", what, old, repair, prefix=True))
    unfinished = [batch_id for batch_id, status in statuses.items() if status != "done"]
    for batch_id in sorted(unfinished):
        batch = session.get(Batch, batch_id)
        assert batch is not None
        checked = set(session.scalars(select(CheckRecord.position).where(CheckRecord.batch_id == batch_id)))
        spooled = {info.key for info in by_batch.get(batch_id, [])}
        lost = [p for p in range(len(batch.filenames)) if p not in checked and f"{batch_id}/{p}" not in spooled]
        if lost:
            detail = f"an unfinished batch's files at positions {lost} are gone: they cannot be checked"
            findings.append(Finding(MISSING, "spool", f"{batch_id}/", detail))
    return findings


def _orphan(area: str, store: BlobStore, key: str, what: str, old: bool, repair: bool, prefix: bool) -> Finding:
    if not old:
        return Finding(ORPHAN, area, key, f"{what}; kept: younger than the minimum age (a write in progress?)")
    if repair:
        if prefix:
            store.remove_prefix(key)
        else:
            store.remove(key)
    return Finding(ORPHAN, area, key, what, repaired=repair)
