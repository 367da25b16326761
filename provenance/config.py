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
    migrate_on_start: bool = True
    """Bring the database to the newest migration when a process opens it. Turn it off
    where the operator runs `provenance db upgrade` (docker/compose.yaml does, once)."""
    blob_url: str | None = None
    """Where originals, evidence pictures and the batch spool live: a folder path (shared
    by every worker, e.g. a network mount) or `s3://bucket/prefix`; defaults to `home`."""
    s3_endpoint_url: str | None = None
    """An S3-compatible server (MinIO, Ceph...) instead of AWS's."""
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    """With the secret below; when unset, boto3's own chain (AWS_* variables, instance roles)."""
    s3_secret_access_key: str | None = None
    max_bytes: int = 64 * 2**20
    max_pixels: int = 120_000_000
    """Largest image accepted; JPEG decodes reduced, so it may go up to this (hashes.decode)."""
    max_full_decode_pixels: int = 50_000_000
    """Largest PNG, WebP, TIFF, GIF, HEIF or AVIF: they decode at full size (hashes.decode)."""
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
    watch_days: float = 7.0
    """Checks that found no original are checked again against originals ingested this many
    days after them (0: no watchlist)."""
    watch_callback_url: str | None = None
    """Receiver of `watch.matched` events (signed like batch callbacks with `webhook_secret`)."""
    signing_cert: Path | None = None
    """PEM certificate chain (signer first) the newsroom signs evidence pictures with (C2PA)."""
    signing_key: Path | None = None
    """PEM private key of `signing_cert`; evidence pictures are signed when both are set."""
    c2pa_trust_anchors: Path | None = None
    """PEM root certificates the newsroom trusts: their signers read `valid`, not `valid_untrusted_signer`."""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'provenance.db'}"

    @property
    def blob_root(self) -> Path:
        """The folder of the blob areas when blobs are files: `blob_url`'s path, or `home`."""
        if self.blob_url and not self.blob_url.startswith("s3://"):
            return Path(self.blob_url.removeprefix("file://"))
        return self.home

    @property
    def decode_limits(self) -> DecodeLimits:
        return DecodeLimits(
            max_bytes=self.max_bytes,
            max_pixels=self.max_pixels,
            max_full_decode_pixels=self.max_full_decode_pixels,
            working_size=self.working_size,
        )
