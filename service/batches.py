"""Batches: many images (or a zip of them) checked in the background.

Uploaded files are spooled to `PROVENANCE_HOME/spool/<batch>/<position>` and the
batch is recorded before the caller gets its id, so a restart picks up where it
stopped. One worker thread runs batches in order; each file becomes a stored check
(an error report when it cannot be read, as in `provenance check`). When a batch
ends, an optional callback receives it, signed (see `service.webhooks`).
"""

from __future__ import annotations

import logging
import shutil
import threading
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from provenance.config import Settings
from provenance.errors import InvalidInput
from provenance.store import Batch, CheckRecord, get_or_raise
from service.checks import CheckStore, EvidenceLocation, clean_filename, new_id
from service.models import Submission, batch_out
from service.webhooks import CallbackPolicy, CallbackSender, Delivery, is_callback_url

ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_RATIO = 100
"""Images barely compress; an entry that claims to expand more than this is a zip bomb."""
_COPY_CHUNK = 1 << 20
EVENT = "batch.finished"
log = logging.getLogger(__name__)


class BatchRunner:
    """Spools, records and runs batches. Made by the API's lifespan (`Services.start_batches`);
    a command of the CLI never makes one, so it never has the worker thread."""

    def __init__(
        self,
        settings: Settings,
        checks: CheckStore,
        evidence_location: EvidenceLocation,
        callback_attempts: int = 3,
        callback_backoff: float = 2.0,
    ) -> None:
        self.settings = settings
        self.checks = checks
        self.sessions = checks.sessions
        self.evidence_location = evidence_location
        policy = CallbackPolicy(
            timeout=settings.callback_timeout,
            max_response_bytes=settings.callback_max_response_bytes,
            allow=tuple(settings.callback_allow),
            attempts=callback_attempts,
            backoff=callback_backoff,
        )
        self.callbacks = CallbackSender(policy, settings.webhook_secret or "")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="provenance-batch")
        self._stopping = threading.Event()

    def create(
        self,
        uploads: Iterable[tuple[str | None, BinaryIO]],
        callback_url: str | None = None,
        owner_key_id: int | None = None,
    ) -> Batch:
        """Spool the files (zips expanded), record the batch (and the key that made it) and queue it.
        Raises InvalidInput, before anything is queued, for any breach of the limits."""
        callback_url = self._valid_callback(callback_url)
        batch_id = new_id()
        folder = self.settings.spool_dir / batch_id
        folder.mkdir(parents=True, exist_ok=True)
        try:
            filenames = self._spool(uploads, folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        batch = Batch(
            id=batch_id,
            filenames=filenames,
            callback_url=callback_url,
            callback_status="pending" if callback_url else None,
            owner_key_id=owner_key_id,
        )
        with self.sessions.begin() as session:
            session.add(batch)
        self._queue(batch_id)
        return batch

    def get(self, batch_id: str) -> Batch:
        with self.sessions() as session:
            return get_or_raise(session, Batch, batch_id, "batch")

    def records(self, batch_id: str) -> list[CheckRecord]:
        with self.sessions() as session:
            query = select(CheckRecord).where(CheckRecord.batch_id == batch_id).order_by(CheckRecord.position)
            return list(session.scalars(query))

    def resume(self) -> None:
        """Queue the batches a previous run left unfinished, and their callbacks."""
        with self.sessions() as session:
            pending = session.scalars(
                select(Batch.id)
                .where((Batch.status != "done") | (Batch.callback_status == "pending"))
                .order_by(Batch.created_at)
            ).all()
        for batch_id in pending:
            self._queue(batch_id)

    def close(self) -> None:
        """Stop after the file being checked; the rest waits in the spool for the next start."""
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.callbacks.close()

    def _queue(self, batch_id: str) -> None:
        """A batch accepted while the runner stops is kept; the next start runs it."""
        try:
            self._executor.submit(self._run, batch_id)
        except RuntimeError:
            if not self._stopping.is_set():
                raise

    def _valid_callback(self, url: str | None) -> str | None:
        if not url:
            return None
        if not is_callback_url(url):
            raise InvalidInput("callback_url must be an http or https URL", code="invalid_callback")
        if not self.settings.webhook_secret:
            raise InvalidInput(
                "this server signs no callbacks: set PROVENANCE_WEBHOOK_SECRET to use callback_url",
                code="callbacks_disabled",
            )
        return url

    def _spool(self, uploads: Iterable[tuple[str | None, BinaryIO]], folder: Path) -> list[str]:
        filenames: list[str] = []
        total = 0
        for name, stream in _expand(uploads, self.settings):
            if len(filenames) >= self.settings.max_batch_files:
                raise InvalidInput(
                    f"a batch holds at most {self.settings.max_batch_files} files", code="too_many_files"
                )
            try:
                total += _copy_bounded(stream, folder / str(len(filenames)), name, self.settings.max_bytes)
            except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
                raise InvalidInput(f"{name} cannot be read from the zip: {exc}", code="bad_zip") from exc
            if total > self.settings.max_request_bytes:
                raise InvalidInput(
                    f"the batch expands to more than {self.settings.max_request_bytes:,} bytes", code="limit_exceeded"
                )
            filenames.append(name)
        if not filenames:
            raise InvalidInput("the batch has no files", code="no_files")
        return filenames

    def _run(self, batch_id: str) -> None:
        try:
            self._work(batch_id)
        except Exception:
            log.exception("batch %s stopped; it resumes at the next start", batch_id)

    def _work(self, batch_id: str) -> None:
        batch = self.get(batch_id)
        folder = self.settings.spool_dir / batch_id
        if batch.status != "done":
            self._set(batch_id, status="running")
            done = {record.position for record in self.records(batch_id)}
            for position, filename in enumerate(batch.filenames):
                if self._stopping.is_set():
                    return
                if position in done:
                    continue
                data = (folder / str(position)).read_bytes()
                self.checks.check(
                    data, filename, Submission(), self.evidence_location, batch=(batch_id, position),
                    owner_key_id=batch.owner_key_id,
                )
            self._set(batch_id, status="done", finished_at=datetime.now(UTC))
            shutil.rmtree(folder, ignore_errors=True)
        if batch.callback_url and batch.callback_status == "pending" and not self._stopping.is_set():
            payload = batch_out(self.get(batch_id), self.records(batch_id)).model_dump(mode="json")

            def record(delivery: Delivery) -> None:
                self._set(batch_id, callback_status=delivery.status, callback_error=delivery.error)

            self.callbacks.send(batch.callback_url, EVENT, payload, record)

    def _set(self, batch_id: str, **values: object) -> None:
        with self.sessions.begin() as session:
            batch = session.get(Batch, batch_id)
            for name, value in values.items():
                setattr(batch, name, value)


def _expand(uploads: Iterable[tuple[str | None, BinaryIO]], settings: Settings) -> Iterator[tuple[str, BinaryIO]]:
    """Each upload as it is, or the entries of a zip (folders, hidden files and macOS
    resource forks skipped; nested zips are not opened)."""
    for name, stream in uploads:
        head = stream.read(len(ZIP_MAGIC))
        stream.seek(0)
        if head != ZIP_MAGIC:
            yield clean_filename(name), stream
            continue
        try:
            archive = zipfile.ZipFile(stream)
            entries = [e for e in archive.infolist() if _is_image_entry(e)]
            for entry in entries:
                _check_entry(entry, settings)
                with archive.open(entry) as member:
                    yield clean_filename(entry.filename), member  # type: ignore[misc]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, RuntimeError) as exc:
            raise InvalidInput(f"{clean_filename(name)} is not a readable zip: {exc}", code="bad_zip") from exc


def _is_image_entry(entry: zipfile.ZipInfo) -> bool:
    parts = Path(entry.filename).parts
    return not entry.is_dir() and not any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _check_entry(entry: zipfile.ZipInfo, settings: Settings) -> None:
    if entry.flag_bits & 0x1:
        raise InvalidInput(f"{entry.filename} in the zip is encrypted", code="bad_zip")
    if entry.file_size > settings.max_bytes:
        raise InvalidInput(
            f"{entry.filename} in the zip has {entry.file_size:,} bytes; the limit is {settings.max_bytes:,}",
            code="limit_exceeded",
        )
    if entry.file_size > MAX_ZIP_RATIO * max(entry.compress_size, 1) and entry.file_size > _COPY_CHUNK:
        raise InvalidInput(f"{entry.filename} in the zip expands {MAX_ZIP_RATIO}x or more", code="zip_bomb")


def _copy_bounded(stream: BinaryIO, target: Path, name: str, limit: int) -> int:
    """Copy at most `limit` bytes; sizes stated by a zip or a client are not trusted."""
    written = 0
    with target.open("wb") as out:
        while chunk := stream.read(_COPY_CHUNK):
            written += len(chunk)
            if written > limit:
                raise InvalidInput(f"{name} has more than {limit:,} bytes", code="limit_exceeded")
            out.write(chunk)
    return written
