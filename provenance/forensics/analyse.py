"""Run the registered no-reference indicators on one image, in registry order, and
draw their evidence picture.

The pixel indicators cost a full-resolution decode and a re-encode, so the check
runs them only when no original explains the pixels; the metadata indicators are
free and always run.
"""

from __future__ import annotations

import time

from hashes import DecodedImage
from provenance.forensics.evidence import render_indicators
from provenance.forensics.indicator import ForensicIndicator, Measurement
from provenance.forensics.model import ForensicsReport
from provenance.forensics.registry import INDICATORS
from provenance.forensics.subject import Needs, Subject
from provenance.metadata.c2pa import ContentCredentials
from provenance.metadata.model import ImageMetadata

Measured = list[tuple[ForensicIndicator, Measurement]]


def analyse(
    data: bytes,
    image: DecodedImage,
    metadata: ImageMetadata,
    credentials: ContentCredentials | None = None,
    pixels: bool = True,
) -> tuple[ForensicsReport, bytes | None]:
    """The indicators and, when pixel indicators ran, an evidence PNG. Never raises."""
    start = time.perf_counter()
    subject = Subject(data, image, metadata, credentials)
    report = ForensicsReport()
    measured = _run([i for i in INDICATORS if i.needs == "metadata"], subject, report)
    png = None
    if pixels:
        try:
            measured += _run([i for i in INDICATORS if i.needs != "metadata"], subject, report)
            png = render_indicators(image, measured)
        except Exception as exc:  # an odd file must never break a check; say what did not run
            report.skipped.append(f"pixel indicators: {type(exc).__name__}: {str(exc)[:120]}")
    report.milliseconds = round((time.perf_counter() - start) * 1000, 1)
    return report, png


def _run(indicators: list[ForensicIndicator], subject: Subject, report: ForensicsReport) -> Measured:
    """Each indicator's measurement into the report as it is made (so an exception keeps
    the earlier ones); what cannot be had is noted once, naming every indicator it stops."""
    measured: Measured = []
    missing: set[Needs] = set()
    for indicator in indicators:
        if indicator.needs in missing:
            continue
        reason = subject.unavailable(indicator.needs)
        if reason is not None:
            missing.add(indicator.needs)
            stopped = " and ".join(i.label for i in indicators if i.needs == indicator.needs)
            report.skipped.append(f"{stopped}: {reason}")
            continue
        outcome = indicator.measure(subject)
        if isinstance(outcome, str):
            report.skipped.append(outcome)
        else:
            report.indicators.append(outcome.indicator)
            measured.append((indicator, outcome))
    return measured
