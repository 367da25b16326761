"""Response models, for the OpenAPI document a CMS developer reads. Routes return the
domain's JSON as it is; these describe it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.errors import ErrorBody
from provenance.report import CheckReport, ErrorReport
from service.checks import Submission

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "Bad request (bad form field, bad zip, no files...)",
        401: "Missing, unknown or revoked API key",
        403: "The key lacks the scope",
        404: "Not found",
        409: "Conflict (external_id already used in that source)",
        413: "Over a limit (body, file size, pixels, files per batch)",
        415: "Not multipart/form-data, or not an accepted image format",
        422: "The image is damaged or empty, or a field is invalid",
    }.items()
}


class Stored(BaseModel):
    id: str
    submitted: Submission
    created_at: str


class CheckOut(CheckReport, Stored):
    """A check's report (as `provenance check --json`), with its id."""


class CheckErrorOut(ErrorReport, Stored):
    """A batch item that could not be checked."""


class ReferenceOut(BaseModel):
    id: int
    external_id: str
    source: str
    sha256: str
    filename: str
    format: str
    width: int
    height: int
    credit: str | None
    byline: str | None
    captured_at: str | None
    ingested_at: str
    metadata: dict[str, Any] | None = Field(default=None, description="All metadata (single reference only)")


class ReferencePage(BaseModel):
    items: list[ReferenceOut]
    total: int
    limit: int
    offset: int


class BatchItem(BaseModel):
    position: int
    filename: str
    status: Literal["pending", "done", "error"]
    check: CheckOut | CheckErrorOut | None


class Callback(BaseModel):
    url: str
    status: Literal["pending", "delivered", "failed"]
    error: str | None


class BatchOut(BaseModel):
    id: str
    status: Literal["queued", "running", "done"]
    total: int
    done: int
    failed: int
    created_at: str
    finished_at: str | None
    callback: Callback | None
    items: list[BatchItem]
