"""The FastAPI app: a thin adapter from HTTP to the services the CLI uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from api import errors
from api.limits import Limits
from api.middleware import BodyGuard, Gate, JsonServerError, SecurityHeaders
from api.routes import batches, checks, decisions, events, health, lineage, pages, references, reports
from api.schemas import forms_without_null
from provenance import __version__
from provenance.config import Settings
from service.checks import evidence_path
from service.startup import open_services
from service.tasks import TaskQueue

DESCRIPTION = """Find the agency original of a photograph, say how a copy differs, show the evidence.

Send an API key as `Authorization: Bearer <key>` (`provenance keys create`). Scopes:
`check` (checks, batches, reading the library), `ingest` (adding originals), `admin` (everything,
including deletes). Every error is `{"error": {"code": ..., "message": ...}}`."""


def create_app(settings: Settings | None = None, require_auth: bool = True, callback_backoff: float = 2.0) -> FastAPI:
    """`require_auth=False` is the local demo mode; `provenance serve --no-auth` allows it
    on a loopback address only."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = open_services(settings)
        app.state.task_queue = TaskQueue(settings) if settings.broker_url else None
        app.state.batches = app.state.services.start_batches(evidence_path, callback_backoff, app.state.task_queue)
        try:
            yield
        finally:
            app.state.batches.close()
            if app.state.task_queue is not None:
                app.state.task_queue.close()
            app.state.services.close()

    app = FastAPIOffline(
        title="provenance",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        form_limits={"max_files": settings.max_batch_files, "max_fields": 50},
    )
    app.state.require_auth = require_auth
    generated = app.openapi
    app.openapi = lambda: forms_without_null(generated())  # type: ignore[method-assign]
    errors.install(app)
    modules = (health, checks, decisions, reports, events, references, lineage, batches, pages)
    routers = [module.router for module in modules]
    for router in routers:
        app.include_router(router)
    # Our routes as declared: the gate reads their scopes, a 405 names their methods.
    app.state.routes = [route for router in routers for route in router.routes]
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    # The last added runs first: headers on every answer, then a JSON 500 for any failure,
    # then the key, scope and limits, then the body's size and time.
    app.add_middleware(BodyGuard, max_bytes=settings.max_request_bytes, timeout=settings.body_timeout)
    app.add_middleware(Gate, limits=Limits(settings))
    app.add_middleware(JsonServerError)
    app.add_middleware(SecurityHeaders)
    return app
