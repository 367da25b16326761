"""Liveness and readiness, for load balancers and container health checks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.errors import ErrorBody, error_response
from api.state import batches, services
from provenance.errors import StorageFull, StorageUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database answers and every blob store takes a write",
    responses={503: {"model": ErrorBody, "description": "The database is unreachable, or a blob store is full "
                     "(`insufficient_storage`) or unreachable (`storage_unavailable`)"}},
)
def readyz(request: Request) -> JSONResponse:
    opened = services(request)
    try:
        with opened.library.sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return error_response(503, "database_unavailable", f"the database does not answer: {exc.__class__.__name__}")
    for area, store in (("originals", opened.library.blobs), ("evidence", opened.checks.evidence_blobs),
                        ("spool", batches(request).spool)):
        try:
            store.probe()
        except StorageFull:
            return error_response(503, "insufficient_storage", f"the blob store of {area} is full")
        except (StorageUnavailable, OSError) as exc:
            problem = f"the blob store of {area} cannot be written: {exc.__class__.__name__}"
            return error_response(503, "storage_unavailable", problem)
    return JSONResponse({"status": "ready"})
