"""Reading uploaded files within the limits, and refusing bodies that are not uploads."""

from __future__ import annotations

from fastapi import Request, UploadFile

from api.errors import ApiError
from provenance.errors import InvalidInput


def multipart_only(request: Request) -> None:
    """A JSON or raw body where a file is expected gets a clear 415, not a missing-field 422."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send the image as multipart/form-data")


def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The file's bytes; refused unread when its stated size is over the limit, and
    never more than limit + 1 bytes read whatever it stated."""
    if upload.size is not None and upload.size > limit:
        raise InvalidInput(f"the file has {upload.size:,} bytes; the limit is {limit:,}", code="limit_exceeded")
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"the file has more than {limit:,} bytes", code="limit_exceeded")
    return data
