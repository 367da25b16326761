"""API keys as `Authorization: Bearer ...`: 401 without a valid key, 403 without the scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiError
from api.state import keys_required, services
from provenance.store import ApiKey
from service.keys import Scope, grants
from service.startup import Services

bearer = HTTPBearer(auto_error=False, description="An API key made with `provenance keys create`.")


@dataclass(frozen=True)
class Caller:
    key_id: int | None
    """None in demo mode (started with `--no-auth`)."""
    name: str


def authenticate(state: Services, token: str | None) -> ApiKey:
    """The caller's active key, or a 401."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if not token:
        raise ApiError(401, "unauthorized", "send an API key as 'Authorization: Bearer <key>'", challenge)
    key = state.keys.verify(token)
    if key is None:
        raise ApiError(401, "unauthorized", "the API key is unknown or revoked", challenge)
    return key


def require(scope: Scope) -> Callable[..., Caller]:
    def check_key(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Caller:
        if not keys_required(request.app.state):
            return Caller(None, "demo")
        key = authenticate(services(request), credentials.credentials if credentials else None)
        if not grants(key.scopes, scope):
            raise ApiError(403, "forbidden", f"this key lacks the '{scope}' scope")
        return Caller(key.id, key.name)

    return check_key
