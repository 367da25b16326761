"""Checks: upload an image, get the report (and later again), get the evidence image."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from api.auth import Caller, require, services
from api.schemas import ERRORS, CheckOut
from api.uploads import multipart_only, read_upload
from service.checks import Submission, check_json, clean_filename
from service.services import evidence_url

router = APIRouter(prefix="/v1/checks", tags=["checks"])


@router.post(
    "",
    status_code=201,
    summary="Check an image against the library",
    response_model=CheckOut,
    responses=ERRORS,
)
def create_check(
    request: Request,
    caller: Annotated[Caller, Depends(require("check"))],
    _: Annotated[None, Depends(multipart_only)],
    file: Annotated[UploadFile, File(description="The image to check (JPEG, PNG, WebP, TIFF, GIF, HEIF, AVIF)")],
    claimed_source: Annotated[str | None, Form(max_length=500, description="Who the image is said to come from")] = None,
    claimed_date: Annotated[str | None, Form(max_length=100, description="When it is said to be taken")] = None,
    claimed_location: Annotated[str | None, Form(max_length=500, description="Where it is said to be taken")] = None,
    claimed_montage: Annotated[
        bool | None, Form(description="true: the image is said to be a montage / manipulated; false: unaltered")
    ] = None,
    note: Annotated[str | None, Form(max_length=4000, description="Free text for the desk")] = None,
) -> JSONResponse:
    """The same report as `provenance check --json`, plus its `id`, `created_at` and
    what was `submitted` with it. The evidence image, when there is one, is at the
    report's `evidence` URL."""
    state = services(request)
    data = read_upload(file, state.settings.max_bytes)
    submission = Submission(
        claimed_source=claimed_source,
        claimed_date=claimed_date,
        claimed_location=claimed_location,
        claimed_montage=claimed_montage,
        note=note,
    )
    record = state.checks.check(data, clean_filename(file.filename), submission, evidence_url)
    return JSONResponse(check_json(record), status_code=201, headers={"Location": f"/v1/checks/{record.id}"})


@router.get("/{check_id}", summary="A stored check", response_model=CheckOut, responses=ERRORS)
def get_check(request: Request, check_id: str, caller: Annotated[Caller, Depends(require("check"))]) -> JSONResponse:
    """A single check's report, or a batch item's (which may be an error report)."""
    return JSONResponse(check_json(services(request).checks.get(check_id)))


@router.get(
    "/{check_id}/evidence.png",
    summary="The evidence image of a check",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "Original aligned, copy outlined, heat map"}, **ERRORS},
)
def get_evidence(request: Request, check_id: str, caller: Annotated[Caller, Depends(require("check"))]) -> Response:
    png = services(request).checks.evidence(check_id)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})
