"""Every bad input or breached limit is a 4xx with a JSON error body, never a 500."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator

import httpx
import pytest

from provenance.config import Settings
from provenance.store import open_blobs
from tests.api.conftest import Server
from tests.conftest import COPIES, MALFORMED
from tests.images import encode

pytestmark = pytest.mark.store

LIMITS = {"max_bytes": 100_000, "max_request_bytes": 400_000, "max_pixels": 2_000_000, "max_batch_files": 3}
SMALL = COPIES / "elephants_thumb.jpg"


@pytest.fixture
def limited(settings: Settings, serve: Callable[..., Server]) -> Server:
    return serve(settings.model_copy(update=LIMITS), require_auth=False)


def post_file(server: Server, name: str, data: bytes, path: str = "/v1/checks", field: str = "file") -> httpx.Response:
    with server.client() as http:
        return http.post(path, files={field: (name, data)})


def assert_error(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    body = answer.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("empty.jpg", b"", 422, "corrupt_image"),
        ("truncated.jpg", (MALFORMED / "truncated_jpeg.jpg").read_bytes(), 422, "corrupt_image"),
        ("page.html", b"<html><script>alert(1)</script></html>", 415, "unsupported_format"),
        ("image.jpg", b"%PDF-1.4 not an image", 415, "unsupported_format"),
        ("big.png", (COPIES / "elephants.png").read_bytes(), 413, "limit_exceeded"),
    ],
)
def test_bad_files(limited: Server, name: str, data: bytes, status: int, code: str) -> None:
    assert_error(post_file(limited, name, data), status, code)
    assert_error(post_file(limited, name, data, "/v1/references"), status, code)


def test_pixel_cap(limited: Server) -> None:
    from PIL import Image

    data = encode(Image.new("L", (3000, 3000)), "PNG")
    assert len(data) < LIMITS["max_bytes"]
    assert_error(post_file(limited, "wide.png", data), 413, "limit_exceeded")


def test_body_cap_declared_and_streamed(limited: Server) -> None:
    body = b"x" * (LIMITS["max_request_bytes"] + 1)
    with limited.client() as http:
        declared = http.post("/v1/checks", content=body, headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert_error(declared, 413, "limit_exceeded")

        def chunks() -> Iterator[bytes]:
            yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
            for _ in range(20):
                yield b"y" * 40_000

        multipart = {"Content-Type": "multipart/form-data; boundary=x"}
        streamed = http.post("/v1/checks", content=chunks(), headers=multipart)
        assert_error(streamed, 413, "limit_exceeded")


def test_wrong_content_type_and_missing_file(limited: Server) -> None:
    with limited.client() as http:
        assert_error(http.post("/v1/checks", json={"file": "x"}), 415, "unsupported_media_type")
        assert_error(http.post("/v1/checks", content=SMALL.read_bytes(), headers={"Content-Type": "image/jpeg"}),
                     415, "unsupported_media_type")
        assert_error(http.post("/v1/checks", files={"other": ("a.jpg", b"x")}), 422, "invalid_request")
        assert_error(http.post("/v1/checks", files={"file": ("a.jpg", SMALL.read_bytes())},
                               data={"note": "x" * 5000}), 422, "invalid_request")
        multipart = {"Content-Type": "multipart/form-data; boundary=x"}
        broken = http.post("/v1/batches", content=b"--x\r\nbroken", headers=multipart)
        assert_error(broken, 422, "invalid_request")
        assert_error(http.get("/v1/nothing"), 404, "not_found")
        assert_error(http.put("/v1/checks"), 405, "method_not_allowed")


def zip_of(entries: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_batch_limits(limited: Server) -> None:
    small = SMALL.read_bytes()
    with limited.client() as http:
        too_many = http.post("/v1/batches", files=[("files", (f"{i}.jpg", small)) for i in range(4)])
        assert_error(too_many, 413, "too_many_files")
        zipped = zip_of({f"{i}.jpg": small for i in range(4)})
        assert_error(http.post("/v1/batches", files={"files": ("photos.zip", zipped)}), 413, "too_many_files")
        broken = zip_of({"a.jpg": small})[:-30]
        assert_error(http.post("/v1/batches", files={"files": ("photos.zip", broken)}), 400, "bad_zip")
        bomb = zip_of({"bomb.jpg": b"\0" * 50_000_000}, zipfile.ZIP_DEFLATED)
        assert len(bomb) < LIMITS["max_request_bytes"]
        assert_error(http.post("/v1/batches", files={"files": ("bomb.zip", bomb)}), 413, "limit_exceeded")
        empty = zip_of({"__MACOSX/._a.jpg": b"x", "folder/.hidden.jpg": small})
        assert_error(http.post("/v1/batches", files={"files": ("empty.zip", empty)}), 400, "no_files")
        callback = http.post("/v1/batches", files={"files": ("a.jpg", small)}, data={"callback_url": "ftp://x"})
        assert_error(callback, 422, "invalid_request")
        unsigned = http.post("/v1/batches", files={"files": ("a.jpg", small)}, data={"callback_url": "http://127.0.0.1:9/"})
        assert_error(unsigned, 400, "callbacks_disabled")
    spool = open_blobs(limited.settings, "spool")
    assert not list(spool.list()), "refused batches leave nothing in the spool"


def test_zip_bomb_ratio_guard(settings: Settings, serve: Callable[..., Server]) -> None:
    """With room for a large entry, its compression ratio still gives it away; and many
    small entries, each under the entry check's floor, still add up to a bomb (issue 14:
    a 281 KB upload spooled 250 MB)."""
    roomy = serve(settings.model_copy(update={"max_bytes": 64 * 2**20}), require_auth=False)
    bomb = zip_of({"bomb.jpg": b"\0" * 60_000_000}, zipfile.ZIP_DEFLATED)
    swarm = zip_of({f"{i}.jpg": b"\0" * 2**20 for i in range(250)}, zipfile.ZIP_DEFLATED)
    assert len(swarm) < 300_000
    with roomy.client() as http:
        assert_error(http.post("/v1/batches", files={"files": ("bomb.zip", bomb)}), 413, "zip_bomb")
        assert_error(http.post("/v1/batches", files={"files": ("swarm.zip", swarm)}), 413, "zip_bomb")
    assert not list(open_blobs(roomy.settings, "spool").list()), "nothing was spooled"
