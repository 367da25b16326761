"""A stored check as a document to publish: printable HTML, and PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.auth import Caller, require
from api.schemas import ERRORS
from api.state import services
from provenance.errors import NotFound
from service.models import check_out
from service.reports import render_html, render_pdf

router = APIRouter(prefix="/v1/checks", tags=["checks"])


def _document(request: Request, check_id: str) -> tuple[str, bytes | None]:
    """The report's HTML, and the evidence picture as stored (signed when a key is set)."""
    state = services(request)
    checks = state.checks
    report = check_out(checks.get(check_id), checks.decisions.history(check_id), checks.rechecked_as(check_id))
    try:
        evidence = state.checks.evidence(check_id)
    except NotFound:
        evidence = None
    return render_html(report, evidence, state.library, state.settings), evidence


@router.get(
    "/{check_id}/report.html",
    summary="The check as a printable document",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "The report, to print or archive"}, **ERRORS},
)
def get_report_html(request: Request, check_id: str, caller: Annotated[Caller, Depends(require("check"))]) -> Response:
    """The verdict in words, the evidence picture, the metadata comparison, the claims,
    the editors' decisions, the software version and thresholds and the library's state."""
    return Response(_document(request, check_id)[0], media_type="text/html; charset=utf-8")


@router.get(
    "/{check_id}/report.pdf",
    summary="The check as a PDF document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The report as PDF"}, **ERRORS},
)
def get_report_pdf(request: Request, check_id: str, caller: Annotated[Caller, Depends(require("check"))]) -> Response:
    """The same document as `report.html`, laid out for paper, with the evidence picture
    (and its Content Credentials) attached as `evidence.png`."""
    pdf = render_pdf(*_document(request, check_id))
    headers = {"Content-Disposition": f'inline; filename="provenance-check-{check_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
