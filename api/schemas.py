"""The API's response models, for the OpenAPI document a CMS developer reads and for
the routes, which return them. The shapes are the service's (`service.models`: the batch
callback carries one of them too); the error answers are the adapter's."""

from __future__ import annotations

from typing import Any

from api.errors import ErrorBody
from service.models import BatchOut, CheckErrorOut, CheckOut, ReferenceOut, ReferencePage

__all__ = ["ERRORS", "QUEUED_ERRORS", "BatchOut", "CheckErrorOut", "CheckOut", "ReferenceOut", "ReferencePage"]

def _errors(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": description} for status, description in descriptions.items()}


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

QUEUED_ERRORS = {
    **ERRORS,
    **_errors(
        {
            429: "Too many checks wait for a worker (a broker is configured); see Retry-After",
            503: "No worker answered in time; see Retry-After",
        }
    ),
}
"""A check sent to the task workers can also meet a full queue or no answer."""
