"""Request-wide guards: a cap on the body size and headers that keep browsers from
treating any response as something it is not."""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import authenticate
from api.errors import ApiError, ErrorBody
from api.state import keys_required
from provenance.report import ErrorInfo

_NO_PAGE_POLICY = ("/docs", "/redoc", "/static-offline-docs")
"""Swagger UI and ReDoc run inline scripts; our own pages do not."""
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class BodyTooLarge(ApiError):
    """An HTTPException, so that FastAPI's body parsing lets it through as it is."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "limit_exceeded", f"the request body is larger than {limit:,} bytes")


class BodyLimit:
    """Refuses a body over the limit: at once from Content-Length, or while it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(send, BodyTooLarge(self.max_bytes))
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counting_receive, send)


async def _send_error(send: Send, error: ApiError, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """An error answered before the app runs; the body is left unread, so the connection is closed."""
    body = json.dumps(ErrorBody(error=ErrorInfo(code=error.code, message=error.detail)).model_dump()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), *(headers or [])]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class UploadGate:
    """Refuses an upload without a valid key before its body is read, so that anonymous
    clients cannot make the server take in hundreds of megabytes. (FastAPI reads the
    body before it runs the route's dependencies, which then check the scope.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH") and scope["path"].startswith("/v1/"):
            state = scope["app"].state
            token = _bearer_token(dict(scope["headers"]).get(b"authorization", b""))
            if keys_required(state):
                try:
                    await run_in_threadpool(authenticate, state.services, token)
                except ApiError as error:
                    await _send_error(send, error, [(b"www-authenticate", b"Bearer")])
                    return
        await self.app(scope, receive, send)


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
