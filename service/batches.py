"""Batches: many images (or a zip of them) checked in the background.

Uploaded files are spooled to the blob store's `spool` area as `<batch>/<position>`
(a folder under PROVENANCE_HOME, a shared path or an S3 bucket: any worker reads
them) and the batch is recorded before the caller gets its id, so a restart picks up
where it stopped. Without a broker, one thread of the API process runs batches in order; with
one (`service.tasks`), every file is a task of its own on the workers' `batch` queue, so
workers interleave batches with the desks' checks. Either way each file becomes a stored
check (an error report when it cannot be read, as in `provenance check`), at most once
per position; a passing fault (disk full, database gone) is retried with backoff, not
stored. When the last file is in, an optional callback receives the batch, signed (see
`service.webhooks`).
"""

from __future__ import annotations

import logging
import threading
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import func, select, update

from provenance.config import Settings
from provenance.errors import InvalidInput
from provenance.store import Batch, BlobStore, CheckRecord, get_or_raise, open_blobs
from service.checks import CheckStore, EvidenceLocation, clean_filename, new_id
from service.faults import backoff, is_transient
from service.models import Submission, batch_out
from service.webhooks import CallbackPolicy, CallbackSender, Delivery, is_callback_url

ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_RATIO = 100
"""Images barely compress; an entry that claims to expand more than this is a zip bomb."""
_COPY_CHUNK = 1 << 20
EVENT = "batch.finished"
log = logging.getLogger(__name__)


class Dispatch(Protocol):
    """Where batch work goes when workers do it (`service.tasks.TaskQueue`)."""

    def send_items(self, batch_id: str, positions: list[int]) -> None: ...

    def send_callback(self, batch_id: str) -> None: ...


