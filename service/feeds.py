"""Live agency feeds: originals ingested as they land in a drop folder.

Wire photos arrive by FTP or rsync into a folder, often written slowly, sometimes
under a temporary name and renamed when complete. A `FolderFeed` learns of files from
the operating system (watchdog: inotify on Linux, or polling for network mounts),
waits until a file has stopped changing for `settle` seconds, then ingests it with
its sidecar. What it has taken in is appended to a journal under the home folder, so a
restart scans the folder again and takes exactly what it has not yet seen; the
library's own idempotence (same bytes, same original) guards the rest.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from provenance.errors import ProvenanceError
from provenance.folders import iter_files, read_sidecar
from provenance.library.library import IngestOutcome, ReferenceDetails

Ingest = Callable[[bytes, str, ReferenceDetails], IngestOutcome]
"""How a feed adds an original (`Services.ingest`: the library, then the watchlist)."""

TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".filepart", ".uploading")
"""Names uploaders give a file while they write it; it is taken once renamed."""


@dataclass(frozen=True)
class FileState:
    """What a file looked like when last seen: a change of either means new bytes."""

    size: int
    mtime_ns: int


@dataclass(frozen=True)
class FeedEvent:
    """One file dealt with: `added`, `exists` (same bytes already in the library), `error`
    (refused: bad or unsupported bytes) or `retry` (a passing fault; taken again later)."""

    path: str
    status: str
    reference_id: int | None = None
    error: str | None = None


class Journal:
    """The files a feed has dealt with, one JSON line each, appended and flushed before
    the next file: after a crash at most the file in hand is read again (and the
    library recognises its bytes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[str, FileState] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                    self.seen[entry["path"]] = FileState(entry["size"], entry["mtime_ns"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash: that file is simply taken again
        path.parent.mkdir(parents=True, exist_ok=True)

    def is_done(self, path: str, state: FileState) -> bool:
        return self.seen.get(path) == state

    def record(self, path: str, state: FileState, event: FeedEvent) -> None:
        self.seen[path] = state
        line = {"path": path, "size": state.size, "mtime_ns": state.mtime_ns, "status": event.status}
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


def journal_path(home: Path, folder: Path) -> Path:
    """One journal a watched folder, named after its absolute path."""
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return home / "feeds" / f"{digest}.jsonl"


def _state(path: Path) -> FileState | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return FileState(stat.st_size, stat.st_mtime_ns)


def _wanted(path: Path) -> bool:
    return not path.name.startswith(".") and not path.name.lower().endswith(TEMPORARY_SUFFIXES)


class _Pending(FileSystemEventHandler):
    """Collects the paths the observer reports; the feed decides when they are complete."""

    def __init__(self, mark: Callable[[Path], None]) -> None:
        self.mark = mark

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        target = getattr(event, "dest_path", "") or event.src_path
        self.mark(Path(str(target)))


class FolderFeed:
    """Watches one folder and ingests what lands in it, once, when complete."""

    def __init__(
        self,
        ingest: Ingest,
        folder: Path,
        journal: Journal,
        source: str | None = None,
        settle: float = 2.0,
        poll: bool = False,
    ) -> None:
        self.ingest_original = ingest
        self.folder = folder
        self.journal = journal
        self.source = source
        self.settle = settle
        self.poll = poll
        self._pending: dict[Path, tuple[FileState | None, float]] = {}
        self._guard = threading.Lock()

    def mark(self, path: Path) -> None:
        """Note a path to look at; a change restarts its settling time."""
        if _wanted(path):
            with self._guard:
                self._pending[path] = (_state(path), time.monotonic())

    def scan(self) -> None:
        """Mark every file of the folder the journal has not seen as it is now."""
        for name in iter_files([str(self.folder)]):
            path = Path(name)
            state = _state(path)
            if state is not None and _wanted(path) and not self.journal.is_done(str(path), state):
                self.mark(path)

    def take_settled(self, on_event: Callable[[FeedEvent], None]) -> None:
        """Ingest each pending file that has kept its size and time for `settle` seconds."""
        now = time.monotonic()
        with self._guard:
            candidates = list(self._pending.items())
        for path, (seen, since) in candidates:
            current = _state(path)
            if current is None:  # gone (renamed or deleted): its new name was reported too
                self._forget(path)
                continue
            if current != seen:
                self.mark(path)
                continue
            if now - since < self.settle:
                continue
            self._forget(path)
            if self.journal.is_done(str(path), current):
                continue
            event = self.ingest(path)
            if event.status == "retry":
                self.mark(path)
            else:
                self.journal.record(str(path), current, event)
            on_event(event)

    def _forget(self, path: Path) -> None:
        with self._guard:
            self._pending.pop(path, None)

    def ingest(self, path: Path) -> FeedEvent:
        """One complete file in; any failure is an event, never the end of the feed. A file
        the library refuses is an `error` for good (until it changes); anything else (a
        database or disk that is away) is a `retry`: the file is taken again later."""
        try:
            data = path.read_bytes()
            details = read_sidecar(str(path)) or ReferenceDetails()
            if self.source:
                details = details.model_copy(update={"source": self.source})
            outcome = self.ingest_original(data, str(path), details)
        except ProvenanceError as exc:
            return FeedEvent(str(path), "error", error=str(exc))
        except Exception as exc:  # a feed outlives a database or disk that is away
            return FeedEvent(str(path), "retry", error=str(exc) or exc.__class__.__name__)
        status = "added" if outcome.created else "exists"
        return FeedEvent(str(path), status, reference_id=outcome.reference.id)

    def run(self, on_event: Callable[[FeedEvent], None], stop: threading.Event, tick: float = 0.25) -> None:
        """Until `stop` is set: watch, scan once for what arrived while stopped, ingest."""
        observer: BaseObserver = PollingObserver(timeout=1) if self.poll else Observer()
        observer.schedule(_Pending(self.mark), str(self.folder), recursive=True)
        observer.start()
        try:
            self.scan()
            while not stop.is_set():
                self.take_settled(on_event)
                stop.wait(tick)
        finally:
            observer.stop()
            observer.join()
