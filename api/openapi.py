"""The OpenAPI document as the repository keeps it (api/openapi.json): stable text, so
a test can compare it with what the running app serves."""

from __future__ import annotations

import json

from api.app import create_app
from provenance.config import Settings


def openapi_json() -> str:
    app = create_app(Settings())
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
