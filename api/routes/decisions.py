"""Reviewer decisions on a check's match: an editor confirms or rejects it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.auth import Caller, require
from api.schemas import ERRORS
from api.state import services
from service.models import DecisionIn, DecisionOut, decision_out

router = APIRouter(prefix="/v1/checks", tags=["decisions"])


@router.post(
    "/{check_id}/decision",
    status_code=201,
    summary="Confirm or reject the match a check proposed",
    response_model=DecisionOut,
    responses=ERRORS,
)
def create_decision(
    request: Request,
    response: Response,
    check_id: str,
    body: DecisionIn,
    caller: Annotated[Caller, Depends(require("check"))],
) -> DecisionOut:
    """Kept with the key's name and the time, never changed: a later decision supersedes
    it. A rejected original is never proposed again for the same file."""
    store = services(request).checks
    store.get(check_id)  # 404 before anything is written
    row = store.decisions.decide(check_id, body.decision, caller.name, body.note, body.reference_id)
    response.headers["Location"] = f"/v1/checks/{check_id}/decisions"
    return decision_out(row)


@router.get(
    "/{check_id}/decisions",
    summary="Every decision on a check, oldest first",
    response_model=list[DecisionOut],
    responses=ERRORS,
)
def list_decisions(
    request: Request, check_id: str, caller: Annotated[Caller, Depends(require("check"))]
) -> list[DecisionOut]:
    store = services(request).checks
    store.get(check_id)
    return [decision_out(row) for row in store.decisions.history(check_id)]
