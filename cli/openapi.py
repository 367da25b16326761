"""`provenance openapi`: the HTTP API's OpenAPI document."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def openapi(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
) -> None:
    """The HTTP API's OpenAPI document (the repository keeps it in api/openapi.json)."""
    from api.openapi import openapi_json

    text = openapi_json()
    if out_file is None:
        sys.stdout.write(text)
    else:
        out_file.write_text(text)
