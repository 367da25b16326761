"""HTTP adapter (FastAPI) over `provenance`: the API and the photo-desk page (issue 4)."""
