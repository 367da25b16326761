"""The API's response models, for the OpenAPI document a CMS developer reads and for
the routes, which return them. The shapes are the service's (`service.models`: the batch
callback carries one of them too); the error answers are the adapter's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from api.errors import ErrorBody
from service.models import BatchOut, CheckErrorOut, CheckOut, ReferenceOut, ReferencePage

__all__ = [
    "CHECK", "READ", "UPLOAD", "BatchOut", "CheckErrorOut", "CheckOut", "ReferenceOut", "ReferencePage", "errors",
    "forms_without_null", "links_to",
]

MAX_ID = 2**31 - 1
"""The largest integer every database stores in an INTEGER column (PostgreSQL's is 32 bits):
larger ids and offsets are refused (422) before any query."""

ERROR_DESCRIPTIONS = {
    400: "Bad request (bad multipart body, bad zip, no files, bad callback URL...)",
    401: "Missing, unknown or revoked API key",
    403: "The key lacks the scope",
    404: "Not found (or made by another key)",
    408: "The request body did not arrive in time (PROVENANCE_BODY_TIMEOUT)",
    409: "Conflict (external_id already used in that source)",
    413: "Over a limit (body, file size, pixels, files per batch, form fields)",
    415: "Not multipart/form-data, or not an accepted image format",
    422: "The image is damaged or empty, or a field, id or parameter is invalid",
    429: "Too many requests for this key, or too many checks running or waiting; see Retry-After",
    503: "No task worker answered in time (a broker is configured); see Retry-After",
    507: "The server's storage is full; nothing was stored",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents, each with the JSON error body."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        documented[status] = {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status]}
        if status == 429:
            documented[status]["headers"] = {
                "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
            }
    return documented


KEYED = (401, 403, 429)
"""What every route with a key can answer."""
READ = errors(*KEYED, 404, 422)
"""A route that reads one stored thing by id."""
UPLOAD = errors(400, *KEYED, 408, 413, 415, 422, 507)
"""A route that takes a multipart upload."""
CHECK = errors(400, *KEYED, 408, 413, 415, 422, 503, 507)
"""`POST /v1/checks`: an upload that task workers may check."""

ReferenceId = Annotated[int, Path(ge=1, le=MAX_ID, description="A reference's id")]
StoredId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="A check's or batch's id (32 hex digits)")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="How many to skip")]


def links_to(operation_id: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link from a created thing to an operation on it: each path parameter
    taken from a field of the response body (what a client, or schemathesis, follows)."""
    return {
        operation_id: {
            "operationId": operation_id,
            "parameters": {name: f"$response.body#/{field}" for name, field in parameters.items()},
        }
    }


def forms_without_null(document: dict[str, Any]) -> dict[str, Any]:
    """A multipart form cannot carry null: an optional field is absent or a value. The
    document says so (FastAPI writes `anyOf: [type, null]`, which a client would send as
    the text "null")."""
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if not name.startswith("Body_"):
            continue
        for field, spec in schema.get("properties", {}).items():
            kinds = [k for k in spec.get("anyOf", []) if k != {"type": "null"}]
            if "anyOf" in spec and len(kinds) == 1:
                schema["properties"][field] = {**{k: v for k, v in spec.items() if k != "anyOf"}, **kinds[0]}
    return document
