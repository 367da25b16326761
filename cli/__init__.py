"""The `provenance` command line: an adapter over the service layer, one module per command group."""

from cli.app import app, main

__all__ = ["app", "main"]
