"""The lineage of an original: every stored check that matched it, earliest first,
grouped into variants (`provenance.lineage`), with who saw each first and which copy
each seems to derive from."""

from __future__ import annotations

from datetime import UTC

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from provenance.lineage import Variant, derives_from, variant_of
from provenance.report import CheckReport
from provenance.store import CheckMatch, CheckRecord, Decision


class LineageCheck(BaseModel):
    check_id: str
    created_at: str
    submitted_by: str | None = Field(description="The API key's name that made the check")
    verdict: str
    variant: int | None = Field(description="Index in `variants`; None for a match on hashes alone")
    derived_from: str | None = Field(description="The earlier check whose copy this copy could be made from")


class LineageVariant(BaseModel):
    description: str
    variant: Variant
    first_seen: str
    first_seen_by: str | None
    checks: int


class Lineage(BaseModel):
    reference_id: int
    checks: list[LineageCheck] = Field(description="Every check that matched the original, earliest first")
    variants: list[LineageVariant] = Field(description="Distinct shapes of the copies, in the order first seen")


def record_matches(session: Session, record: CheckRecord, submitted_by: str | None) -> None:
    """Index a stored check by the originals it matched (in the check's transaction)."""
    if "error" in record.report:
        return
    report = CheckReport.model_validate(record.report)
    copy_size = (report.input.width or 1, report.input.height or 1)
    for rank, match in enumerate(report.matches):
        original_size = (match.reference.width, match.reference.height)
        variant = variant_of(match, copy_size, original_size)
        session.add(
            CheckMatch(
                check_id=record.id,
                reference_id=match.reference.id,
                rank=rank,
                verdict=report.verdict,
                variant=variant.model_dump(mode="json") if variant else None,
                submitted_by=submitted_by,
                created_at=record.created_at,
            )
        )


def closest_parent(variant: Variant, seen: list[tuple[str, Variant]]) -> str | None:
    """The earlier check whose copy this one could be made from and that made the most of
    its changes already (the smallest crop, the most flags); the later one on a tie."""
    parents = [(check_id, earlier) for check_id, earlier in seen if derives_from(variant, earlier)]
    if not parents:
        return None
    return max(enumerate(parents), key=lambda item: (_specificity(item[1][1]), item[0]))[1][0]


def _specificity(variant: Variant) -> tuple[int, float]:
    flags = variant.mirrored + variant.framed + variant.greyscale + variant.color_adjusted + len(variant.regions)
    return flags, -variant.crop[2] * variant.crop[3]


def lineage(sessions: sessionmaker[Session], reference_id: int) -> Lineage:
    """Checks an editor rejected for this original (their latest word) are left out."""
    with sessions() as session:
        query = select(CheckMatch).where(CheckMatch.reference_id == reference_id).order_by(CheckMatch.created_at)
        rows = list(session.scalars(query))
        decided = select(Decision).where(Decision.reference_id == reference_id).order_by(Decision.id)
        latest = {row.check_id: row.decision for row in session.scalars(decided)}
    rows = [row for row in rows if latest.get(row.check_id) != "rejected"]
    variants: list[LineageVariant] = []
    keys: dict[str, int] = {}
    seen: list[tuple[str, Variant]] = []
    checks = []
    for row in rows:
        when = (row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)).isoformat()
        variant = Variant.model_validate(row.variant) if row.variant else None
        index = parent = None
        if variant is not None:
            if variant.key not in keys:
                keys[variant.key] = len(variants)
                variants.append(LineageVariant(
                    description=variant.describe(), variant=variant, first_seen=when,
                    first_seen_by=row.submitted_by, checks=0,
                ))
            index = keys[variant.key]
            variants[index].checks += 1
            parent = closest_parent(variant, seen)
            seen.append((row.check_id, variant))
        checks.append(LineageCheck(
            check_id=row.check_id, created_at=when, submitted_by=row.submitted_by, verdict=row.verdict,
            variant=index, derived_from=parent,
        ))
    return Lineage(reference_id=reference_id, checks=checks, variants=variants)
