"""The drop-folder feed: files taken once, when complete, and again after a restart only if new."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provenance.library.library import Library
from service.feeds import FeedEvent, FolderFeed, Journal, journal_path
from tests.conftest import MALFORMED, ORIGINALS


def feed_for(library: Library, folder: Path, home: Path, settle: float = 0.3) -> FolderFeed:
    return FolderFeed(library.ingest, folder, Journal(journal_path(home, folder)), source="AFP", settle=settle)


def drain(feed: FolderFeed, seconds: float, expected: int | None = None) -> list[FeedEvent]:
    """Run the settling loop (without the observer) for a while, or until it has dealt
    with `expected` files (a loaded machine ingests slowly), and collect what it did."""
    events: list[FeedEvent] = []
    deadline = time.monotonic() + (seconds if expected is None else 60)
    while time.monotonic() < deadline and (expected is None or len(events) < expected):
        feed.take_settled(events.append)
        time.sleep(0.05)
    return events


def test_half_written_file_is_waited_for_then_taken_whole(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    data = (ORIGINALS / "Dune.jpg").read_bytes()
    target = folder / "dune.jpg"
    target.write_bytes(data[: len(data) // 2])
    feed = feed_for(library, folder, tmp_path, settle=2.0)
    feed.scan()
    assert drain(feed, 0.3) == []  # still within the settling time: not read
    with target.open("ab") as handle:  # the upload goes on
        handle.write(data[len(data) // 2 :])
    feed.mark(target)
    events = drain(feed, 1.0, expected=1)
    assert [e.status for e in events] == ["added"]
    reference = library.get(events[0].reference_id or 0)
    assert reference.byte_size == len(data)
    assert reference.source == "AFP"


def test_restart_takes_only_what_is_new_and_refused_files_wait_for_a_change(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "dune.jpg").write_bytes((ORIGINALS / "Dune.jpg").read_bytes())
    (folder / "broken.jpg").write_bytes((MALFORMED / "truncated_jpeg.jpg").read_bytes())
    (folder / "wood.jpg.part").write_bytes(b"still uploading")
    first = feed_for(library, folder, tmp_path, settle=0.0)
    first.scan()
    taken = sorted((Path(e.path).name, e.status) for e in drain(first, 0.3, expected=2))
    assert taken == [("broken.jpg", "error"), ("dune.jpg", "added")]

    (folder / "wood.jpg.part").rename(folder / "wood.jpg")
    (folder / "wood.jpg").write_bytes((ORIGINALS / "Wood.jpg").read_bytes())
    second = feed_for(library, folder, tmp_path, settle=0.0)  # a new process reads the journal
    second.scan()
    assert [(Path(e.path).name, e.status) for e in drain(second, 0.3, expected=1)] == [("wood.jpg", "added")]
    assert drain(second, 0.3) == []  # nothing else, nothing twice
    assert library.count() == 2


@pytest.mark.slow
def test_watch_command_ingests_drops_and_survives_a_restart(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    home = tmp_path / "home"
    environment = {**os.environ, "PROVENANCE_HOME": str(home)}
    environment.pop("PROVENANCE_DATABASE_URL", None)

    def start() -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "cli", "watch", str(folder), "--settle", "0.5", "--json", "--source", "AFP"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
        assert process.stderr is not None
        assert "Watching" in process.stderr.readline()  # the observer starts right after this line
        return process

    def stop(process: subprocess.Popen[str]) -> list[dict]:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr
        return [json.loads(line) for line in stdout.splitlines()]

    watcher = start()
    time.sleep(1)
    upload = folder / "ladybird.jpg.uploading"
    upload.write_bytes((ORIGINALS / "LadyBird.jpg").read_bytes())
    upload.rename(folder / "ladybird.jpg")
    time.sleep(3)
    first = stop(watcher)
    assert [(Path(line["path"]).name, line["status"]) for line in first] == [("ladybird.jpg", "added")]

    (folder / "elephants.jpg").write_bytes((ORIGINALS / "Elephants.jpg").read_bytes())  # while stopped
    watcher = start()
    time.sleep(3)
    second = stop(watcher)
    assert [(Path(line["path"]).name, line["status"]) for line in second] == [("elephants.jpg", "added")]
