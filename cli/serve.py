"""`provenance serve`: the HTTP API and the photo-desk page."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import err, fail
from cli.services import load_settings, opened_services
from provenance.signing import SigningError
from service.startup import evidence_signer

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Local demo: no API keys asked. Only on a loopback address.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes (each with its own view of the library, kept in step through the store). "
            "Checks run in them, or in `provenance worker` processes when PROVENANCE_BROKER_URL is set.",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API and the photo-desk page (http://HOST:PORT/)."""
    import uvicorn

    from api import create_app

    if no_auth and host not in LOOPBACK_HOSTS:
        fail(f"--no-auth lets anyone in: allowed on {', '.join(LOOPBACK_HOSTS)} only, not {host}")
    if no_auth and workers > 1:
        fail("--no-auth is the one-process local demo: leave out --workers")
    settings = load_settings()
    try:
        evidence_signer(settings)  # a bad signing key stops here, not in the server's start-up
    except SigningError as exc:
        fail(str(exc))
    if not no_auth:
        with opened_services() as services:
            if not any(key.revoked_at is None for key in services.keys.list()):
                err.print("No API key yet: create one with `provenance keys create NAME --scope check`.")
    if workers > 1:
        # Each process builds its own app from the same PROVENANCE_* settings.
        uvicorn.run("api.app:create_app", factory=True, workers=workers, host=host, port=port)
    else:
        uvicorn.run(create_app(settings, require_auth=not no_auth), host=host, port=port)
