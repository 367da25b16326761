"""`provenance serve`: the HTTP API and the photo-desk page."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import err, fail
from cli.services import load_settings, opened_services

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Local demo: no API keys asked. Only on a loopback address.")
    ] = False,
) -> None:
    """Serve the HTTP API and the photo-desk page (http://HOST:PORT/)."""
    import uvicorn

    from api import create_app
    from api.server import server_config

    if no_auth and host not in LOOPBACK_HOSTS:
        fail(f"--no-auth lets anyone in: allowed on {', '.join(LOOPBACK_HOSTS)} only, not {host}")
    settings = load_settings()
    if not no_auth:
        with opened_services() as services:
            if not any(key.revoked_at is None for key in services.keys.list()):
                err.print("No API key yet: create one with `provenance keys create NAME --scope check`.")
    app = create_app(settings, require_auth=not no_auth)
    uvicorn.Server(server_config(app, settings, host, port)).run()
