"""Opening the services over one settings object: the same for the API and the CLI.

`open_services` starts no thread. The batch runner, which works in a thread of its
own, is started by the adapter that takes batches (the API's lifespan), with
`start_batches`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from provenance.config import Settings
from provenance.library.library import Library
from provenance.store import open_blobs
from service.batches import BatchRunner
from service.checks import CheckStore, EvidenceLocation
from service.keys import KeyStore


@dataclass
class Services:
    settings: Settings
    library: Library
    keys: KeyStore
    checks: CheckStore
    lock: threading.Lock
    """Serialises checks with ingests and deletes (see `CheckStore.lock`)."""

    def start_batches(self, evidence_location: EvidenceLocation, callback_backoff: float = 2.0) -> BatchRunner:
        """The batch runner, with the batches and callbacks a previous run left unfinished queued."""
        batches = BatchRunner(self.settings, self.checks, evidence_location, callback_backoff=callback_backoff)
        batches.resume()
        return batches

    def close(self) -> None:
        self.library.close()


def open_services(settings: Settings) -> Services:
    """Open the library (database, blob store, indexes) and the stores built on it."""
    library = Library(settings)
    lock = threading.Lock()
    checks = CheckStore(library, open_blobs(settings, "evidence"), lock)
    return Services(settings, library, KeyStore(library.sessions), checks, lock)
