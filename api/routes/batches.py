"""Batches: many images or a zip, checked in the background, with an optional signed callback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from api.auth import Caller, require, services
from api.schemas import ERRORS, BatchOut
from api.uploads import multipart_only
from service.batches import batch_json

router = APIRouter(prefix="/v1/batches", tags=["batches"])


@router.post("", status_code=202, summary="Check many images in the background", response_model=BatchOut, responses=ERRORS)
def create_batch(
    request: Request,
    caller: Annotated[Caller, Depends(require("check"))],
    _: Annotated[None, Depends(multipart_only)],
    files: Annotated[list[UploadFile], File(description="Images, or zips of images (entries are expanded)")],
    callback_url: Annotated[
        str | None,
        Form(max_length=2048, description="Receives the finished batch as a signed POST (see the README: Webhooks)"),
    ] = None,
) -> JSONResponse:
    """202 with the batch id; poll `GET /v1/batches/{id}` or wait for the callback."""
    batches = services(request).batches
    batch = batches.create([(f.filename, f.file) for f in files], callback_url or None)
    return JSONResponse(
        batch_json(batch, []), status_code=202, headers={"Location": f"/v1/batches/{batch.id}"}
    )


@router.get("/{batch_id}", summary="Progress and reports of a batch", response_model=BatchOut, responses=ERRORS)
def get_batch(request: Request, batch_id: str, caller: Annotated[Caller, Depends(require("check"))]) -> JSONResponse:
    batches = services(request).batches
    return JSONResponse(batch_json(batches.get(batch_id), batches.records(batch_id)))
