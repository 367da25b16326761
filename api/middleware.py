"""Request-wide guards, all before a route runs: who calls and with which scope, at what
rate, how many checks run; a cap on the body's size and time; headers that keep browsers
from treating any response as something it is not; and a JSON 500 that keeps the
connection usable when a route fails unexpectedly."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import CALLER, identify, requirement_of
from api.errors import ApiError, ErrorBody, unexpected_error
from api.limits import Limits
from provenance.report import ErrorInfo

log = logging.getLogger("api")
_NO_PAGE_POLICY = ("/docs", "/redoc", "/static-offline-docs")
"""Swagger UI and ReDoc run inline scripts; our own pages do not."""
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class BodyTooLarge(ApiError):
    """An HTTPException, so that FastAPI's body parsing lets it through as it is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "limit_exceeded", f"the request body is larger than {limit:,} bytes",
                         {"Connection": "close"})


class BodyTooSlow(ApiError):
    def __init__(self, seconds: float) -> None:
        super().__init__(408, "request_timeout", f"the request body took longer than {seconds:g} s",
                         {"Connection": "close"})


class BodyGuard:
    """Refuses a body over the size limit (at once from Content-Length, or while it
    streams) or not received within `timeout` seconds of the request's start (a client
    trickling its body is cut off with a 408)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(send, BodyTooLarge(self.max_bytes))
            return
        received = 0
        complete = False
        deadline = time.monotonic() + self.timeout

        async def guarded_receive() -> Message:
            nonlocal received, complete
            if complete:  # only the disconnect is left to wait for: no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise BodyTooSlow(self.timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
                complete = not message.get("more_body", False)
            return message

        await self.app(scope, guarded_receive, send)


async def _send_error(send: Send, error: ApiError, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """An error answered before the app runs; the body is left unread, so the connection is closed."""
    body = json.dumps(ErrorBody(error=ErrorInfo(code=error.code, message=error.detail)).model_dump()).encode()
    extra = [(name.lower().encode(), value.encode()) for name, value in (error.headers or {}).items()]
    extra = [h for h in extra if h[0] != b"connection"]
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), *extra, *(headers or [])]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Gate:
    """Before a route reads anything of the body: the key and the route's scope (401,
    403), the key's request rate and, for a route that runs a check, a check slot (429
    with Retry-After), held until the answer is sent. Anonymous or wrong-scope clients
    thus cannot make the server take in hundreds of megabytes (FastAPI reads the body
    before it runs the route's dependencies)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        requirement = requirement_of(scope["app"].state.routes, scope)
        if requirement is None:
            await self.app(scope, receive, send)
            return
        token = _bearer_token(dict(scope["headers"]).get(b"authorization", b""))
        try:
            caller = await run_in_threadpool(identify, scope["app"].state, token, requirement.scope)
            self.limits.count_request(caller.key_id)
            if requirement.runs_check:
                self.limits.take_check_slot(caller.key_id)
        except ApiError as error:
            await _send_error(send, error)
            return
        scope.setdefault("state", {})[CALLER] = caller
        try:
            await self.app(scope, receive, send)
        finally:
            if requirement.runs_check:
                self.limits.give_back(caller.key_id)


def _bearer_token(header: bytes) -> str | None:
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class SecurityHeaders:
    """`nosniff` everywhere, so nothing is ever rendered as HTML by guesswork; a strict
    content policy on our own pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if not scope["path"].startswith(_NO_PAGE_POLICY):
                    headers["Content-Security-Policy"] = PAGE_POLICY
                    headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class JsonServerError:
    """An unexpected failure answers a JSON 500 and is logged here, without being raised
    further: the server would otherwise close the (keep-alive) connection after it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as exc:
            if started:
                log.exception("unexpected error on %s %s", scope["method"], scope["path"])
                raise
            await unexpected_error(scope["method"], scope["path"], exc)(scope, receive, send)
