"""The API's response models, for the OpenAPI document a CMS developer reads and for
the routes, which return them. The shapes are the service's (`service.models`: the batch
callback carries one of them too); the error answers are the adapter's."""

from __future__ import annotations

from typing import Any

from api.errors import ErrorBody
from service.models import BatchOut, CheckErrorOut, CheckOut, ReferenceOut, ReferencePage

__all__ = ["ERRORS", "BatchOut", "CheckErrorOut", "CheckOut", "ReferenceOut", "ReferencePage"]

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
