"""What the running app holds: the services (opened by the lifespan), its batch runner,
the task queue to the workers when a broker is configured, and whether callers must
send a key. Routes and middleware read them from here."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import State

from service.batches import BatchRunner
from service.startup import Services
from service.tasks import TaskQueue


def services(request: Request) -> Services:
    return request.app.state.services


def batches(request: Request) -> BatchRunner:
    return request.app.state.batches


def task_queue(request: Request) -> TaskQueue | None:
    """None when checks run in this process (no `PROVENANCE_BROKER_URL`)."""
    return request.app.state.task_queue


def keys_required(state: State) -> bool:
    """False in demo mode (`provenance serve --no-auth`)."""
    return state.require_auth
