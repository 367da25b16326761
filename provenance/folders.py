"""Turning command-line paths into the image files to process, and reading sidecars."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from provenance.errors import InvalidInput
from provenance.library.library import ReferenceDetails

SIDECAR_SUFFIX = ".json"
_NOT_IMAGES = {".json", ".xmp", ".txt", ".md", ".csv"}


def iter_files(paths: list[str]) -> Iterator[str]:
    """Files as given, folders walked recursively in sorted order; hidden files and
    sidecars are skipped. A path that does not exist is yielded so it can be reported."""
    for path in paths:
        folder = Path(path)
        if not folder.is_dir():
            yield path
            continue
        for child in sorted(folder.rglob("*")):
            relative = child.relative_to(folder)
            hidden = any(p.startswith(".") for p in relative.parts)
            if child.is_file() and not hidden and child.suffix.lower() not in _NOT_IMAGES:
                yield str(child)


def read_sidecar(image_path: str) -> ReferenceDetails | None:
    """`photo.jpg.json` beside `photo.jpg` states its external_id, source, credit...; None if absent."""
    sidecar = Path(image_path + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None
    try:
        return ReferenceDetails.model_validate_json(sidecar.read_bytes())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"sidecar {sidecar} is not valid: {problems}", code="invalid_sidecar") from exc
