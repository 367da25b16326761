"""What happened without anyone asking: watched checks answered by a newer original."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.auth import Caller, require
from api.schemas import ERRORS
from api.state import services
from service.models import WatchEvent, watch_event

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.get("", summary="Watchlist re-checks, newest first", response_model=list[WatchEvent], responses=ERRORS)
def list_events(
    request: Request,
    caller: Annotated[Caller, Depends(require("check"))],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[WatchEvent]:
    """Each time an original ingested later answers a check that had found none: the new
    result's id, the earlier check's id and the sentence that tells the story."""
    return [watch_event(record) for record in services(request).checks.rechecks(limit)]
