"""Batches in the API process: a passing fault pauses a batch, which resumes by itself;
running an item twice stores it once."""

from __future__ import annotations

import errno
import io
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import OperationalError

from provenance.config import Settings
from provenance.library.library import Library
from service.faults import backoff, is_transient
from service.models import Submission
from service.startup import Services, open_services
from tests.conftest import COPIES


@pytest.fixture
def services(sample_library: Library, settings: Settings) -> Iterator[Services]:
    opened = open_services(settings.model_copy(update={"retry_backoff": 0.05}))
    yield opened
    opened.close()


def _evidence(check_id: str) -> str:
    return f"/v1/checks/{check_id}/evidence.png"


def test_a_batch_paused_by_a_full_disk_resumes_without_a_restart(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the items that met the full disk were stored as internal_error for good."""
    store = services.checks.evidence_blobs
    put = store.put
    failures = {"left": 3}

    def full_disk(digest: str, data: bytes) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OSError(errno.ENOSPC, "No space left on device")
        put(digest, data)

    monkeypatch.setattr(store, "put", full_disk)
    runner = services.start_batches(_evidence)
    photos = ["dune_half_q40.jpg", "ladybird_brighter.jpg", "dune_half_q40.jpg"]
    batch = runner.create([(name, io.BytesIO((COPIES / name).read_bytes())) for name in photos])
    deadline = time.monotonic() + 120
    while runner.get(batch.id).status != "done":
        assert time.monotonic() < deadline, "the batch did not resume"
        time.sleep(0.1)
    runner.close()
    records = runner.records(batch.id)
    assert failures["left"] == 0
    assert [r.position for r in records] == [0, 1, 2]
    assert all("error" not in r.report and r.evidence_sha256 for r in records)


class Sent:
    """Records what the runner hands to the workers (service.tasks.TaskQueue in production)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, list[int]]] = []
        self.callbacks: list[str] = []

    def send_items(self, batch_id: str, positions: list[int]) -> None:
        self.items.append((batch_id, positions))

    def send_callback(self, batch_id: str) -> None:
        self.callbacks.append(batch_id)


def test_an_item_or_a_check_run_twice_is_stored_once(services: Services) -> None:
    """What a task redelivered after its worker died does, or two workers on one item."""
    sent = Sent()
    runner = services.batch_runner(_evidence, dispatch=sent)
    data = (COPIES / "dune_half_q40.jpg").read_bytes()
    batch = runner.create([("a.jpg", io.BytesIO(data)), ("b.jpg", io.BytesIO(data))])
    assert sent.items == [(batch.id, [0, 1])] and runner.get(batch.id).status == "queued"
    runner.check_item(batch.id, 0)
    runner.check_item(batch.id, 0)
    first = runner.records(batch.id)[0]
    racing = services.checks.check(data, "a.jpg", Submission(), _evidence, batch=(batch.id, 0))
    assert racing.id == first.id and len(runner.records(batch.id)) == 1
    assert not runner.finish(batch.id) and runner.get(batch.id).status == "running"
    runner.check_item(batch.id, 1)
    assert runner.finish(batch.id) and not runner.finish(batch.id)
    assert runner.get(batch.id).status == "done" and [r.position for r in runner.records(batch.id)] == [0, 1]
    once = services.checks.check(data, "c.jpg", Submission(), _evidence, check_id="abc")
    twice = services.checks.check(data, "c.jpg", Submission(), _evidence, check_id="abc")
    assert once.id == twice.id == "abc"


def test_passing_faults_are_told_from_the_input_s_own() -> None:
    assert is_transient(OSError(errno.ENOSPC, "full")) and is_transient(OperationalError("SELECT 1", {}, Exception()))
    assert not is_transient(OSError(errno.ENOENT, "gone")) and not is_transient(ValueError("bad"))
    assert [backoff(2, n) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]
