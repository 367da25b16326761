"""Checks and batch items as Celery tasks on a Redis broker, run by `provenance worker` processes.

Two queues: `interactive` (a desk's check, answered while the desk waits) and `batch`
(one task per batch file, so workers interleave batches with checks). A worker that
serves both lists `interactive` first and reads its queues in that order (kombu's
`priority` queue order, not its default round robin), takes one task at a time (prefetch
multiplier 1): a check waits at most for the file a worker is on, never behind a batch.

A task is acknowledged when it is done (`acks_late`, and rejected back to the queue when
its worker process dies): a worker killed mid-way leaves its task unacknowledged, and the
broker hands it to another worker after `broker_visibility_timeout` seconds. Running a
task twice stores nothing twice (`CheckStore.check` is idempotent per check id and per
batch position). A passing fault (disk full, database gone) retries the task with backoff.

The API does not wait through Celery's result backend, which is not safe to wait on from
many threads (celery/celery#3761, #4480): the worker pushes a short answer (the check's id,
or an error) onto a Redis list named after the check, and the API's thread blocks on it
(BLPOP) with a timeout. The report itself is the stored check.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery, Task

from provenance.config import Settings
from provenance.errors import Conflict, InvalidInput, NotFound, ProvenanceError
from service.batches import BatchRunner
from service.checks import EvidenceLocation, new_id
from service.faults import backoff, is_transient
from service.models import Submission
from service.startup import Services, open_services

INTERACTIVE = "interactive"
BATCH = "batch"
QUEUES = (INTERACTIVE, BATCH)
"""In the order a worker serving both reads them."""
CHECK_TASK = "provenance.check"
ITEM_TASK = "provenance.batch_item"
CALLBACK_TASK = "provenance.batch_callback"
REPLY_TTL = 600
"""Seconds an answer nobody took (the API timed out) stays in Redis."""
RETRY_AFTER = 2
"""Seconds a caller refused for a full queue is told to wait."""
log = logging.getLogger(__name__)


class QueueFull(Exception):
    """More checks wait for a worker than `interactive_queue_max`: the caller retries later."""

    def __init__(self, queued: int, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(f"{queued} checks are waiting for a worker; try again in {retry_after} s")
        self.retry_after = retry_after


class NoAnswer(Exception):
    """No worker answered in time, or the worker met a passing fault."""

    def __init__(self, message: str, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def celery_app(settings: Settings) -> Celery:
    """The Celery app both sides share: the API sends tasks by name, the workers run them."""
    if not settings.broker_url:
        raise ValueError("no broker configured: set PROVENANCE_BROKER_URL")
    app = Celery("provenance", broker=settings.broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=BATCH,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": settings.broker_visibility_timeout,
            "queue_order_strategy": "priority",
            # Look for tasks of dead workers a few times per visibility timeout (kombu's
            # default sweep is every 100 s whatever the timeout).
            "unacked_restore_interval": max(1, min(10, settings.broker_visibility_timeout // 3)),
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def reply_key(check_id: str) -> str:
    return f"provenance:reply:{check_id}"


class TaskQueue:
    """The API's side: sends checks and batch items to the workers, waits for a check's answer.
    Safe to use from many threads (one Redis connection pool, Celery's producer pool)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = celery_app(settings)
        # BLPOP blocks up to check_timeout: the socket must wait longer (redis-py's default is 5 s).
        self.redis = redis.Redis.from_url(
            settings.broker_url or "", socket_timeout=settings.check_timeout + 5, socket_connect_timeout=5
        )

    def check(self, data: bytes, filename: str, submission: Submission, submitted_by: str | None = None) -> str:
        """Have a worker check and store the image; the stored check's id. Raises QueueFull
        when too many checks wait, NoAnswer after `check_timeout`, or the check's own error."""
        queued = int(self.redis.llen(INTERACTIVE))
        if queued >= self.settings.interactive_queue_max:
            raise QueueFull(queued)
        check_id = new_id()
        encoded = base64.b64encode(data).decode()
        payload = [check_id, encoded, filename, submission.model_dump(mode="json"), submitted_by]
        # A check nobody waits for any more is dropped by the worker, not done.
        self.app.send_task(CHECK_TASK, args=payload, queue=INTERACTIVE, expires=self.settings.check_timeout)
        reply = self.redis.blpop([reply_key(check_id)], timeout=self.settings.check_timeout)
        if reply is None:
            waited = self.settings.check_timeout
            raise NoAnswer(f"no worker answered within {waited:g} s; the check may still be stored")
        answer = json.loads(reply[1])
        if "error" in answer:
            raise _error_from(answer["error"])
        return check_id

    def send_items(self, batch_id: str, positions: list[int]) -> None:
        for position in positions:
            self.app.send_task(ITEM_TASK, args=[batch_id, position], queue=BATCH)

    def send_callback(self, batch_id: str) -> None:
        self.app.send_task(CALLBACK_TASK, args=[batch_id], queue=BATCH)

    def close(self) -> None:
        self.redis.close()
        self.app.close()


@dataclass
class _Opened:
    services: Services
    batches: BatchRunner


def worker_app(settings: Settings, evidence_location: EvidenceLocation) -> Celery:
    """The Celery app of `provenance worker`, with the tasks registered. Each worker process
    opens its own services (library, indexes) on its first task."""
    app = celery_app(settings)
    queue = TaskQueue(settings)
    opened: list[_Opened] = []

    def services() -> _Opened:
        if not opened:
            started = open_services(settings)
            opened.append(_Opened(started, started.batch_runner(evidence_location, dispatch=queue)))
        return opened[0]

    @app.task(name=CHECK_TASK, bind=True)
    def check(
        task: Task, check_id: str, data64: str, filename: str, submitted: dict[str, Any], by: str | None = None
    ) -> None:
        answer: dict[str, Any]
        try:
            submission = Submission.model_validate(submitted)
            record = services().services.checks.check(
                base64.b64decode(data64), filename, submission, evidence_location, submitted_by=by, check_id=check_id
            )
            answer = {"id": record.id}
        except ProvenanceError as exc:
            answer = {"error": {"kind": _kind(exc), "code": exc.code, "message": str(exc)}}
        except Exception as exc:
            kind = "unavailable" if is_transient(exc) else "internal"
            log.exception("check %s of %s failed", check_id, filename)
            answer = {"error": {"kind": kind, "code": f"{kind}_error", "message": str(exc)[:200]}}
        with queue.redis.pipeline() as pipe:
            pipe.rpush(reply_key(check_id), json.dumps(answer))
            pipe.expire(reply_key(check_id), REPLY_TTL)
            pipe.execute()

    @app.task(name=ITEM_TASK, bind=True, max_retries=None)
    def batch_item(task: Task, batch_id: str, position: int) -> None:
        runner = services().batches
        try:
            runner.check_item(batch_id, position)
            if runner.finish(batch_id):
                queue.send_callback(batch_id)
        except NotFound:
            log.info("batch %s is gone; item %d dropped", batch_id, position)
        except Exception as exc:
            if not is_transient(exc):
                raise
            wait = backoff(settings.retry_backoff, task.request.retries)
            log.warning("item %d of batch %s paused by %s; again in %.0f s", position, batch_id, exc, wait)
            raise task.retry(exc=exc, countdown=wait) from exc

    @app.task(name=CALLBACK_TASK, bind=True, max_retries=None)
    def batch_callback(task: Task, batch_id: str) -> None:
        try:
            services().batches.deliver_callback(batch_id)
        except NotFound:
            return
        except Exception as exc:
            if not is_transient(exc):
                raise
            raise task.retry(exc=exc, countdown=backoff(settings.retry_backoff, task.request.retries)) from exc

    return app


def _kind(error: ProvenanceError) -> str:
    if isinstance(error, NotFound):
        return "not_found"
    if isinstance(error, Conflict):
        return "conflict"
    return "invalid"


def _error_from(error: dict[str, str]) -> Exception:
    """The worker's error raised again on the API's side, with its code."""
    kind, code, message = error["kind"], error["code"], error["message"]
    if kind == "unavailable":
        return NoAnswer(f"the check could not be done now ({message}); try again")
    if kind == "internal":
        return RuntimeError(f"a worker failed on the check: {message}")
    exc: ProvenanceError = NotFound(message) if kind == "not_found" else Conflict(message)
    if kind == "invalid":
        exc = InvalidInput(message, code=code)
    exc.code = code
    return exc
