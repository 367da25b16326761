"""Batches: many images or a zip, checked in the background, with an optional signed callback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from api.auth import Caller, require
from api.schemas import READ, UPLOAD, BatchOut, StoredId, links_to
from api.state import batches
from api.uploads import multipart_only
from provenance.errors import NotFound
from service.models import batch_out

router = APIRouter(prefix="/v1/batches", tags=["batches"])


@router.post(
    "",
    status_code=202,
    summary="Check many images in the background",
    response_model=BatchOut,
    responses={202: {"links": links_to("get_batch_v1_batches__batch_id__get", batch_id="id")}, **UPLOAD},
)
def create_batch(
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(require("check"))],
    _: Annotated[None, Depends(multipart_only)],
    files: Annotated[
        list[UploadFile], File(min_length=1, description="Images, or zips of images (entries are expanded)")
    ],
    callback_url: Annotated[
        str | None,
        Form(
            max_length=2048,
            pattern=r"^(?:$|https?://[^/?#@\s])",
            description="An http(s) URL that receives the finished batch as a signed POST (see the README: Webhooks)",
        ),
    ] = None,
) -> BatchOut:
    """202 with the batch id; poll `GET /v1/batches/{id}` or wait for the callback."""
    batch = batches(request).create([(f.filename, f.file) for f in files], callback_url or None, caller.key_id)
    response.headers["Location"] = f"/v1/batches/{batch.id}"
    return batch_out(batch, [])


@router.get("/{batch_id}", summary="Progress and reports of a batch", response_model=BatchOut, responses=READ)
def get_batch(
    request: Request, batch_id: StoredId, caller: Annotated[Caller, Depends(require("check"))]
) -> BatchOut:
    """Only the key that made the batch (and admin keys) can read it; for others it is not found."""
    runner = batches(request)
    batch = runner.get(batch_id)
    if not caller.viewer.sees(batch.owner_key_id):
        raise NotFound(f"no batch with id {batch_id}")
    return batch_out(batch, runner.records(batch_id))
