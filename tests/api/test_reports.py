"""The publishable report (HTML and PDF) and the evidence picture signed with the
newsroom's own key: verified with c2pa-python, trusted once the root is on the list."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from provenance.config import Settings
from provenance.library.library import Library
from provenance.metadata.c2pa import read_content_credentials, use_trust_anchors
from service.keys import KeyStore
from tests.api.conftest import Keys, Server
from tests.conftest import COPIES, ORIGINALS
from tests.signing_certificates import SIGNER_NAME, make_signer


def check(http, name: str) -> dict:
    path = COPIES / name
    answer = http.post("/v1/checks", files={"file": (path.name, path.read_bytes(), "image/jpeg")})
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def untrusting_reader() -> Iterator[None]:
    """Every test leaves the process-wide C2PA trust list as it found it (empty)."""
    use_trust_anchors(None)
    yield
    use_trust_anchors(None)


def test_report_html_and_pdf_carry_the_verdict_decision_and_library_state(server: Server, keys: Keys) -> None:
    with server.client(keys.check) as http:
        report = check(http, "elephants_pasted.jpg")
        http.post(f"/v1/checks/{report['id']}/decision", json={"decision": "confirmed", "note": "<b>seen</b>"})
        html = http.get(f"/v1/checks/{report['id']}/report.html")
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        page = html.text
        assert report["verdict"] == "altered" and "regions were added" in page
        assert report["matches"][0]["reference"]["external_id"] in page
        assert "&lt;b&gt;seen&lt;/b&gt;" in page and "<b>seen</b>" not in page  # the public's text is escaped
        assert "data:image/png;base64," in page  # the evidence picture travels with the document
        assert "provenance 0.1.0" in page and "library of 4 originals" in page

        pdf = http.get(f"/v1/checks/{report['id']}/report.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "ALTERED" in text.upper() and "confirmed" in text and "DEMO-0002" in text
        assert http.get(f"/v1/checks/{'0' * 32}/report.pdf").status_code == 404
        truncated = http.post("/v1/checks", files={"file": ("t.jpg", (COPIES / "truncated.jpg").read_bytes())})
        assert truncated.status_code == 422  # rendering a PDF (WeasyPrint) must not relax the decoder
    with server.client() as anonymous:
        assert anonymous.get(f"/v1/checks/{report['id']}/report.html").status_code == 401


def test_evidence_is_signed_by_the_newsroom_and_trusted_through_the_trust_list(
    tmp_path: Path, serve: Callable[..., Server], untrusting_reader: None
) -> None:
    signer = make_signer(tmp_path / "pki")
    settings = Settings(
        home=tmp_path / "home", signing_cert=signer.chain, signing_key=signer.key, c2pa_trust_anchors=signer.root
    )
    library = Library(settings)
    for path in sorted(ORIGINALS.glob("*.jpg")):
        library.ingest(path.read_bytes(), str(path))
    key = KeyStore(library.sessions).create("desk", ["check"]).secret
    library.close()
    server = serve(settings)
    with server.client(key) as http:
        report = check(http, "elephants_pasted.jpg")
        evidence = http.get(report["evidence"]).content
        pdf = http.get(f"/v1/checks/{report['id']}/report.pdf").content

    trusted, _ = read_content_credentials(evidence, "PNG")  # the server set the trust list
    assert trusted.status == "valid" and trusted.signer and SIGNER_NAME in trusted.signer
    use_trust_anchors(None)
    untrusted, _ = read_content_credentials(evidence, "PNG")
    assert untrusted.status == "valid_untrusted_signer"

    attached = PdfReader(io.BytesIO(pdf)).attachments["evidence.png"][0]
    assert attached == evidence  # the PDF carries the signed picture itself
    tampered = bytearray(evidence)
    tampered[len(tampered) // 2] ^= 0xFF
    assert read_content_credentials(bytes(tampered), "PNG")[0].status in ("invalid", "unreadable")


def test_a_bad_signing_key_is_a_clear_setup_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "key.pem").write_text("not a key")
    (tmp_path / "chain.pem").write_text("not a chain")
    env = {"PROVENANCE_HOME": str(tmp_path / "home"), "PROVENANCE_SIGNING_CERT": str(tmp_path / "chain.pem"),
           "PROVENANCE_SIGNING_KEY": str(tmp_path / "key.pem"), "PATH": ""}
    command = [sys.executable, "-m", "cli", "references", "list"]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "signing key" in result.stderr and "Traceback" not in result.stderr
