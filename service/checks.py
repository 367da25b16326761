"""Checks that are kept: run a check, store its report and evidence image, find it again.

The CLI prints a report and forgets it; the API hands out an id a CMS can come back
to, so the report and its evidence PNG are stored (database + a blob folder) and
survive a restart.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import unicodedata
import uuid
from collections.abc import Callable
from pathlib import PurePosixPath, PureWindowsPath

from provenance.check.pipeline import check_bytes
from provenance.errors import NotFound, ProvenanceError
from provenance.library.library import Library
from provenance.report import CheckReport, ErrorInfo, ErrorReport, InputInfo
from provenance.store import BlobStore, CheckRecord, get_or_raise
from service.keys import EVERYONE, Viewer
from service.models import Submission

EvidenceLocation = Callable[[str], str]
"""Turns a check id into where its evidence image will be served (e.g. a URL)."""

log = logging.getLogger(__name__)
_HIDDEN = ("Cc", "Cf", "Cs")
"""Unicode categories never kept in a file name: controls, format characters (the
bidirectional overrides among them: U+202E shows `gpj.exe` as `exe.jpg`), surrogates."""


def new_id() -> str:
    """Random, so that one check's id tells nothing about another's."""
    return uuid.uuid4().hex


def clean_filename(name: str | None) -> str:
    """The last part of an uploaded file's name, without control characters (Unicode
    Cc), format characters (Cf: bidirectional overrides, zero-width marks) or lone
    surrogates, since it is shown in reports and pages; `upload` when nothing usable is left."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    kept = "".join(c for c in base if unicodedata.category(c) not in _HIDDEN)
    return kept.strip()[:255] or "upload"


class CheckStore:
    def __init__(self, library: Library, evidence: BlobStore, lock: threading.Lock | None = None) -> None:
        self.library = library
        self.sessions = library.sessions
        self.evidence_blobs = evidence
        self.lock = lock or threading.Lock()
        """Held around each check: the library's in-memory indexes are not safe to
        read while an ingest or delete in another thread changes them."""

    def check(
        self,
        data: bytes,
        filename: str,
        submission: Submission,
        evidence_location: EvidenceLocation,
        batch: tuple[str, int] | None = None,
        owner_key_id: int | None = None,
    ) -> CheckRecord:
        """Check and store, as made by `owner_key_id` (see `service.keys.Viewer`). Bad
        input raises for a single check; in a batch (`batch` is its id and the file's
        position) it is stored as an error report instead, so one file never stops the others."""
        check_id = new_id()
        stored_evidence: list[str] = []

        def sink(png: bytes) -> str:
            digest = hashlib.sha256(png).hexdigest()
            self.evidence_blobs.put(digest, png)
            stored_evidence.append(digest)
            return evidence_location(check_id)

        report: CheckReport | ErrorReport
        try:
            with self.lock:
                report = check_bytes(self.library, data, filename, sink, submission.claims())
        except ProvenanceError as exc:
            if batch is None:
                raise
            report = ErrorReport(input=InputInfo(path=filename), error=ErrorInfo(code=exc.code, message=str(exc)))
        except Exception:
            if batch is None:
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
            owner_key_id=owner_key_id,
        )
        with self.sessions.begin() as session:
            session.add(record)
        return record

    def get(self, check_id: str, viewer: Viewer = EVERYONE) -> CheckRecord:
        """Another key's check is not found, as if it did not exist (its id tells nothing)."""
        with self.sessions() as session:
            record = get_or_raise(session, CheckRecord, check_id, "check")
        if not viewer.sees(record.owner_key_id):
            raise NotFound(f"no check with id {check_id}")
        return record

    def evidence(self, check_id: str, viewer: Viewer = EVERYONE) -> bytes:
        record = self.get(check_id, viewer)
        if record.evidence_sha256 is None:
            raise NotFound(f"check {check_id} has no evidence image (no verified match, and no indicator picture)")
        return self.evidence_blobs.get(record.evidence_sha256)
