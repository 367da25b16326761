"""Checks that are kept: run a check, store its report and evidence image, find it again.

The CLI prints a report and forgets it; the API hands out an id a CMS can come back
to, so the report and its evidence PNG are stored (database + a blob folder) and
survive a restart.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from provenance.check.exclusion import without
from provenance.check.pipeline import check_bytes
from provenance.errors import NotFound, ProvenanceError
from provenance.library.library import Library
from provenance.report import CheckReport, ErrorInfo, ErrorReport, InputInfo
from provenance.signing import EvidenceSigner
from provenance.store import BlobStore, CheckRecord, get_or_raise
from service.decisions import DecisionStore
from service.faults import is_transient
from service.lineage import record_matches
from service.models import Submission
from service.watchlist import Watchlist, history_sentence

EvidenceLocation = Callable[[str], str]
"""Turns a check id into where its evidence image will be served (e.g. a URL)."""

log = logging.getLogger(__name__)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def evidence_path(check_id: str) -> str:
    """Where the API serves a stored check's evidence picture: the URL stored reports carry."""
    return f"/v1/checks/{check_id}/evidence.png"


def new_id() -> str:
    """Random, so that one check's id tells nothing about another's."""
    return uuid.uuid4().hex


def clean_filename(name: str | None) -> str:
    """The last part of an uploaded file's name, without control characters (it is
    shown in reports and pages); `upload` when nothing usable is left."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    return _UNPRINTABLE.sub("", base)[:255] or "upload"


class CheckStore:
    """Checks run side by side in threads and processes: the library's indexes lock
    themselves, and an original deleted while a check reads it makes that check run
    again on the refreshed indexes."""

    def __init__(
        self,
        library: Library,
        evidence: BlobStore,
        signer: EvidenceSigner | None = None,
        watchlist: Watchlist | None = None,
    ) -> None:
        self.library = library
        self.watchlist = watchlist
        self.signer = signer
        """Signs evidence pictures with the newsroom's key (Content Credentials), when set."""
        self.sessions = library.sessions
        self.evidence_blobs = evidence
        self.decisions = DecisionStore(self.sessions)

    def check(
        self,
        data: bytes,
        filename: str,
        submission: Submission,
        evidence_location: EvidenceLocation,
        batch: tuple[str, int] | None = None,
        submitted_by: str | None = None,
        check_id: str | None = None,
    ) -> CheckRecord:
        """Check and store. Bad input raises for a single check; in a batch (`batch` is
        its id and the file's position) it is stored as an error report instead, so one
        file never stops the others. A passing fault (`service.faults`) always raises.
        Idempotent for a given `check_id` or batch position: a task run twice (a worker
        killed before it acknowledged) gets the record stored the first time. A check
        that found no original goes on the watchlist."""
        record, evidence = self._run(data, filename, submission, evidence_location, batch, check_id)
        stored = self._store(record, evidence, submitted_by, batch)
        if stored is record and self.watchlist is not None:
            self.watchlist.watch(record, data)
        return stored

    def recheck(self, check_id: str, reference_id: int, evidence_location: EvidenceLocation) -> CheckRecord | None:
        """Check a watched upload again now that `reference_id` is in the library; stored
        (beside the old check, which stays as it was) only when that original matches."""
        if self.watchlist is None:
            return None
        previous = self.get(check_id)
        data = self.watchlist.upload(check_id)
        submission = Submission.model_validate(previous.submitted)
        record, evidence = self._run(data, previous.filename, submission, evidence_location, None, None)
        if reference_id not in [m["reference"]["id"] for m in record.report.get("matches", [])]:
            return None
        reference = self.library.get(reference_id)
        sentence = history_sentence(previous, reference.source, reference.external_id, reference.ingested_at)
        record.report = {**record.report, "reasons": [sentence, *record.report["reasons"]]}
        record.recheck_of = previous.id
        stored = self._store(record, evidence, "watchlist", None)
        self.watchlist.forget(check_id)
        return stored

    def _run(
        self,
        data: bytes,
        filename: str,
        submission: Submission,
        evidence_location: EvidenceLocation,
        batch: tuple[str, int] | None,
        check_id: str | None,
    ) -> tuple[CheckRecord, list[bytes]]:
        """The check's row, not yet stored, and its evidence pictures (signed when a key is set)."""
        check_id = check_id or new_id()
        pictures: list[bytes] = []

        def sink(png: bytes) -> str:
            if self.signer is not None:
                png = self.signer.sign(png, f"Evidence of check {check_id}")
            pictures.append(png)
            return evidence_location(check_id)

        report: CheckReport | ErrorReport
        rejected = self.decisions.rejected_for(hashlib.sha256(data).hexdigest())
        try:
            report = self._check_bytes(data, filename, sink, submission, rejected)
        except ProvenanceError as exc:
            if batch is None or is_transient(exc):
                raise
            report = ErrorReport(input=InputInfo(path=filename), error=ErrorInfo(code=exc.code, message=str(exc)))
        except Exception as exc:
            if batch is None or is_transient(exc):
                raise
            log.exception("check of %s in batch %s failed", filename, batch[0])
            message = "the check failed on the server; it has been logged"
            failure = ErrorInfo(code="internal_error", message=message)
            report = ErrorReport(input=InputInfo(path=filename), error=failure)
        record = CheckRecord(
            id=check_id,
            filename=filename,
            sha256=report.input.sha256,
            submitted=submission.model_dump(mode="json"),
            report=report.model_dump(mode="json"),
            evidence_sha256=hashlib.sha256(pictures[-1]).hexdigest() if pictures else None,
            batch_id=batch[0] if batch else None,
            position=batch[1] if batch else None,
        )
        return record, pictures

    def _store(
        self, record: CheckRecord, pictures: list[bytes], submitted_by: str | None, batch: tuple[str, int] | None
    ) -> CheckRecord:
        """The evidence blob first, then the row that points at it and its lineage entries;
        the record stored before when this check or batch item was stored already."""
        if pictures:
            self.evidence_blobs.put(hashlib.sha256(pictures[-1]).hexdigest(), pictures[-1])
        record.created_at = datetime.now(UTC)
        try:
            with self.sessions.begin() as session:
                session.add(record)
                session.flush()  # the check's row before the rows that point at it
                record_matches(session, record, submitted_by)
        except IntegrityError:
            stored = self._stored(record.id, batch)
            if stored is None:
                raise
            return stored
        return record

    def rechecked_as(self, check_id: str) -> list[str]:
        """The later re-checks of this check's file, oldest first."""
        with self.sessions() as session:
            query = select(CheckRecord.id).where(CheckRecord.recheck_of == check_id).order_by(CheckRecord.created_at)
            return list(session.scalars(query))

    def rechecks(self, limit: int) -> list[CheckRecord]:
        """The newest watchlist re-checks first: what the page shows as events."""
        with self.sessions() as session:
            query = (
                select(CheckRecord)
                .where(CheckRecord.recheck_of.is_not(None))
                .order_by(CheckRecord.created_at.desc())
                .limit(limit)
            )
            return list(session.scalars(query))

    def _check_bytes(
        self,
        data: bytes,
        filename: str,
        sink: Callable[[bytes], str],
        submission: Submission,
        rejected: frozenset[int],
    ) -> CheckReport:
        """The report, with the originals editors rejected for these bytes hidden."""
        library = without(self.library, rejected)
        try:
            report = check_bytes(library, data, filename, sink, submission.claims())
        except NotFound:
            # A candidate original was deleted (by another process) while this check read it.
            self.library.indexes.refresh(force=True)
            report = check_bytes(library, data, filename, sink, submission.claims())
        return _note_rejected(report, rejected) if rejected else report

    def _stored(self, check_id: str, batch: tuple[str, int] | None) -> CheckRecord | None:
        with self.sessions() as session:
            if batch is None:
                return session.get(CheckRecord, check_id)
            query = select(CheckRecord).where(CheckRecord.batch_id == batch[0], CheckRecord.position == batch[1])
            return session.scalars(query).first()

    def get(self, check_id: str) -> CheckRecord:
        with self.sessions() as session:
            return get_or_raise(session, CheckRecord, check_id, "check")

    def evidence(self, check_id: str) -> bytes:
        record = self.get(check_id)
        if record.evidence_sha256 is None:
            raise NotFound(f"check {check_id} has no evidence image (no verified match, and no indicator picture)")
        return self.evidence_blobs.get(record.evidence_sha256)


def _note_rejected(report: CheckReport, rejected: frozenset[int]) -> CheckReport:
    """Say so when editors' rejections kept originals out of this check."""
    ids = ", ".join(str(i) for i in sorted(rejected))
    reason = f"editors rejected original(s) {ids} for this file before; they are not proposed again"
    return report.model_copy(update={"reasons": [*report.reasons, reason]})
