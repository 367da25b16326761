"""The JSON shapes the service hands out: HTTP responses, batch callbacks and the CLI's `--json`.

They live here, below both adapters, because the service itself sends one of them
(the batch callback) and may not import `api`. Each `*_out` function turns stored rows
into its model; nothing else builds these objects from dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from provenance.claims import Claims
from provenance.errors import InvalidInput
from provenance.library.library import reference_metadata
from provenance.metadata import ImageMetadata
from provenance.report import CheckReport, ErrorInfo, ErrorReport
from provenance.store import ApiKey, Batch, CheckRecord, Decision, Reference


class Submission(Claims):
    """What the caller stated with the image: the claims, and a note for the desk.
    Stored and echoed with the check; the claims are answered in the report."""

    note: str | None = Field(default=None, max_length=4000, description="Free text for the desk")

    def claims(self) -> Claims:
        """The claims alone (the note is not one)."""
        return Claims.model_validate(self.model_dump(exclude={"note"}))


def submission_from(values: dict[str, object]) -> Submission:
    """A submission from untrusted fields; a claim the domain refuses (a date that is
    not ISO 8601) raises InvalidInput with the domain's own words."""
    try:
        return Submission.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None


def as_utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class CheckId(BaseModel):
    id: str


class DecisionIn(BaseModel):
    """An editor's word on a check's match."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirmed", "rejected"]
    reference_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The proposed original decided on (default: the best match)"
    )
    note: str | None = Field(default=None, max_length=2000)


class DecisionOut(BaseModel):
    """A decision as kept in the audit log: never changed, a later one supersedes it."""

    id: int
    check_id: str
    reference_id: int
    decision: Literal["confirmed", "rejected"]
    machine_verdict: str = Field(description="What the machine said when the editor decided")
    reviewer: str = Field(description="The API key's name (or the CLI user) who decided")
    note: str | None = None
    created_at: str


def decision_out(row: Decision) -> DecisionOut:
    return DecisionOut(
        id=row.id,
        check_id=row.check_id,
        reference_id=row.reference_id,
        decision=row.decision,  # type: ignore[arg-type]  # the store only takes the two literals
        machine_verdict=row.machine_verdict,
        reviewer=row.reviewer,
        note=row.note,
        created_at=as_utc(row.created_at).isoformat(),
    )


class StoredFields(BaseModel):
    submitted: Submission
    created_at: str
    decisions: list[DecisionOut] = Field(
        default_factory=list, description="Editors' decisions on the match, oldest first; the last one stands"
    )
    recheck_of: str | None = Field(
        default=None, description="Set on a watchlist re-check: the earlier check of the same file it answers anew"
    )
    rechecked_as: list[str] = Field(
        default_factory=list, description="Later re-checks of this file that found an original (watchlist)"
    )


# Pydantic orders fields from the last base: the id, the report, then what was stored with it.
class CheckOut(StoredFields, CheckReport, CheckId):
    """A check's report (as `provenance check --json`), with its id."""


class CheckErrorOut(StoredFields, ErrorReport, CheckId):
    """A batch item that could not be checked."""


def check_out(
    record: CheckRecord, decisions: Sequence[Decision] = (), rechecked_as: Sequence[str] = ()
) -> CheckOut | CheckErrorOut:
    """The report as `provenance check --json` prints it, plus the check's id, when it
    was made, what was submitted with it, the editors' decisions on it and its history."""
    model = CheckErrorOut if "error" in record.report else CheckOut
    created_at = as_utc(record.created_at).isoformat()
    fields = {"id": record.id, **record.report, "submitted": record.submitted, "created_at": created_at}
    history = {"recheck_of": record.recheck_of, "rechecked_as": list(rechecked_as)}
    return model.model_validate({**fields, "decisions": [decision_out(d) for d in decisions], **history})


class WatchEvent(BaseModel):
    """A watched check answered anew by an original ingested after it."""

    check_id: str = Field(description="The new result")
    previous_check_id: str | None = Field(description="The earlier check, kept as it was")
    verdict: str
    reference_id: int | None = Field(description="The original that now matches")
    summary: str = Field(description='"unknown on 2 Apr 2026 14:05 UTC; matches AFP original X, ingested ..."')
    created_at: str


