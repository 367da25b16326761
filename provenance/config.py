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

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'provenance.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.home / "originals"

    @property
    def working_copy_dir(self) -> Path:
        """Working copies (lossless PNG) of originals costly to decode, by SHA-256."""
        return self.home / "working"

    @property
    def preview_dir(self) -> Path:
        """Preview JPEGs of the originals (at most 480 px), by SHA-256, made at ingest."""
        return self.home / "previews"

    @property
    def evidence_dir(self) -> Path:
        return self.home / "evidence"

    @property
    def spool_dir(self) -> Path:
        """Uploaded batch files waiting to be checked; kept until checked, so a restart resumes."""
        return self.home / "spool"

    @property
    def decode_limits(self) -> DecodeLimits:
        return DecodeLimits(
            max_bytes=self.max_bytes,
            max_pixels=self.max_pixels,
            max_full_decode_pixels=self.max_full_decode_pixels,
            working_size=self.working_size,
        )
