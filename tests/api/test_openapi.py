"""The OpenAPI document kept in the repository is the one the running app serves, and
the docs page needs no CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.api.conftest import Server

COMMITTED = Path(__file__).resolve().parents[2] / "api" / "openapi.json"


def test_committed_openapi_matches_the_running_app(server: Server) -> None:
    with server.client() as http:
        served = http.get("/openapi.json").json()
    assert json.loads(COMMITTED.read_text()) == served, "run `make openapi` and commit api/openapi.json"


def test_openapi_documents_the_contract(server: Server) -> None:
    with server.client() as http:
        document = http.get("/openapi.json").json()
    paths = document["paths"]
    assert {"/v1/checks", "/v1/checks/{check_id}", "/v1/checks/{check_id}/evidence.png", "/v1/references",
            "/v1/references/{reference_id}", "/v1/batches", "/v1/batches/{batch_id}", "/healthz",
            "/readyz"} <= set(paths)
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    check_form = paths["/v1/checks"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    form = document["components"]["schemas"][check_form.rsplit("/", 1)[1]]
    fields = {"file", "claimed_source", "claimed_date", "claimed_location", "claimed_montage", "note"}
    assert set(form["properties"]) == fields
    too_large = paths["/v1/checks"]["post"]["responses"]["413"]["content"]["application/json"]["schema"]
    assert too_large["$ref"].endswith("ErrorBody")


def test_docs_pages_load_without_a_cdn(server: Server) -> None:
    with server.client() as http:
        for page in ("/docs", "/redoc"):
            html = http.get(page).text
            assert not re.search(r"(src|href)=\"https?://", html), page
            for asset in re.findall(r"(?:src|href)=\"(/static-offline-docs/[^\"]+)\"", html):
                assert http.get(asset).status_code == 200, asset
        for page in ("/", "/library"):
            html = http.get(page).text
            assert "http://" not in html and "https://" not in html
