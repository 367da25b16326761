"""An original's lineage: the copies of it the desks have checked, as variants over time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from api.auth import Caller, require
from api.schemas import ERRORS
from api.state import services
from service.lineage import Lineage, lineage

router = APIRouter(prefix="/v1/references", tags=["references"])


@router.get(
    "/{reference_id}/lineage",
    summary="Every check that matched this original, grouped by how the copies differ",
    response_model=Lineage,
    responses=ERRORS,
)
def get_lineage(
    request: Request,
    reference_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    caller: Annotated[Caller, Depends(require("check"))],
) -> Lineage:
    """Checks earliest first, each with its variant (crop, turn, mirror, frame, colour,
    replaced regions) and the earlier check its copy could be made from; variants in the
    order first seen, with who saw each first."""
    state = services(request)
    state.library.get(reference_id)  # 404 for an original the library does not hold
    return lineage(state.library.sessions, reference_id)
