"""Checks: upload an image, get the report (and later again), get the evidence image."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile

from api.auth import Caller, require
from api.errors import ApiError, TooManyRequests
from api.forms import form_fields
from api.schemas import CHECK, READ, CheckErrorOut, CheckOut, StoredId, links_to
from api.state import services, task_queue
from api.uploads import multipart_only, read_upload
from service.checks import clean_filename, evidence_path
from service.models import Submission, check_out, submission_from
from service.tasks import NoAnswer, QueueFull

router = APIRouter(prefix="/v1/checks", tags=["checks"])


@router.post(
    "",
    status_code=201,
    summary="Check an image against the library",
    response_model=CheckOut,
    responses={
        201: {
            "links": {
                **links_to("get_check_v1_checks__check_id__get", check_id="id"),
                **links_to("get_evidence_v1_checks__check_id__evidence_png_get", check_id="id"),
                **links_to("create_decision_v1_checks__check_id__decision_post", check_id="id"),
                **links_to("list_decisions_v1_checks__check_id__decisions_get", check_id="id"),
                **links_to("get_report_html_v1_checks__check_id__report_html_get", check_id="id"),
                **links_to("get_report_pdf_v1_checks__check_id__report_pdf_get", check_id="id"),
            }
        },
        **CHECK,
    },
)
def create_check(
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(require("check", runs_check=True))],
    _: Annotated[None, Depends(multipart_only)],
    file: Annotated[UploadFile, File(description="The image to check (JPEG, PNG, WebP, TIFF, GIF, HEIF, AVIF)")],
    submitted: Annotated[dict[str, Any], Depends(form_fields(Submission))],
) -> CheckOut | CheckErrorOut:
    """The same report as `provenance check --json`, plus its `id`, `created_at` and
    what was `submitted` with it. The evidence image, when there is one, is at the
    report's `evidence` URL. With task workers (a broker configured), a worker checks it
    while this request waits; 429 when too many checks wait already."""
    state = services(request)
    data = read_upload(file, state.settings.max_bytes)
    filename, submission = clean_filename(file.filename), submission_from(submitted)
    queue = task_queue(request)
    if queue is None:
        record = state.checks.check(
            data, filename, submission, evidence_path, submitted_by=caller.name, owner_key_id=caller.key_id
        )
    else:
        try:
            check_id = queue.check(data, filename, submission, submitted_by=caller.name, owner_key_id=caller.key_id)
        except QueueFull as exc:
            raise TooManyRequests(exc.retry_after, str(exc), code="queue_full") from exc
        except NoAnswer as exc:
            raise ApiError(503, "no_answer", str(exc), {"Retry-After": str(exc.retry_after)}) from exc
        record = state.checks.get(check_id, caller.viewer)
    response.headers["Location"] = f"/v1/checks/{record.id}"
    return check_out(record)


@router.get("/{check_id}", summary="A stored check", response_model=CheckOut | CheckErrorOut, responses=READ)
def get_check(
    request: Request, check_id: StoredId, caller: Annotated[Caller, Depends(require("check"))]
) -> CheckOut | CheckErrorOut:
    """A single check's report, or a batch item's (which may be an error report), with the
    editors' decisions on it. Only the key that made it (and admin keys) can read it; for
    others it is not found."""
    store = services(request).checks
    record = store.get(check_id, caller.viewer)
    return check_out(record, store.decisions.history(check_id), store.rechecked_as(check_id))


@router.get(
    "/{check_id}/evidence.png",
    summary="The evidence image of a check",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "Original aligned, copy outlined, heat map"},
        **READ,
    },
)
def get_evidence(
    request: Request, check_id: StoredId, caller: Annotated[Caller, Depends(require("check"))]
) -> Response:
    png = services(request).checks.evidence(check_id, caller.viewer)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})
