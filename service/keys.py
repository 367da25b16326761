"""API keys with scopes: created, listed and revoked by the CLI, verified by the API.

A key is shown once, when it is created; the store keeps only its SHA-256. Keys are
long random secrets, so a plain (unsalted) hash is enough and lookups stay one
indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from provenance.errors import InvalidInput
from provenance.store import ApiKey, get_or_raise

Scope = Literal["check", "ingest", "admin"]
SCOPES: tuple[str, ...] = get_args(Scope)
KEY_PREFIX = "prv_"


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str
    """The only time the secret exists in clear."""


@dataclass(frozen=True)
class Viewer:
    """Who reads stored checks and batches: each API key sees what it made; admin keys,
    and callers without keys (the CLI, demo mode), see everything."""

    key_id: int | None = None
    admin: bool = False

    @property
    def sees_all(self) -> bool:
        return self.key_id is None or self.admin

    def sees(self, owner_key_id: int | None) -> bool:
        return self.sees_all or owner_key_id == self.key_id


EVERYONE = Viewer()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def grants(scopes: list[str], wanted: Scope) -> bool:
    """`admin` can do everything; other scopes grant only themselves."""
    return wanted in scopes or "admin" in scopes


class KeyStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def create(self, name: str, scopes: list[str]) -> CreatedKey:
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise InvalidInput(f"scopes must be among {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}")
        if not name.strip():
            raise InvalidInput("a key needs a name (who or what uses it)")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(name=name.strip(), prefix=secret[:10], key_hash=hash_secret(secret), scopes=sorted(set(scopes)))
        with self.sessions.begin() as session:
            session.add(key)
        return CreatedKey(key, secret)

    def list(self) -> list[ApiKey]:
        with self.sessions() as session:
            return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))

    def revoke(self, key_id: int) -> ApiKey:
        with self.sessions.begin() as session:
            key = get_or_raise(session, ApiKey, key_id, "API key")
            if key.revoked_at is None:
                key.revoked_at = datetime.now(UTC)
        return key

    def verify(self, secret: str) -> ApiKey | None:
        """The active key with this secret, or None (unknown or revoked)."""
        with self.sessions() as session:
            key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_secret(secret)))
        if key is None or key.revoked_at is not None:
            return None
        return key
