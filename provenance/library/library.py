"""The library of known originals: one facade over the store, the blobs, the indexes,
the decoded-original cache and ingest, each in its own module. It is also the
`LibraryView` a check reads (`provenance.check.library_view`)."""

from __future__ import annotations

import builtins
import hashlib
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from hashes import DecodedImage, Fingerprints, ImageError, Keypoints, fingerprint
from provenance.check.library_view import Original
from provenance.config import Settings
from provenance.errors import NotFound, from_image_error
from provenance.library.hash_import import ImportSummary, export_records, import_records
from provenance.library.hash_records import BadLine, HashRecord
from provenance.library.ingest import IngestOutcome, ReferenceDetails, ingest
from provenance.library.originals import as_original, reference_metadata
from provenance.library.previews import Previews
from provenance.library.references import References
from provenance.library.search import OriginalsIndex
from provenance.library.working_copies import WorkingCopies
from provenance.metadata.c2pa import ContentCredentials
from provenance.store import Reference, changes, dispose, get_or_raise, open_blobs, open_database

__all__ = ["IngestOutcome", "Library", "ReferenceDetails", "reference_metadata"]

log = logging.getLogger(__name__)


class Library:
    """Ingest, look-up and delete of originals, and the `LibraryView` of a check;
    each job is delegated to the module that owns it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions = open_database(settings.resolved_database_url, settings.migrate_on_start)
        self.blobs = open_blobs(settings, "originals")
        self.references = References(self.sessions)
        self.indexes = OriginalsIndex(self.sessions, self.references, _index_folder(settings))
        stored_working = open_blobs(settings, "working")
        self._working_copies = WorkingCopies(self.blobs, settings.decode_limits, stored_working)
        self.previews = Previews(open_blobs(settings, "previews"))
        self._making_previews = threading.Lock()

    def close(self) -> None:
        dispose(self.sessions)

    def fingerprint(self, data: bytes) -> Fingerprints:
        try:
            return fingerprint(data, self.settings.decode_limits)
        except ImageError as exc:
            raise from_image_error(exc) from exc

    def ingest(self, data: bytes, filename: str, details: ReferenceDetails | None = None) -> IngestOutcome:
        """Add an original; the same bytes twice give the existing reference."""
        fingerprints = self.fingerprint(data)
        outcome = ingest(
            self.sessions, self.blobs, self.references, data, fingerprints, filename, details or ReferenceDetails()
        )
        if outcome.created:
            self._keep_derived(fingerprints)
            self.indexes.refresh(force=True)
        return outcome

    def _keep_derived(self, fingerprints: Fingerprints) -> None:
        """The preview and, when costly to make again, the working copy: from the decode
        ingest has just made. The original is stored already; what cannot be written now
        (a full disk) is made again on first use."""
        try:
            self.previews.save(fingerprints.sha256, fingerprints.image.pixels)
            self._working_copies.keep(fingerprints.sha256, fingerprints.image)
        except OSError as exc:
            log.warning("preview or working copy of %s not stored (made on first use): %s", fingerprints.sha256, exc)

    def import_hashes(self, parsed: Iterable[tuple[int, HashRecord | BadLine]], filename: str) -> ImportSummary:
        """Add hash-only originals (fingerprints an agency shared without pixels)."""
        summary = import_records(self.sessions, parsed, filename)
        if summary.imported:
            self.indexes.refresh(force=True)
        return summary

    def export_hashes(self) -> Iterator[HashRecord]:
        """Every original as a hash record (the format `import_hashes` reads)."""
        return export_records(self.sessions)

    def delete(self, reference_id: int) -> Reference:
        with self.sessions.begin() as session:
            reference = get_or_raise(session, Reference, reference_id, "reference")
            session.delete(reference)
            changes.record(session, changes.REMOVED, [reference_id])
        self.blobs.delete(reference.sha256)
        self.previews.delete(reference.sha256)
        self._working_copies.forget(reference.sha256)
        self.indexes.refresh(force=True)
        return reference

    def get(self, reference_id: int) -> Reference:
        return self.references.get(reference_id)

    def find_by_sha256(self, sha256: str) -> Reference | None:
        return self.references.find_by_sha256(sha256)

    def list(
        self, source: str | None = None, limit: int = 100, offset: int = 0, text: str | None = None
    ) -> builtins.list[Reference]:
        return self.references.list(source, limit, offset, text)

    def count(self, source: str | None = None, text: str | None = None) -> int:
        return self.references.count(source, text)

    def keypoints(self, reference_id: int) -> Keypoints:
        return self.references.keypoints(reference_id)

    def credentials(self, reference_id: int) -> ContentCredentials | None:
        """The Content Credentials the original carried when ingested, if any."""
        return self.references.credentials(reference_id)

    def working_copy(self, reference: Reference | Original) -> DecodedImage:
        """The original's pixels at working size (decoded originals are cached)."""
        if not reference.has_pixels:
            raise NotFound(f"original {reference.id} is known by its hashes only: it has no pixels")
        return self._working_copies.get(reference.sha256)

    def preview(self, reference: Reference) -> bytes:
        """The original's stored preview JPEG; one ingested before previews were kept gets
        it made now from its working copy, once. NotFound for a hash-only original."""
        stored = self.previews.get(reference.sha256)
        if stored is not None:
            return stored
        with self._making_previews:  # a page asking for twenty at once decodes each once
            stored = self.previews.get(reference.sha256)
            if stored is not None:
                return stored
            return self.previews.save(reference.sha256, self.working_copy(reference).pixels)

    def original(self, reference_id: int) -> Original:
        return as_original(self.get(reference_id), self.references.hash_quality(reference_id))

    def original_by_sha256(self, sha256: str) -> Original | None:
        reference = self.find_by_sha256(sha256)
        return None if reference is None else as_original(reference, self.references.hash_quality(reference.id))

    def hash_neighbours(
        self, algorithm: str, codes: Sequence[bytes], max_distance: int, limit: int
    ) -> builtins.list[int]:
        return self.indexes.hash_neighbours(algorithm, codes, max_distance, limit)

    def hash_distance(self, algorithm: str, reference_id: int, codes: Sequence[bytes]) -> int | None:
        return self.indexes.hash_distance(algorithm, reference_id, codes)

    def feature_votes(self, descriptors: np.ndarray, limit: int, min_votes: int) -> builtins.list[tuple[int, int]]:
        return self.indexes.feature_votes(descriptors, limit, min_votes)


def _index_folder(settings: Settings) -> Path:
    """Where this process saves its feature index: in the home, one folder per database
    (a home pointed at another database must never open the first one's index)."""
    database = hashlib.sha256(settings.resolved_database_url.encode()).hexdigest()[:16]
    return settings.home / "indexes" / database
