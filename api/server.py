"""Running the app under uvicorn with a deadline on request headers.

uvicorn's `timeout_keep_alive` only runs between requests, and any byte received stops
it: a client that trickles a request's headers (slowloris), or connects and says nothing,
holds a connection for ever. `HeaderDeadline` closes a connection whose request headers
are not complete `header_timeout` seconds after it opened or after the last response.
The body's deadline is the app's (`api.middleware.BodyGuard`, a 408 in JSON)."""

from __future__ import annotations

import asyncio

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.app import create_app
from provenance.config import Settings


class HeaderDeadline(H11Protocol):
    header_timeout = 10.0
    """Set from the settings: by `http_protocol` (one process) or `app_from_settings`
    (each of `serve --workers N`'s processes, which import this module afresh)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the headers are in
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def http_protocol(settings: Settings) -> type[H11Protocol]:
    """The h11 protocol with the settings' header deadline."""
    return type("HeaderDeadlineProtocol", (HeaderDeadline,), {"header_timeout": settings.header_timeout})


def app_from_settings() -> FastAPI:
    """The app of one of `provenance serve --workers N`'s processes: settings read from the
    environment, the header deadline set from them."""
    settings = Settings()
    HeaderDeadline.header_timeout = settings.header_timeout
    return create_app(settings)


def server_config(app: FastAPI, settings: Settings, host: str, port: int, **options: object) -> uvicorn.Config:
    """How `provenance serve` (and the tests) run the app."""
    return uvicorn.Config(app, host=host, port=port, http=http_protocol(settings), **options)  # type: ignore[arg-type]
