"""Opening the services over one settings object: the same for the API, the CLI and the workers.

`open_services` starts no thread. The batch runner, which works in a thread of its
own or sends its items to the task workers (`service.tasks`), is started by the adapter
that takes batches (the API's lifespan), with `start_batches`.
"""

from __future__ import annotations

from dataclasses import dataclass

from provenance.config import Settings
from provenance.library.library import Library
from provenance.store import BlobStore
from service.batches import BatchRunner, Dispatch
from service.checks import CheckStore, EvidenceLocation
from service.keys import KeyStore


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

    def close(self) -> None:
        self.library.close()


def open_services(settings: Settings) -> Services:
    """Open the library (database, blob store, indexes) and the stores built on it."""
    library = Library(settings)
    checks = CheckStore(library, BlobStore(settings.evidence_dir))
    return Services(settings, library, KeyStore(library.sessions), checks)
