"""The domain services one running app uses, opened at start-up and closed at shutdown."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from provenance.config import Settings
from provenance.library.library import Library
from provenance.store import BlobStore
from service.batches import BatchRunner
from service.checks import CheckStore
from service.keys import KeyStore


def evidence_url(check_id: str) -> str:
    return f"/v1/checks/{check_id}/evidence.png"


@dataclass
class Services:
    settings: Settings
    library: Library
    keys: KeyStore
    checks: CheckStore
    batches: BatchRunner
    require_auth: bool
    lock: threading.Lock
    """Serialises checks with ingests and deletes (see `CheckStore.lock`)."""

    @classmethod
    def open(cls, settings: Settings, require_auth: bool, callback_backoff: float = 2.0) -> Services:
        library = Library(settings)
        lock = threading.Lock()
        checks = CheckStore(library, BlobStore(settings.evidence_dir), lock)
        batches = BatchRunner(settings, checks, evidence_url, callback_backoff=callback_backoff)
        batches.resume()
        return cls(settings, library, KeyStore(library.sessions), checks, batches, require_auth, lock)

    def close(self) -> None:
        self.batches.close()
        self.library.close()
