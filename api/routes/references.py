"""The library of originals: add, browse and search, show, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, Response, UploadFile

from api.auth import Caller, require
from api.schemas import ERRORS, ReferenceOut, ReferencePage
from api.state import services
from api.uploads import multipart_only, read_upload
from provenance.library.library import ReferenceDetails
from service.checks import clean_filename
from service.models import reference_out

router = APIRouter(prefix="/v1/references", tags=["references"])

Text = Annotated[str | None, Form(max_length=2000)]


@router.post(
    "",
    status_code=201,
    summary="Add an original",
    response_model=ReferenceOut,
    responses={200: {"model": ReferenceOut, "description": "These bytes are already in the library"}, **ERRORS},
)
def create_reference(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    caller: Annotated[Caller, Depends(require("ingest"))],
    _: Annotated[None, Depends(multipart_only)],
    file: Annotated[UploadFile, File(description="The original image")],
    source: Annotated[str | None, Form(max_length=255, description="Agency or collection, e.g. AFP")] = None,
    external_id: Annotated[
        str | None, Form(max_length=255, description="The agency's ID (default: the file name's stem)")
    ] = None,
    credit: Text = None,
    byline: Text = None,
    caption: Text = None,
    headline: Text = None,
    captured_at: Annotated[str | None, Form(max_length=64, description="ISO 8601 capture time")] = None,
    city: Text = None,
    country: Text = None,
    copyright: Text = None,
) -> ReferenceOut:
    """201 with the new reference; the same bytes again give 200 with the existing one.
    Stated fields override what the file's own metadata says."""
    state = services(request)
    data = read_upload(file, state.settings.max_bytes)
    details = ReferenceDetails(
        external_id=external_id, source=source, credit=credit, byline=byline, caption=caption, headline=headline,
        captured_at=captured_at, city=city, country=country, copyright=copyright,
    )
    outcome = state.library.ingest(data, clean_filename(file.filename), details)
    if outcome.created:  # after the answer: the watched checks this original may answer
        background.add_task(state.recheck_watched, outcome.reference.id)
    else:
        response.status_code = 200
    response.headers["Location"] = f"/v1/references/{outcome.reference.id}"
    return reference_out(outcome.reference, full=True)


@router.get("", summary="Browse and search the library", response_model=ReferencePage, responses=ERRORS)
def list_references(
    request: Request,
    caller: Annotated[Caller, Depends(require("check"))],
    source: Annotated[str | None, Query(description="Only this source")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the external ID, file name, caption, credit...")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ReferencePage:
    library = services(request).library
    items = [reference_out(r) for r in library.list(source=source, limit=limit, offset=offset, text=q)]
    return ReferencePage(items=items, total=library.count(source=source, text=q), limit=limit, offset=offset)


@router.get(
    "/{reference_id}", summary="One original with all its metadata", response_model=ReferenceOut, responses=ERRORS
)
def get_reference(
    request: Request, reference_id: int, caller: Annotated[Caller, Depends(require("check"))]
) -> ReferenceOut:
    return reference_out(services(request).library.get(reference_id), full=True)


@router.get(
    "/{reference_id}/thumbnail.jpg",
    summary="A preview of the original (re-encoded at ingest, at most 480 px)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, **ERRORS},
)
def get_thumbnail(
    request: Request, reference_id: int, caller: Annotated[Caller, Depends(require("check"))]
) -> Response:
    """The preview stored at ingest; the original itself is never decoded for it
    (one ingested before previews were kept gets its preview made once, then stored)."""
    library = services(request).library
    jpeg = library.preview(library.get(reference_id))
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


@router.delete("/{reference_id}", status_code=204, summary="Remove an original (admin)", responses=ERRORS)
def delete_reference(
    request: Request, reference_id: int, caller: Annotated[Caller, Depends(require("admin"))]
) -> Response:
    state = services(request)
    state.library.delete(reference_id)
    return Response(status_code=204)
