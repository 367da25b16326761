"""Batches: many images or a zip, checked in the background, with an optional signed callback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from api.auth import Caller, require
from api.schemas import ERRORS, BatchOut
from api.state import batches
from api.uploads import multipart_only
from service.models import batch_out

router = APIRouter(prefix="/v1/batches", tags=["batches"])


@router.post(
    "", status_code=202, summary="Check many images in the background", response_model=BatchOut, responses=ERRORS
)
def create_batch(
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(require("check"))],
    _: Annotated[None, Depends(multipart_only)],
    files: Annotated[list[UploadFile], File(description="Images, or zips of images (entries are expanded)")],
    callback_url: Annotated[
        str | None,
        Form(max_length=2048, description="Receives the finished batch as a signed POST (see the README: Webhooks)"),
    ] = None,
) -> BatchOut:
    """202 with the batch id; poll `GET /v1/batches/{id}` or wait for the callback."""
    batch = batches(request).create([(f.filename, f.file) for f in files], callback_url or None)
    response.headers["Location"] = f"/v1/batches/{batch.id}"
    return batch_out(batch, [])


@router.get("/{batch_id}", summary="Progress and reports of a batch", response_model=BatchOut, responses=ERRORS)
def get_batch(request: Request, batch_id: str, caller: Annotated[Caller, Depends(require("check"))]) -> BatchOut:
    runner = batches(request)
    return batch_out(runner.get(batch_id), runner.records(batch_id))
