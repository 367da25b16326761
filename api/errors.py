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
    "limit_exceeded": 413,
    "too_many_files": 413,
    "zip_bomb": 413,
    "insufficient_storage": 507,
    "storage_unavailable": 503,
    "no_match": 409,
    "not_proposed": 422,
}
"""Codes not listed are the caller's mistake: 400."""

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
    """429: a bound was reached (the queue of checks waiting for a worker); retry after the given seconds."""

    def __init__(self, message: str, retry_after: int, code: str = "too_many_requests") -> None:
        super().__init__(429, code, message, {"Retry-After": str(retry_after)})
        self.retry_after = retry_after


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


def install(app: FastAPI) -> None:
    @app.exception_handler(ProvenanceError)
    async def provenance_error(_request: Request, exc: ProvenanceError) -> JSONResponse:
        return error_response(status_for(exc), exc.code, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, MultiPartException):
            too_many = "Too many" in cause.message
            code = "too_many_files" if too_many else "bad_multipart"
            return error_response(413 if too_many else 400, code, cause.message)
        code = getattr(exc, "code", None) or _CODE_BY_STATUS.get(exc.status_code, f"http_{exc.status_code}")
        return error_response(exc.status_code, code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'] if part != 'body') or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return error_response(422, "invalid_request", problems)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if is_storage_full(exc):
            log.error("storage full on %s %s: %s", request.method, request.url.path, exc)
            return error_response(507, "insufficient_storage", str(as_storage_full(exc)))
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "the server failed on this request; it has been logged")
