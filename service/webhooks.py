"""Signed callbacks: how a receiver knows a webhook came from this server, unaltered.

The signature is HMAC-SHA256, keyed with `PROVENANCE_WEBHOOK_SECRET`, over
`"<timestamp>." + body` (the raw request body bytes). It travels as
`X-Provenance-Signature: sha256=<hex>`, the Unix timestamp as
`X-Provenance-Timestamp`; signing the timestamp lets a receiver refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

import httpx

SIGNATURE_HEADER = "X-Provenance-Signature"
TIMESTAMP_HEADER = "X-Provenance-Timestamp"
EVENT_HEADER = "X-Provenance-Event"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str, body: bytes, signature: str | None, timestamp: str | None, now: float | None = None
) -> bool:
    """True when the signature matches and the timestamp is within five minutes.
    What a receiver runs on every callback before trusting it."""
    if not signature or not timestamp or not timestamp.isdigit():
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    error: str | None = None


def deliver(url: str, event: str, payload: dict, secret: str, attempts: int = 3, backoff: float = 2.0) -> Delivery:
    """POST the payload, signed; retried on network errors and 5xx answers."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    error = None
    for attempt in range(attempts):
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: event,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        }
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=10.0)
        except httpx.HTTPError as exc:
            error = f"{exc.__class__.__name__}: {exc}"
        else:
            if response.is_success:
                return Delivery(True)
            error = f"the receiver answered {response.status_code}"
            if response.status_code < 500:
                break
        if attempt + 1 < attempts:
            time.sleep(backoff * 2**attempt)
    return Delivery(False, error)