def watch_event(record: CheckRecord) -> WatchEvent:
    matches = record.report.get("matches") or [{}]
    return WatchEvent(
        check_id=record.id,
        previous_check_id=record.recheck_of,
        verdict=record.report.get("verdict", "unknown"),
        reference_id=matches[0].get("reference", {}).get("id"),
        summary=(record.report.get("reasons") or [""])[0],
        created_at=as_utc(record.created_at).isoformat(),
    )


class ReferenceBrief(BaseModel):
    """A reference as the CLI's `--json` lines show it."""

    id: int
    external_id: str
    source: str
    sha256: str
    filename: str
    format: str
    width: int
    height: int
    credit: str | None
    byline: str | None
    captured_at: str | None
    ingested_at: str
    has_pixels: bool = Field(
        default=True, description="False for an original known by its hashes only (ingest-hashes): no preview"
    )


class ReferenceOut(ReferenceBrief):
    """A reference as the API shows it; `metadata` only for a single reference."""

    metadata: ImageMetadata | None = Field(default=None, description="All metadata (single reference only)")


def reference_brief(reference: Reference) -> ReferenceBrief:
    return ReferenceBrief.model_validate(_reference_fields(reference))


def reference_out(reference: Reference, full: bool = False) -> ReferenceOut:
    """`full` adds all its metadata."""
    metadata = reference_metadata(reference) if full else None
    return ReferenceOut.model_validate({**_reference_fields(reference), "metadata": metadata})


def _reference_fields(reference: Reference) -> dict[str, object]:
    metadata = reference_metadata(reference)
    return {
        "id": reference.id,
        "external_id": reference.external_id,
        "source": reference.source,
        "sha256": reference.sha256,
        "filename": reference.filename,
        "format": reference.format,
        "width": reference.width,
        "height": reference.height,
        "credit": metadata.credit,
        "byline": metadata.byline,
        "captured_at": metadata.captured_at,
        "ingested_at": reference.ingested_at.isoformat(),
        "has_pixels": reference.has_pixels,
    }


class ReferencePage(BaseModel):
    items: list[ReferenceOut]
    total: int
    limit: int
    offset: int


class BatchItem(BaseModel):
    position: int
    filename: str
    status: Literal["pending", "done", "error"]
    check: CheckOut | CheckErrorOut | None


class Callback(BaseModel):
    url: str
    status: Literal["pending", "delivered", "failed"]
    error: str | None


class BatchOut(BaseModel):
    """Progress and the reports so far, in upload order (also the callback's body)."""

    id: str
    status: Literal["queued", "running", "done"]
    total: int
    done: int
    failed: int
    created_at: str
    finished_at: str | None
    callback: Callback | None
    items: list[BatchItem]


def batch_out(batch: Batch, records: list[CheckRecord]) -> BatchOut:
    """The statuses are the stored ones, validated against the model's."""
    by_position = {record.position: record for record in records}
    items = []
    for position, filename in enumerate(batch.filenames):
        record = by_position.get(position)
        status = "pending" if record is None else ("error" if "error" in record.report else "done")
        check = check_out(record) if record else None
        item = {"position": position, "filename": filename, "status": status, "check": check}
        items.append(BatchItem.model_validate(item))
    callback = None
    if batch.callback_url:
        callback = {"url": batch.callback_url, "status": batch.callback_status, "error": batch.callback_error}
    return BatchOut.model_validate(
        {
            "id": batch.id,
            "status": batch.status,
            "total": len(batch.filenames),
            "done": len(records),
            "failed": sum(item.status == "error" for item in items),
            "created_at": as_utc(batch.created_at).isoformat(),
            "finished_at": as_utc(batch.finished_at).isoformat() if batch.finished_at else None,
            "callback": callback,
            "items": items,
        }
    )


class KeyOut(BaseModel):
    """An API key as `provenance keys list` shows it (never its secret)."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: str
    revoked_at: str | None


def key_out(key: ApiKey) -> KeyOut:
    return KeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=key.scopes,
        created_at=key.created_at.isoformat(),
        revoked_at=key.revoked_at.isoformat() if key.revoked_at else None,
    )


class IngestLine(BaseModel):
    """One `provenance ingest --json` line for a file taken in (or already there)."""

    path: str
    status: Literal["added", "exists"]
    reference: ReferenceBrief


class IngestFailure(BaseModel):
    """One `provenance ingest --json` line for a file that could not be taken in."""

    path: str
    status: Literal["error"] = "error"
    error: ErrorInfo
