"""Signed callbacks: how a receiver knows a webhook came from this server, unaltered,
and how the server keeps a hostile receiver from hurting it.

The signature is HMAC-SHA256, keyed with `PROVENANCE_WEBHOOK_SECRET`, over
`"<timestamp>." + body` (the raw request body bytes). It travels as
`X-Provenance-Signature: sha256=<hex>`, the Unix timestamp as
`X-Provenance-Timestamp`; signing the timestamp lets a receiver refuse replays.

Delivery is defensive, because the callback URL is chosen by a caller: each attempt has
one wall-clock deadline (a receiver trickling bytes cannot hold it longer), at most a
few KB of the answer are read, the target's addresses are checked after DNS resolution
(loopback, private, link-local, multicast, unspecified and reserved ones are refused
unless allowed) and the connection goes to the address that was checked (no DNS
rebinding between check and connect); redirects are followed by hand (307/308 only) and
checked the same way. The caller only ever sees a generic code, never the receiver's
words. `CallbackSender` runs deliveries on threads of their own, off the batch worker.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from provenance.config import Settings

SIGNATURE_HEADER = "X-Provenance-Signature"
TIMESTAMP_HEADER = "X-Provenance-Timestamp"
EVENT_HEADER = "X-Provenance-Event"
TOLERANCE_SECONDS = 300
REDIRECTS = (307, 308)
"""The redirects that keep the method and body; any other 3xx is a receiver error."""

FailureCode = Literal["refused_address", "timeout", "unreachable", "receiver_error", "too_many_redirects"]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
log = logging.getLogger(__name__)


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


def is_callback_url(url: str) -> bool:
    """An http(s) URL with a host (and a valid port), at most 2048 characters."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and len(url) <= 2048


def redact_url(url: str) -> str:
    """The URL without what may be a credential: user and password, and query values."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    if "@" in parts.netloc:
        netloc = f"***@{netloc}"
    query = urlencode([(name, "***") for name, _ in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


@dataclass(frozen=True)
class CallbackPolicy:
    timeout: float = 10.0
    """Wall-clock seconds for one attempt: resolution, connection, redirects, answer."""
    max_response_bytes: int = 4096
    allow: tuple[str, ...] = ()
    """Hosts (exact names), addresses or CIDR networks a callback may reach although
    they are not public (e.g. a receiver on 127.0.0.1 or in the same private network)."""
    attempts: int = 3
    backoff: float = 2.0
    max_redirects: int = 3

    @classmethod
    def from_settings(cls, settings: Settings, attempts: int = 3, backoff: float = 2.0) -> CallbackPolicy:
        """The deadline, answer limit and allow-list the settings give (`PROVENANCE_CALLBACK_*`)."""
        return cls(
            timeout=settings.callback_timeout,
            max_response_bytes=settings.callback_max_response_bytes,
            allow=tuple(settings.callback_allow),
            attempts=attempts,
            backoff=backoff,
        )

    def allowed_networks(self) -> list[IpNetwork]:
        networks = []
        for entry in self.allow:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                continue  # a host name
        return networks

    def allowed_hosts(self) -> set[str]:
        return {entry.lower().rstrip(".") for entry in self.allow}


def is_public(address: IpAddress) -> bool:
    """Globally routable unicast: what a callback may reach without being allowed."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


class Refused(Exception):
    """The target resolves to an address callbacks may not reach."""


def permitted(addresses: Iterable[IpAddress], host: str, policy: CallbackPolicy) -> bool:
    """Every address must be public or allowed (a name that resolves to a public and a
    private address is refused: the private one could be the one used)."""
    if host.lower().rstrip(".") in policy.allowed_hosts():
        return True
    networks = policy.allowed_networks()
    return all(is_public(a) or any(a in network for network in networks) for a in addresses)


