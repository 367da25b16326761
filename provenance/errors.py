"""One error hierarchy for the domain; the CLI and API map it to exit codes and HTTP."""

from __future__ import annotations

from hashes import ImageError


class ProvenanceError(Exception):
    code = "error"


class InvalidInput(ProvenanceError):
    """The caller gave something the service cannot use (bad file, bad option)."""

    code = "invalid_input"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class NotFound(ProvenanceError):
    code = "not_found"


class Conflict(ProvenanceError):
    code = "conflict"


class StorageFull(ProvenanceError):
    """No space left where blobs or the database are written (a disk, a quota, a bucket):
    nothing was stored; the same request can succeed once space is freed."""

    code = "insufficient_storage"


class StorageUnavailable(ProvenanceError):
    """The blob store or the database does not answer (a network store down)."""

    code = "storage_unavailable"


def from_image_error(error: ImageError) -> InvalidInput:
    """Carry the decoder's error code (unsupported_format, corrupt_image, limit_exceeded) over."""
    return InvalidInput(str(error), code=error.code)
