"""HTTP adapter (FastAPI) over `provenance`: the API and the photo-desk page."""

from api.app import create_app

__all__ = ["create_app"]
