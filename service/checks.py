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
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from provenance.check.pipeline import check_bytes
from provenance.errors import NotFound, ProvenanceError
from provenance.library.library import Library
from provenance.report import CheckReport, ErrorInfo, ErrorReport, InputInfo
from provenance.store import BlobStore, CheckRecord, get_or_raise
from service.faults import is_transient
from service.models import Submission

EvidenceLocation = Callable[[str], str]
"""Turns a check id into where its evidence image will be served (e.g. a URL)."""

log = logging.getLogger(__name__)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


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

    def __init__(self, library: Library, evidence: BlobStore) -> None:
        self.library = library
        self.sessions = library.sessions
        self.evidence_blobs = evidence

    def check(
        self,
        data: bytes,
        filename: str,
        submission: Submission,
        evidence_location: EvidenceLocation,
        batch: tuple[str, int] | None = None,
        check_id: str | None = None,
    ) -> CheckRecord:
        """Check and store. Bad input raises for a single check; in a batch (`batch` is
        its id and the file's position) it is stored as an error report instead, so one
        file never stops the others. A passing fault (`service.faults`) always raises.
        Idempotent for a given `check_id` or batch position: a task run twice (a worker
        killed before it acknowledged) gets the record stored the first time."""
        check_id = check_id or new_id()
        stored_evidence: list[str] = []

        def sink(png: bytes) -> str:
            digest = hashlib.sha256(png).hexdigest()
            self.evidence_blobs.put(digest, png)
            stored_evidence.append(digest)
            return evidence_location(check_id)

        report: CheckReport | ErrorReport
        try:
            report = self._check_bytes(data, filename, sink, submission)
        except ProvenanceError as exc:
            if batch is None:
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
            evidence_sha256=stored_evidence[-1] if stored_evidence else None,
            batch_id=batch[0] if batch else None,
            position=batch[1] if batch else None,
        )
        try:
            with self.sessions.begin() as session:
                session.add(record)
        except IntegrityError:
            stored = self._stored(check_id, batch)
            if stored is None:
                raise
            return stored
        return record

    def _check_bytes(
        self, data: bytes, filename: str, sink: Callable[[bytes], str], submission: Submission
    ) -> CheckReport:
        try:
            return check_bytes(self.library, data, filename, sink, submission.claims())
        except NotFound:
            # A candidate original was deleted (by another process) while this check read it.
            self.library.indexes.refresh(force=True)
            return check_bytes(self.library, data, filename, sink, submission.claims())

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
