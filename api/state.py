"""What the running app holds: the services (opened by the lifespan), its batch runner,
and whether callers must send a key. Routes and middleware read them from here."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import State

from service.batches import BatchRunner
from service.startup import Services


def services(request: Request) -> Services:
    return request.app.state.services


def batches(request: Request) -> BatchRunner:
    return request.app.state.batches


def keys_required(state: State) -> bool:
    """False in demo mode (`provenance serve --no-auth`)."""
    return state.require_auth
