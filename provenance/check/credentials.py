"""Content Credentials as evidence: the copy's own, and those its originals carried when
they were ingested (a stripped copy's provenance can be recovered from its original's)."""

from __future__ import annotations

from dataclasses import dataclass

from provenance.check.library_view import LibraryView
from provenance.metadata.c2pa import ContentCredentials, read_content_credentials
from provenance.report import Match


@dataclass(frozen=True)
class CredentialsEvidence:
    own: ContentCredentials
    """The checked file's own Content Credentials."""
    matches: list[Match]
    """The matches with their originals' credentials and what these say about the copy."""
    reasons: list[str]


def credentials_evidence(
    library: LibraryView, data: bytes, image_format: str, matches: list[Match]
) -> CredentialsEvidence:
    own, _ = read_content_credentials(data, image_format)
    reasons = [own.summary] if own.present else []
    noted: list[Match] = []
    for position, match in enumerate(matches):
        stored = library.credentials(match.reference.id)
        if stored is None:
            noted.append(match)
            continue
        note = _note(match, stored, own.present)
        noted.append(match.model_copy(update={"original_credentials": stored, "credentials_note": note}))
        if position == 0:
            reasons.append(note)
    return CredentialsEvidence(own, noted, reasons)


def _note(match: Match, stored: ContentCredentials, copy_signed: bool) -> str:
    who = stored.signer or "an unnamed signer"
    when = f" on {stored.signed_at}" if stored.signed_at else ""
    if copy_signed:
        return f"The original carried Content Credentials signed by {who}{when}; so does this copy."
    return (
        f"This copy carries no Content Credentials, but its original {match.reference.external_id} "
        f"({match.reference.source}) carried Content Credentials signed by {who}{when}: the copy's provenance "
        "can be recovered from the original's credentials (a C2PA soft-binding lookup)."
    )
