"""No-reference forensic indicators as evidence: run on the pixels when no original
explains them, reported whenever one is raised."""

from __future__ import annotations

from dataclasses import dataclass

from hashes import DecodedImage
from provenance.check.evidence import EvidenceSink
from provenance.forensics.analyse import analyse
from provenance.forensics.model import ForensicsReport
from provenance.metadata import ImageMetadata
from provenance.metadata.c2pa import ContentCredentials
from provenance.report import Verdict

FORENSICS_VERDICTS = ("unknown", "related")
"""Verdicts after which no original explains the pixels, so the pixel indicators run."""


@dataclass(frozen=True)
class IndicatorsEvidence:
    forensics: ForensicsReport
    """What the indicators found (the claims read it even when the report does not show it)."""
    shown: bool
    """The report shows the indicators: pixel indicators ran, or one was raised at least weakly."""
    evidence: str | None
    """The check's one evidence picture: the match's when there is one, else the indicators'."""
    reasons: list[str]


def indicators_evidence(
    data: bytes,
    image: DecodedImage,
    metadata: ImageMetadata,
    credentials: ContentCredentials,
    verdict: Verdict,
    match_evidence: str | None,
    sink: EvidenceSink | None,
) -> IndicatorsEvidence:
    run_pixels = verdict in FORENSICS_VERDICTS
    forensics, png = analyse(data, image, metadata, credentials, pixels=run_pixels)
    if not (run_pixels or forensics.raised("weak")):
        return IndicatorsEvidence(forensics, False, match_evidence, [])
    evidence = match_evidence
    if png is not None and sink is not None and evidence is None:
        evidence = sink(png)
        forensics = forensics.model_copy(update={"evidence": evidence})
    raised = forensics.raised("moderate")
    reasons = []
    if run_pixels and raised:
        names = ", ".join(f"{i.title.lower()} ({i.level})" for i in raised)
        reasons.append(f"No-reference indicators raised: {names}. They are not proof; see forensics.")
    return IndicatorsEvidence(forensics, True, evidence, reasons)
