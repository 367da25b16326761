"""A check's report as a document a newsroom can publish: HTML to print, and PDF.

Everything needed to reproduce the check is in it: the verdict in words, the evidence
picture, the metadata comparison, the claims answered, the editors' decisions, the
software version and its thresholds, and the library's state (which original, ingested
when). HTML comes from a Jinja2 template with autoescaping (captions and filenames are
the public's text); PDF from WeasyPrint, which lays out that same HTML.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape

from hashes import ALGORITHMS
from provenance import __version__
from provenance.config import Settings
from provenance.errors import NotFound
from provenance.library.library import Library
from service.models import CheckErrorOut, CheckOut

VERDICT_WORDS = {
    "identical": "This file is, byte for byte, an original in the library.",
    "copy": "This is a copy of an original in the library: the same photograph, with only global edits "
    "(resizing, cropping, recompression, colour, mirroring or rotation).",
    "altered": "This is an original from the library with parts of the picture changed: regions were added, "
    "removed or replaced.",
    "composite": "This picture is made of parts of two or more originals in the library (a montage).",
    "related": "This is another photograph of a scene the library holds, not an edit of one: it is not "
    "evidence of a montage.",
    "unknown": "No original in the library matches this picture.",
}
_environment = Environment(
    loader=PackageLoader("service", "templates"), autoescape=select_autoescape(["html"]), trim_blocks=True
)


@dataclass(frozen=True)
class OriginalState:
    """An original the report names, as the library holds it now."""

    id: int
    external_id: str
    source: str
    ingested_at: str | None
    """None when it has been deleted since the check."""


def render_html(
    report: CheckOut | CheckErrorOut, evidence_png: bytes | None, library: Library, settings: Settings
) -> str:
    """The printable report of one stored check."""
    originals = [_state(library, m.reference.id) for m in report.matches] if isinstance(report, CheckOut) else []
    evidence = base64.b64encode(evidence_png).decode() if evidence_png else None
    parameters = {
        **{f"{a.name} match distance (of {a.bits} bits)": a.match_distance for a in ALGORITHMS.values()},
        "working size (px)": settings.working_size,
        "pixel cap": settings.max_pixels,
    }
    return _environment.get_template("report.html").render(
        report=report,
        words=VERDICT_WORDS.get(getattr(report, "verdict", ""), ""),
        evidence=evidence,
        originals=originals,
        library_size=library.count(),
        version=__version__,
        parameters=parameters,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        stylesheet=resources.files("service").joinpath("templates/report.css").read_text(),
    )


def render_pdf(html: str, evidence_png: bytes | None) -> bytes:
    """The same document as PDF (WeasyPrint: HTML and CSS laid out for paper). The page
    shows the evidence re-encoded; the PNG itself, with its Content Credentials, is
    attached to the PDF as `evidence.png` so a reader can verify the signature."""
    import io

    from PIL import ImageFile
    from weasyprint import HTML, Attachment  # imported here: it loads Pango, which only PDFs need

    # Importing WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES, which would
    # let every later check accept a truncated upload: turned off again at once.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    attachments = []
    if evidence_png is not None:
        file = io.BytesIO(evidence_png)
        attachments.append(Attachment(file_obj=file, name="evidence.png", description="The signed evidence picture"))
    return HTML(string=html).write_pdf(attachments=attachments)


def _state(library: Library, reference_id: int) -> OriginalState:
    try:
        reference = library.get(reference_id)
    except NotFound:
        return OriginalState(reference_id, "?", "?", None)
    ingested = reference.ingested_at.replace(tzinfo=reference.ingested_at.tzinfo or UTC).isoformat(timespec="seconds")
    return OriginalState(reference.id, reference.external_id, reference.source, ingested)
