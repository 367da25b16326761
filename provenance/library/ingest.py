"""Adding an original: its blob, its reference row with every fingerprint, and the
Content Credentials it carried, in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hashes import HASH_QUALITY, KEYPOINTS, Fingerprints
from provenance.errors import Conflict
from provenance.library.references import References
from provenance.metadata import extract_metadata
from provenance.metadata.c2pa import read_content_credentials
from provenance.store import DEFAULT_SOURCE, BlobStore, Fingerprint, Reference, StoredCredentials, changes
from provenance.store.faults import as_storage_full, is_storage_full

log = logging.getLogger(__name__)


class ReferenceDetails(BaseModel):
    """What an agency states about an original beside its bytes (a sidecar file,
    CLI options or API form fields). Stated fields override what the file carries."""

    model_config = ConfigDict(extra="forbid")

    external_id: str | None = None
    source: str | None = None
    credit: str | None = None
    byline: str | None = None
    caption: str | None = None
    headline: str | None = None
    captured_at: str | None = None
    city: str | None = None
    country: str | None = None
    copyright: str | None = None

    def metadata_overrides(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(exclude={"external_id", "source"}).items() if v is not None}


@dataclass(frozen=True)
class IngestOutcome:
    reference: Reference
    created: bool


def ingest(
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    references: References,
    data: bytes,
    fingerprints: Fingerprints,
    filename: str,
    details: ReferenceDetails,
) -> IngestOutcome:
    """Store an original; the same bytes twice give the existing reference."""
    existing = references.find_by_sha256(fingerprints.sha256)
    if existing:
        return IngestOutcome(existing, created=False)
    metadata = extract_metadata(data).model_copy(update=details.metadata_overrides())
    external_id = details.external_id or Path(filename).stem
    source = details.source or DEFAULT_SOURCE
    taken = references.taken_by(source, external_id)
    if taken is not None:
        raise Conflict(
            f"external_id {external_id!r} is already used in source {source!r} by reference {taken} "
            "(give another with a sidecar file or --external-id)"
        )
    wrote_blob = blobs.put(fingerprints.sha256, data)
    reference = Reference(
        sha256=fingerprints.sha256,
        external_id=external_id,
        source=source,
        filename=Path(filename).name,
        format=fingerprints.image.format,
        width=fingerprints.image.width,
        height=fingerprints.image.height,
        byte_size=len(data),
        image_metadata=metadata.model_dump(mode="json"),
        fingerprints=[Fingerprint(algorithm=name, value=value) for name, value in fingerprints.hashes.items()]
        + [
            Fingerprint(algorithm=KEYPOINTS, value=fingerprints.keypoints.to_bytes()),
            # Flagged once here: a check never takes a low-quality original's hashes alone as a match.
            Fingerprint(algorithm=HASH_QUALITY, value=bytes([fingerprints.quality])),
        ],
    )
    credentials, manifest_store = read_content_credentials(data, fingerprints.image.format)
    try:
        with sessions.begin() as session:
            session.add(reference)
            session.flush()
            changes.record(session, changes.ADDED, [reference.id])
            if credentials.present:
                session.add(
                    StoredCredentials(
                        reference_id=reference.id,
                        status=credentials.status,
                        summary=credentials.model_dump(mode="json"),
                        manifest_store=manifest_store,
                    )
                )
    except IntegrityError:
        existing = references.find_by_sha256(fingerprints.sha256)
        if existing:
            return IngestOutcome(existing, created=False)
        _forget_blob(blobs, references, fingerprints.sha256, wrote_blob)
        raise Conflict(f"external_id {external_id!r} is already used in source {source!r}") from None
    except Exception as exc:
        _forget_blob(blobs, references, fingerprints.sha256, wrote_blob)
        if is_storage_full(exc):
            raise as_storage_full(exc) from exc
        raise
    return IngestOutcome(reference, created=True)


def _forget_blob(blobs: BlobStore, references: References, sha256: str, wrote_blob: bool) -> None:
    """Remove the blob this ingest wrote when its row could not be stored (a full
    database, a refused external id), unless another ingest's row now holds it. Best
    effort: what cannot be removed now, `provenance doctor` finds later."""
    if not wrote_blob:
        return
    try:
        if references.find_by_sha256(sha256) is None:
            blobs.delete(sha256)
    except Exception:
        log.warning("could not remove the blob of %s after a failed ingest; provenance doctor will", sha256)
