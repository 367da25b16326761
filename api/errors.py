"""Every error leaves as JSON `{"error": {"code", "message"}}`; domain error codes map
to HTTP statuses here and nowhere else."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.routing import Route

from provenance.errors import Conflict, NotFound, ProvenanceError
from provenance.report import ErrorInfo
from provenance.store.faults import as_storage_full, is_storage_full

log = logging.getLogger("api")

STATUS_BY_CODE = {
    "not_found": 404,
    "conflict": 409,
    "unsupported_format": 415,
    "corrupt_image": 422,
    "invalid_image": 422,
    "invalid_input": 422,
    "limit_exceeded": 413,
    "too_many_files": 413,
    "too_many_fields": 413,
    "zip_bomb": 413,
    "insufficient_storage": 507,
    "storage_unavailable": 503,
    "no_match": 409,
    "not_proposed": 422,
}
"""Codes not listed are the caller's mistake: 400. `invalid_input` is a field the domain
refuses (a `claimed_date` that is not ISO 8601): 422, like a field FastAPI refuses."""

_CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "limit_exceeded",
    415: "unsupported_media_type",
    507: "insufficient_storage",
    429: "too_many_requests",
    503: "unavailable",
}


class ErrorBody(BaseModel):
    """Every error answer: the domain's `ErrorInfo` (as in an error report), wrapped."""

    error: ErrorInfo


class ApiError(HTTPException):
    """An HTTP error with a code of its own, raised by the adapter (auth, content type)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code


class TooManyRequests(ApiError):
    """429 with Retry-After: the caller is over its rate, the server (or its key) has as
    many checks running as allowed, or too many checks wait for a worker. Raised before
    the request's body is read, except for a full queue of the task workers."""

    def __init__(self, retry_after: int, message: str, code: str = "too_many_requests") -> None:
        headers = {"Retry-After": str(max(1, retry_after))}
        super().__init__(429, code, f"{message}; retry after {retry_after} s", headers)
        self.retry_after = max(1, retry_after)


def status_for(error: ProvenanceError) -> int:
    if error.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[error.code]
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 400


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorInfo(code=code, message=message))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def multipart_error(message: str) -> JSONResponse:
    """Starlette's form limits (`max_files`, `max_fields`) and parse errors, by name."""
    if message.startswith("Too many files"):
        return error_response(413, "too_many_files", message)
    if message.startswith("Too many fields"):
        return error_response(413, "too_many_fields", message)
    return error_response(400, "bad_multipart", message)


def allowed_methods(request: Request, stated: str | None) -> str | None:
    """Every method some route of ours takes at this path (Starlette's 405 names only the
    first route's): what the `Allow` header must say."""
    methods: set[str] = set()
    for route in request.app.state.routes:
        if isinstance(route, Route) and route.methods and route.path_regex.match(request.url.path):
            methods |= route.methods
    return ", ".join(sorted(methods)) if methods else stated


def unexpected_error(method: str, path: str, exc: Exception) -> JSONResponse:
    """What an exception no handler took answers: 507 when it says the disk or bucket is
    full (it may surface as a raw OSError or a database error), else a logged 500."""
    if is_storage_full(exc):
        log.error("storage full on %s %s: %s", method, path, exc)
        return error_response(507, "insufficient_storage", str(as_storage_full(exc)))
    log.exception("unexpected error on %s %s", method, path)
    return error_response(500, "internal_error", "the server failed on this request; it has been logged")


def install(app: FastAPI) -> None:
    @app.exception_handler(ProvenanceError)
    async def provenance_error(_request: Request, exc: ProvenanceError) -> JSONResponse:
        return error_response(status_for(exc), exc.code, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, MultiPartException):
            return multipart_error(cause.message)
        code = getattr(exc, "code", None) or _CODE_BY_STATUS.get(exc.status_code, f"http_{exc.status_code}")
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and (allow := allowed_methods(request, headers.get("Allow"))):
            headers["Allow"] = allow
        return error_response(exc.status_code, code, str(exc.detail), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'] if part != 'body') or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return error_response(422, "invalid_request", problems)
