"""Settings, read once from `PROVENANCE_*` environment variables; nothing else reads the environment."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hashes import DecodeLimits


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROVENANCE_")

    home: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("provenance")))
    """Folder holding the SQLite database and the working copies of originals."""
    database_url: str | None = None
    """SQLAlchemy URL; defaults to SQLite inside `home`."""
    max_bytes: int = 64 * 2**20
    max_pixels: int = 120_000_000
    working_size: int = 1024
    max_request_bytes: int = 256 * 2**20
    """Largest HTTP request body (a batch carries many files)."""
    max_batch_files: int = 500
    """Most images in one batch, counting the entries of an uploaded zip."""
    webhook_secret: str | None = None
    """Key of the HMAC-SHA256 signature on batch callbacks; callbacks are refused without it."""
    api_key: str | None = None
    """Key the CLI sends to a remote server (`provenance check --remote URL`)."""
    broker_url: str | None = None
    """Redis URL of the task broker (`redis://host:6379/0`): checks and batch items run in
    `provenance worker` processes. Unset: the API process runs everything itself."""
    broker_visibility_timeout: int = Field(default=300, ge=1)
    """Seconds before a task taken by a worker that died is given to another worker."""
    interactive_queue_max: int = Field(default=32, ge=1)
    """Checks waiting for a worker beyond which `POST /v1/checks` answers 429."""
    check_timeout: float = Field(default=60.0, gt=0)
    """Seconds the API waits for a worker's answer to a check before answering 503."""
    retry_backoff: float = Field(default=2.0, gt=0)
    """First wait before a batch item that failed for a passing reason (disk full, database
    gone) is tried again; it doubles up to a minute."""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'provenance.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.home / "originals"

    @property
    def evidence_dir(self) -> Path:
        return self.home / "evidence"

    @property
    def spool_dir(self) -> Path:
        """Uploaded batch files waiting to be checked; kept until checked, so a restart resumes."""
        return self.home / "spool"

    @property
    def decode_limits(self) -> DecodeLimits:
        return DecodeLimits(max_bytes=self.max_bytes, max_pixels=self.max_pixels, working_size=self.working_size)