async def resolve(host: str, port: int, policy: CallbackPolicy) -> str:
    """The address to connect to, checked; raises Refused, or OSError when it does not resolve."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
    if not found or not permitted([ipaddress.ip_address(a) for a in found], host, policy):
        raise Refused(host)
    return found[0]


@dataclass(frozen=True)
class Answer:
    status: int
    location: str | None


async def post_pinned(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], policy: CallbackPolicy
) -> Answer:
    """POST to the checked address of the URL's host (Host header and TLS name kept), and
    read at most `max_response_bytes` of the answer."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = await resolve(parts.hostname, port, policy)
    pinned_host = f"[{address}]" if ":" in address else address
    pinned = urlunsplit((parts.scheme, f"{pinned_host}:{port}", parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rpartition("@")[2]
    auth = httpx.BasicAuth(unquote(parts.username), unquote(parts.password or "")) if parts.username else None
    request = client.build_request(
        "POST", pinned, content=body, headers={**headers, "Host": host_header},
        extensions={"sni_hostname": parts.hostname},
    )
    response = await client.send(request, auth=auth, stream=True)
    try:
        received = 0
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received >= policy.max_response_bytes:
                break
    finally:
        await response.aclose()
    return Answer(response.status_code, response.headers.get("location"))


class TooManyRedirects(Exception):
    pass


async def attempt(url: str, body: bytes, headers: dict[str, str], policy: CallbackPolicy) -> int:
    """One delivery, redirects included: the receiver's final status."""
    async with httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=policy.timeout) as client:
        for _ in range(policy.max_redirects + 1):
            answer = await post_pinned(client, url, body, headers, policy)
            if answer.status not in REDIRECTS or not answer.location:
                return answer.status
            url = urljoin(url, answer.location)
    raise TooManyRedirects(url)


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    error: FailureCode | None = None
    """A generic code for the caller; the details are in the server's log."""

    @property
    def status(self) -> Literal["delivered", "failed"]:
        return "delivered" if self.delivered else "failed"


def deliver(
    url: str, event: str, payload: dict, secret: str, policy: CallbackPolicy | None = None,
    stopping: threading.Event | None = None,
) -> Delivery:
    """POST the payload, signed; retried on network errors, timeouts and 5xx answers,
    never on a refused address, a 4xx or a redirect loop. `stopping` ends the retries."""
    policy = policy or CallbackPolicy()
    stopping = stopping or threading.Event()
    body = json.dumps(payload, ensure_ascii=False).encode()
    error: FailureCode = "unreachable"
    for number in range(policy.attempts):
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: event,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        }
        retry = True
        try:
            status = asyncio.run(asyncio.wait_for(attempt(url, body, headers, policy), policy.timeout))
        except TimeoutError:
            error = "timeout"
        except (Refused, ValueError):  # ValueError: a URL (or a redirect's) that cannot be parsed
            error, retry = "refused_address", False
        except TooManyRedirects:
            error, retry = "too_many_redirects", False
        except (httpx.HTTPError, OSError) as exc:
            log.warning("callback to %s failed: %s", redact_url(url), exc.__class__.__name__)
            error = "unreachable"
        else:
            if 200 <= status < 300:
                return Delivery(True)
            log.warning("callback receiver %s answered %s", redact_url(url), status)
            error, retry = "receiver_error", status >= 500
        if not retry or number + 1 == policy.attempts or stopping.wait(policy.backoff * 2**number):
            break
    return Delivery(False, error)


class CallbackSender:
    """Delivers callbacks on threads of their own, so that a slow receiver never delays
    the next batch. `done` receives each delivery's outcome (to record it)."""

    def __init__(self, policy: CallbackPolicy, secret: str, workers: int = 2) -> None:
        self.policy = policy
        self.secret = secret
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="provenance-callback")
        self._stopping = threading.Event()

    def send(self, url: str, event: str, payload: dict, done: Callable[[Delivery], None]) -> None:
        def run() -> None:
            delivery = deliver(url, event, payload, self.secret, self.policy, self._stopping)
            if delivery.delivered or not self._stopping.is_set():
                done(delivery)

        try:
            self._executor.submit(run)
        except RuntimeError:
            if not self._stopping.is_set():
                raise

    def close(self) -> None:
        """No new attempt; the one under way ends within its deadline. An undelivered
        callback stays pending and is sent again at the next start."""
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)
