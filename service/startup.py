"""Opening the services over one settings object: the same for the API, the CLI and the workers.

`open_services` starts no thread. The batch runner, which works in a thread of its
own or sends its items to the task workers (`service.tasks`), is started by the adapter
that takes batches (the API's lifespan), with `start_batches`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from provenance.config import Settings
from provenance.library.library import IngestOutcome, Library, ReferenceDetails
from provenance.metadata.c2pa import use_trust_anchors
from provenance.signing import EvidenceSigner, SigningError
from provenance.store import CheckRecord, open_blobs
from service.batches import BatchRunner, Dispatch
from service.checks import CheckStore, EvidenceLocation, evidence_path
from service.keys import KeyStore
from service.watchlist import Watchlist, announce


@dataclass
class Services:
    settings: Settings
    library: Library
    keys: KeyStore
    checks: CheckStore

    def batch_runner(
        self, evidence_location: EvidenceLocation, callback_backoff: float = 2.0, dispatch: Dispatch | None = None
    ) -> BatchRunner:
        """Batches run in a thread of this process, or, given a `dispatch`, as tasks of the workers."""
        return BatchRunner(
            self.settings, self.checks, evidence_location, dispatch=dispatch, callback_backoff=callback_backoff
        )

    def start_batches(
        self, evidence_location: EvidenceLocation, callback_backoff: float = 2.0, dispatch: Dispatch | None = None
    ) -> BatchRunner:
        """The batch runner, with the batches and callbacks a previous run left unfinished queued."""
        batches = self.batch_runner(evidence_location, callback_backoff, dispatch)
        batches.resume()
        return batches

    def ingest(self, data: bytes, filename: str, details: ReferenceDetails | None = None) -> IngestOutcome:
        """Add an original; when it is new, the watched checks it may answer are checked again."""
        outcome = self.library.ingest(data, filename, details)
        if outcome.created:
            self.recheck_watched(outcome.reference.id)
        return outcome

    def recheck_watched(self, reference_id: int) -> list[CheckRecord]:
        """The new results of watched checks this original now answers, each announced
        to the watch callback when one is set."""
        if self.checks.watchlist is None:
            return []
        self.checks.watchlist.expire()
        found = []
        for check_id in self.checks.watchlist.agreeing_with(reference_id):
            record = self.checks.recheck(check_id, reference_id, evidence_path)
            if record is not None:
                found.append(record)
                announce(self.settings, record)
        return found

    def close(self) -> None:
        self.library.close()


def open_services(settings: Settings) -> Services:
    """Open the library (database, blob store, indexes) and the stores built on it.
    Raises SigningError when the newsroom's signing key or trust list cannot be used."""
    use_trust_anchors(_read_setting(settings.c2pa_trust_anchors, "PROVENANCE_C2PA_TRUST_ANCHORS").decode())
    signer = evidence_signer(settings)
    library = Library(settings)
    watchlist = Watchlist(library, open_blobs(settings, "watched"), settings.watch_days)
    checks = CheckStore(library, open_blobs(settings, "evidence"), signer, watchlist)
    return Services(settings, library, KeyStore(library.sessions), checks)


def evidence_signer(settings: Settings) -> EvidenceSigner | None:
    """The newsroom's signer of evidence pictures, when its certificate and key are set."""
    if settings.signing_cert is None and settings.signing_key is None:
        return None
    if settings.signing_cert is None or settings.signing_key is None:
        raise SigningError("set both PROVENANCE_SIGNING_CERT and PROVENANCE_SIGNING_KEY, or neither")
    chain = _read_setting(settings.signing_cert, "PROVENANCE_SIGNING_CERT")
    return EvidenceSigner.from_pem(chain, _read_setting(settings.signing_key, "PROVENANCE_SIGNING_KEY"))


def _read_setting(path: Path | None, name: str) -> bytes:
    if path is None:
        return b""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningError(f"{name}: cannot read {path}: {exc.strerror or exc}") from exc
