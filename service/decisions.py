"""Reviewer decisions: an editor confirms or rejects the match a check proposed.

Decisions are appended, never changed: the latest one on a check is the one that
reads, the rest are its audit trail (who, when, what the machine had said). A rejected
pair (this copy's bytes, that original) hides the original from every later check of
the same file, and the agreement between machine and editors is what
`provenance eval --decisions` reports.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from provenance.errors import InvalidInput
from provenance.store import CheckRecord, Decision, get_or_raise

DecisionKind = Literal["confirmed", "rejected"]


@dataclass(frozen=True)
class Agreement:
    """How often the editors agreed with the machine's proposed match."""

    confirmed: int
    rejected: int
    by_verdict: dict[str, tuple[int, int]]
    """Machine verdict -> (confirmed, rejected), latest decision per check."""

    @property
    def decided(self) -> int:
        return self.confirmed + self.rejected

    @property
    def rate(self) -> float | None:
        return self.confirmed / self.decided if self.decided else None


class DecisionStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def decide(
        self,
        check_id: str,
        decision: DecisionKind,
        reviewer: str,
        note: str | None = None,
        reference_id: int | None = None,
    ) -> Decision:
        """Record a decision on one of the check's matches (its best one by default).
        A check without a match, or a reference it did not propose, is refused."""
        with self.sessions.begin() as session:
            record = get_or_raise(session, CheckRecord, check_id, "check")
            proposed = [m["reference"]["id"] for m in record.report.get("matches", [])]
            if not proposed or record.sha256 is None:
                raise InvalidInput(f"check {check_id} proposed no original to confirm or reject", code="no_match")
            chosen = proposed[0] if reference_id is None else reference_id
            if chosen not in proposed:
                raise InvalidInput(f"check {check_id} did not propose original {chosen}", code="not_proposed")
            row = Decision(
                check_id=check_id,
                reference_id=chosen,
                copy_sha256=record.sha256,
                machine_verdict=record.report.get("verdict", "unknown"),
                decision=decision,
                reviewer=reviewer,
                note=note,
            )
            session.add(row)
        return row

    def history(self, check_id: str) -> list[Decision]:
        """Every decision on the check, oldest first."""
        with self.sessions() as session:
            query = select(Decision).where(Decision.check_id == check_id).order_by(Decision.id)
            return list(session.scalars(query))

    def rejected_for(self, sha256: str) -> frozenset[int]:
        """The originals editors rejected for these exact bytes (their latest word per pair)."""
        with self.sessions() as session:
            query = select(Decision).where(Decision.copy_sha256 == sha256).order_by(Decision.id)
            latest = {row.reference_id: row.decision for row in session.scalars(query)}
        return frozenset(reference for reference, decision in latest.items() if decision == "rejected")

    def agreement(self) -> Agreement:
        """The latest decision of every decided check, counted against the machine's verdict."""
        with self.sessions() as session:
            rows = session.scalars(select(Decision).order_by(Decision.id))
            latest = {row.check_id: row for row in rows}
        counts: Counter[tuple[str, str]] = Counter((row.machine_verdict, row.decision) for row in latest.values())
        verdicts = sorted({verdict for verdict, _ in counts})
        by_verdict = {v: (counts[(v, "confirmed")], counts[(v, "rejected")]) for v in verdicts}
        confirmed = sum(c for c, _ in by_verdict.values())
        rejected = sum(r for _, r in by_verdict.values())
        return Agreement(confirmed, rejected, by_verdict)
