"""API keys as `Authorization: Bearer ...`: 401 without a valid key, 403 without the scope.

Each route states its scope with `Depends(require(scope))`. The `Gate` middleware
(api/middleware.py) reads that scope from the matched route and checks the key before
any body is read; the dependency then hands the route the caller the gate found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import State
from starlette.routing import Match
from starlette.types import Scope as AsgiScope

from api.errors import ApiError
from api.state import keys_required
from provenance.store import ApiKey
from service.keys import Scope, Viewer, grants
from service.startup import Services

bearer = HTTPBearer(auto_error=False, description="An API key made with `provenance keys create`.")
CALLER = "caller"
"""Where the gate leaves the caller, in the ASGI scope's `state`."""


@dataclass(frozen=True)
class Caller:
    key_id: int | None
    """None in demo mode (started with `--no-auth`)."""
    name: str
    admin: bool = False

    @property
    def viewer(self) -> Viewer:
        """What this caller may see of stored checks and batches."""
        return Viewer(self.key_id, self.admin)


DEMO = Caller(None, "demo")


def authenticate(state: Services, token: str | None) -> ApiKey:
    """The caller's active key, or a 401."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if not token:
        raise ApiError(401, "unauthorized", "send an API key as 'Authorization: Bearer <key>'", challenge)
    key = state.keys.verify(token)
    if key is None:
        raise ApiError(401, "unauthorized", "the API key is unknown or revoked", challenge)
    return key


def identify(app_state: State, token: str | None, scope: Scope) -> Caller:
    """The caller allowed `scope`, or a 401/403."""
    if not keys_required(app_state):
        return DEMO
    key = authenticate(app_state.services, token)
    if not grants(key.scopes, scope):
        raise ApiError(403, "forbidden", f"this key lacks the '{scope}' scope")
    return Caller(key.id, key.name, admin="admin" in key.scopes)


class Requirement:
    """The dependency `require(scope)` returns: a scope, and whether the route runs a check
    (bounded by `max_concurrent_checks`)."""

    def __init__(self, scope: Scope, runs_check: bool) -> None:
        self.scope = scope
        self.runs_check = runs_check

    def __call__(
        self, request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Caller:
        found = request.scope.get("state", {}).get(CALLER)
        if isinstance(found, Caller):
            return found
        return identify(request.app.state, credentials.credentials if credentials else None, self.scope)


def require(scope: Scope, runs_check: bool = False) -> Callable[..., Caller]:
    return Requirement(scope, runs_check)


def requirement_of(app_routes: list, scope: AsgiScope) -> Requirement | None:
    """The requirement of the route this request goes to; None when no route takes it
    (a 404 or 405 follows) or the route needs no key."""
    for route in app_routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            if not isinstance(route, APIRoute):
                return None
            return next((d.call for d in route.dependant.dependencies if isinstance(d.call, Requirement)), None)
    return None