class BatchRunner:
    """Spools, records and runs batches. Made by the API's lifespan (`Services.start_batches`)
    and by each task worker; a command of the CLI never makes one."""

    def __init__(
        self,
        settings: Settings,
        checks: CheckStore,
        evidence_location: EvidenceLocation,
        dispatch: Dispatch | None = None,
        callback_attempts: int = 3,
        callback_backoff: float = 2.0,
    ) -> None:
        self.settings = settings
        self.checks = checks
        self.sessions = checks.sessions
        self.evidence_location = evidence_location
        self.spool = open_blobs(settings, "spool")
        self.dispatch = dispatch
        policy = CallbackPolicy.from_settings(settings, callback_attempts, callback_backoff)
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
        try:
            filenames = self._spool(uploads, batch_id)
        except BaseException:
            self.spool.remove_prefix(f"{batch_id}/")
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

    def check_item(self, batch_id: str, position: int) -> None:
        """Check the file at this position unless it is already stored. Raises a passing
        fault (`service.faults`) for the caller to retry later."""
        with self.sessions() as session:
            stored = session.scalar(
                select(CheckRecord.id).where(CheckRecord.batch_id == batch_id, CheckRecord.position == position)
            )
        if stored is not None:
            return
        batch = self.get(batch_id)
        if batch.status == "queued":
            started = update(Batch).where(Batch.id == batch_id, Batch.status == "queued").values(status="running")
            with self.sessions.begin() as session:
                session.execute(started)
        data = self.spool.read(f"{batch_id}/{position}")
        filename = batch.filenames[position]
        self.checks.check(
            data, filename, Submission(), self.evidence_location, batch=(batch_id, position),
            owner_key_id=batch.owner_key_id,
        )

    def finish(self, batch_id: str) -> bool:
        """Mark the batch done once every position is stored. True for the one caller that
        did it (workers finish items side by side): that one sends the callback."""
        with self.sessions.begin() as session:
            batch = get_or_raise(session, Batch, batch_id, "batch")
            stored = session.scalar(select(func.count()).where(CheckRecord.batch_id == batch_id))
            if batch.status == "done" or (stored or 0) < len(batch.filenames):
                return False
            result = session.execute(
                update(Batch)
                .where(Batch.id == batch_id, Batch.status != "done")
                .values(status="done", finished_at=datetime.now(UTC))
            )
            won = bool(result.rowcount)  # type: ignore[attr-defined]
        if won:
            self.spool.remove_prefix(f"{batch_id}/")
        return won

    def deliver_callback(self, batch_id: str) -> None:
        """Send the finished batch to its callback URL, if it has one not yet sent."""
        batch = self.get(batch_id)
        if batch.status != "done" or not batch.callback_url or batch.callback_status != "pending":
            return
        payload = batch_out(batch, self.records(batch_id)).model_dump(mode="json")

        def record(delivery: Delivery) -> None:
            self._set(batch_id, callback_status=delivery.status, callback_error=delivery.error)

        self.callbacks.send(batch.callback_url, EVENT, payload, record)

    def _queue(self, batch_id: str) -> None:
        """A batch accepted while the runner stops is kept; the next start runs it."""
        if self.dispatch is not None:
            self._send(batch_id)
            return
        try:
            self._executor.submit(self._run, batch_id)
        except RuntimeError:
            if not self._stopping.is_set():
                raise

    def _send(self, batch_id: str) -> None:
        """Hand the positions not yet stored (or the callback) to the workers."""
        assert self.dispatch is not None
        batch = self.get(batch_id)
        if batch.status == "done":
            self.dispatch.send_callback(batch_id)
            return
        done = {record.position for record in self.records(batch_id)}
        pending = [position for position in range(len(batch.filenames)) if position not in done]
        if pending:
            self.dispatch.send_items(batch_id, pending)
        elif self.finish(batch_id):
            self.dispatch.send_callback(batch_id)

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

    def _spool(self, uploads: Iterable[tuple[str | None, BinaryIO]], batch_id: str) -> list[str]:
        filenames: list[str] = []
        total = 0
        for name, stream in _expand(uploads, self.settings):
            if len(filenames) >= self.settings.max_batch_files:
                raise InvalidInput(
                    f"a batch holds at most {self.settings.max_batch_files} files", code="too_many_files"
                )
            try:
                key = f"{batch_id}/{len(filenames)}"
                total += _copy_bounded(stream, self.spool, key, name, self.settings.max_bytes)
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
        """Run the batch in this thread; after a passing fault, wait and take it up again
        where it stopped (the stored positions are skipped)."""
        attempt = 0
        while not self._stopping.is_set():
            try:
                self._work(batch_id)
                return
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("batch %s stopped; it resumes at the next start", batch_id)
                    return
                wait = backoff(self.settings.retry_backoff, attempt)
                log.warning("batch %s paused by %s; trying again in %.0f s", batch_id, exc, wait)
                attempt += 1
                self._stopping.wait(wait)

    def _work(self, batch_id: str) -> None:
        batch = self.get(batch_id)
        if batch.status != "done":
            for position in range(len(batch.filenames)):
                if self._stopping.is_set():
                    return
                self.check_item(batch_id, position)
            self.finish(batch_id)
        if not self._stopping.is_set():
            self.deliver_callback(batch_id)

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
            _check_archive(clean_filename(name), entries, stream.seek(0, 2))
            for entry in entries:
                with archive.open(entry) as member:
                    yield clean_filename(entry.filename), member  # type: ignore[misc]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, RuntimeError) as exc:
            raise InvalidInput(f"{clean_filename(name)} is not a readable zip: {exc}", code="bad_zip") from exc


def _is_image_entry(entry: zipfile.ZipInfo) -> bool:
    parts = Path(entry.filename).parts
    return not entry.is_dir() and not any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _check_archive(name: str, entries: list[zipfile.ZipInfo], archive_bytes: int) -> None:
    """Many small entries that each pass the entry check can still add up to a bomb (a
    281 KB zip of 250 one-megabyte entries): the archive as a whole must not expand more
    than MAX_ZIP_RATIO times. Declared sizes hold: zipfile reads no more than them."""
    expanded = sum(entry.file_size for entry in entries)
    if expanded > _COPY_CHUNK and expanded > MAX_ZIP_RATIO * max(archive_bytes, 1):
        raise InvalidInput(f"{name} expands {MAX_ZIP_RATIO}x or more ({expanded:,} bytes)", code="zip_bomb")


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


def _copy_bounded(stream: BinaryIO, spool: BlobStore, key: str, name: str, limit: int) -> int:
    """Copy at most `limit` bytes; sizes stated by a zip or a client are not trusted."""
    return spool.write_stream(key, _Bounded(stream, name, limit))


class _Bounded:
    """A file object that refuses to give more than `limit` bytes."""

    def __init__(self, stream: BinaryIO, name: str, limit: int) -> None:
        self.stream, self.name, self.limit, self.read_so_far = stream, name, limit, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(_COPY_CHUNK if size is None or size < 0 else min(size, _COPY_CHUNK))
        self.read_so_far += len(chunk)
        if self.read_so_far > self.limit:
            raise InvalidInput(f"{self.name} has more than {self.limit:,} bytes", code="limit_exceeded")
        return chunk
