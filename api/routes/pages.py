"""The photo-desk pages: plain HTML, CSS and JavaScript from api/static, no build step."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
def check_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/library")
def library_page() -> FileResponse:
    return FileResponse(STATIC / "library.html", media_type="text/html")


@router.get("/lineage")
def lineage_page() -> FileResponse:
    return FileResponse(STATIC / "lineage.html", media_type="text/html")
