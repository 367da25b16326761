"""Liveness and readiness, for load balancers and container health checks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.errors import error_response
from api.state import services

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers", responses={503: {"description": "The database is unreachable"}})
def readyz(request: Request) -> JSONResponse:
    try:
        with services(request).library.sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return error_response(503, "database_unavailable", f"the database does not answer: {exc.__class__.__name__}")
    return JSONResponse({"status": "ready"})
