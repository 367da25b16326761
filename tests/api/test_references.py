"""The library over HTTP: add (idempotent), browse, search, show, preview, delete."""

from __future__ import annotations

import json
import time

import pytest

from provenance.library.hash_records import parse_lines
from provenance.library.library import Library
from provenance.library.search import REFRESH_SECONDS
from provenance.store.blobs import content_key
from tests.api.conftest import Keys, Server
from tests.conftest import COPIES, ORIGINALS

pytestmark = pytest.mark.store


def test_ingest_then_same_bytes_give_the_existing_reference(server: Server, keys: Keys) -> None:
    photo = COPIES / "storm_not_in_library.jpg"
    fields = {"source": "AFP", "external_id": "AFP-STORM-1", "credit": "AFP / Jane Doe", "caption": "A storm.",
              "captured_at": "2024-05-01T10:00:00+00:00", "city": "Lyon"}
    with server.client(keys.ingest) as http:
        created = http.post("/v1/references", files={"file": (photo.name, photo.read_bytes())}, data=fields)
        assert created.status_code == 201, created.text
        reference = created.json()
        stated = (reference["external_id"], reference["source"], reference["credit"])
        assert stated == ("AFP-STORM-1", "AFP", "AFP / Jane Doe")
        assert reference["metadata"]["caption"] == "A storm." and reference["metadata"]["city"] == "Lyon"
        assert created.headers["location"] == f"/v1/references/{reference['id']}"
        again = http.post("/v1/references", files={"file": ("other-name.jpg", photo.read_bytes())})
        assert again.status_code == 200 and again.json()["id"] == reference["id"]
    with server.client(keys.check) as http:
        assert http.get("/v1/references").json()["total"] == 5
        report = http.post("/v1/checks", files={"file": (photo.name, photo.read_bytes())}).json()
    assert report["verdict"] == "identical" and report["matches"][0]["reference"]["external_id"] == "AFP-STORM-1"


def test_external_id_taken_in_a_source_is_a_conflict(server: Server, keys: Keys) -> None:
    photo = COPIES / "storm_not_in_library.jpg"
    with server.client(keys.ingest) as http:
        answer = http.post("/v1/references", files={"file": (photo.name, photo.read_bytes())},
                           data={"source": "Demo Wire", "external_id": "DEMO-0001"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "conflict"


def test_list_is_paged_and_filtered(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        first = http.get("/v1/references", params={"limit": 3}).json()
        second = http.get("/v1/references", params={"limit": 3, "offset": 3}).json()
        assert (first["total"], len(first["items"]), len(second["items"])) == (4, 3, 1)
        assert {r["id"] for r in first["items"]}.isdisjoint(r["id"] for r in second["items"])
        assert http.get("/v1/references", params={"source": "Demo Wire"}).json()["total"] == 4
        none = http.get("/v1/references", params={"source": "AP"}).json()
        assert none == {"items": [], "total": 0, "limit": 50, "offset": 0}
        found = http.get("/v1/references", params={"q": "dunes AT dusk"}).json()
        assert [r["external_id"] for r in found["items"]] == ["DEMO-0001"]
        assert http.get("/v1/references", params={"q": "100%_"}).json()["total"] == 0
        bad = http.get("/v1/references", params={"limit": 0})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_show_and_thumbnail(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        reference = http.get("/v1/references", params={"q": "DEMO-0003"}).json()["items"][0]
        shown = http.get(f"/v1/references/{reference['id']}").json()
        assert shown["metadata"]["caption"] and shown["sha256"] == reference["sha256"]
        preview = http.get(f"/v1/references/{reference['id']}/thumbnail.jpg")
        assert preview.headers["content-type"] == "image/jpeg" and preview.content[:3] == b"\xff\xd8\xff"
        assert preview.content != (ORIGINALS / "LadyBird.jpg").read_bytes(), "uploaded bytes are never served back"
        assert http.get("/v1/references/99999").status_code == 404


def test_delete_is_for_admins(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        reference_id = http.get("/v1/references").json()["items"][0]["id"]
    for key in (keys.check, keys.ingest):
        with server.client(key) as http:
            refused = http.delete(f"/v1/references/{reference_id}")
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    with server.client(keys.admin) as http:
        assert http.delete(f"/v1/references/{reference_id}").status_code == 204
        assert http.get(f"/v1/references/{reference_id}").status_code == 404
        assert http.delete(f"/v1/references/{reference_id}").status_code == 404
        assert http.get("/v1/references").json()["total"] == 3


def test_the_server_sees_deletes_and_hash_imports_made_by_another_process(
    server: Server, keys: Keys, sample_library: Library
) -> None:
    """`sample_library` is not the server's library object: it stands for the CLI."""
    photo = COPIES / "ladybird_brighter.jpg"
    with server.client(keys.check) as http:
        before = http.post("/v1/checks", files={"file": (photo.name, photo.read_bytes())}).json()
        original = before["matches"][0]["reference"]
        assert before["verdict"] == "copy" and original["has_pixels"]
        sample_library.delete(original["id"])
        time.sleep(REFRESH_SECONDS + 0.2)
        after = http.post("/v1/checks", files={"file": (photo.name, photo.read_bytes())})
        assert after.status_code == 201 and after.json()["verdict"] == "unknown"
        codes = sample_library.fingerprint((ORIGINALS / "LadyBird.jpg").read_bytes()).hashes
        record = {"external_id": "HASH-LB", "source": "AFP", **{name: code.hex() for name, code in codes.items()}}
        sample_library.import_hashes(parse_lines([json.dumps(record)]), "afp.jsonl")
        time.sleep(REFRESH_SECONDS + 0.2)
        hashed = http.post("/v1/checks", files={"file": (photo.name, photo.read_bytes())}).json()
        reference = hashed["matches"][0]["reference"]
        assert hashed["verdict"] == "copy" and reference["external_id"] == "HASH-LB" and not reference["has_pixels"]
        preview = http.get(f"/v1/references/{reference['id']}/thumbnail.jpg")
        assert preview.status_code == 404 and "hashes only" in preview.json()["error"]["message"]


def test_thumbnail_is_the_stored_preview_not_a_decode_of_the_original(
    server: Server, keys: Keys, sample_library: Library
) -> None:
    with server.client(keys.check) as http:
        reference = http.get("/v1/references", params={"q": "DEMO-0003"}).json()["items"][0]
        sample_library.blobs.write(content_key(reference["sha256"]), b"damaged")
        preview = http.get(f"/v1/references/{reference['id']}/thumbnail.jpg")
        assert preview.status_code == 200 and preview.content[:3] == b"\xff\xd8\xff"


def test_one_pixel_images_are_answered_not_500(server: Server, keys: Keys) -> None:
    import io

    from PIL import Image

    with server.client(keys.check) as http:
        for size in ((1, 300), (300, 1), (1, 1)):
            out = io.BytesIO()
            Image.new("RGB", size, (10, 20, 30)).save(out, "WEBP" if size == (1, 1) else "PNG")
            answer = http.post("/v1/checks", files={"file": ("line.png", out.getvalue())})
            assert answer.status_code == 201, answer.text
            assert answer.json()["verdict"] == "unknown"
