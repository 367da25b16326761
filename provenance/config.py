"""Settings, read once from `PROVENANCE_*` environment variables; nothing else reads the environment."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    callback_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Hosts, addresses or CIDR networks callbacks may reach although they are not public
    (loopback, private, link-local...): comma-separated, e.g. `127.0.0.1,10.0.0.0/8,cms.internal`."""
    callback_timeout: float = Field(default=10.0, gt=0)
    """Wall-clock seconds for one callback attempt, whatever the receiver does."""
    callback_max_response_bytes: int = Field(default=4096, ge=0)
    """Most bytes of a receiver's answer read (the rest is dropped with the connection)."""
    header_timeout: float = Field(default=10.0, gt=0)
    """Seconds a client has to send a request's headers (slow-header clients are cut off)."""
    body_timeout: float = Field(default=120.0, gt=0)
    """Seconds a client has to send a request's body, from its headers on (then 408)."""
    max_concurrent_checks: int = Field(default=4, ge=1)
    """Checks and ingests run at once in this process; more answer 429 with Retry-After."""
    max_concurrent_checks_per_key: int = Field(default=2, ge=1)
    """The same, for one API key."""
    rate_limit_per_minute: int = Field(default=600, ge=0)
    """Requests one API key may make per minute (a token bucket of that size); 0: no limit."""

    @field_validator("callback_allow", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """`a,b` or a JSON list, from the environment; an entry with a `/` must be a network."""
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else [p.strip() for p in text.split(",") if p.strip()]
        for entry in value if isinstance(value, list) else []:
            if "/" in str(entry):
                ipaddress.ip_network(str(entry), strict=False)  # a ValueError names the bad entry
        return value

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
