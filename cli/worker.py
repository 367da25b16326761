"""`provenance worker`: a task worker that runs checks and batch items sent by `provenance serve`."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from cli.output import fail
from cli.services import load_settings
from service.checks import evidence_path
from service.tasks import QUEUES, worker_app


def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, help="Checks run at once. 1 runs them in this process; more forks children.")
    ] = 1,
    queues: Annotated[
        str,
        typer.Option(
            help="Queues to serve, read in this order: interactive (desk checks), batch (batch files). "
            "A worker on both takes a waiting check before the next batch file."
        ),
    ] = ",".join(QUEUES),
    name: Annotated[str | None, typer.Option(help="Worker name (default: a unique one on this host)")] = None,
    max_tasks_per_child: Annotated[
        int, typer.Option(min=0, help="With --concurrency > 1: replace a child after this many tasks (0: never)")
    ] = 0,
) -> None:
    """Serve the task queues of a broker (PROVENANCE_BROKER_URL, a Redis URL): run `provenance
    serve` with the same settings, and as many workers as the machine holds."""
    settings = load_settings()
    if not settings.broker_url:
        fail("no broker: set PROVENANCE_BROKER_URL (e.g. redis://127.0.0.1:6379/0) here and for `provenance serve`")
    chosen = [queue.strip() for queue in queues.split(",") if queue.strip()]
    unknown = sorted(set(chosen) - set(QUEUES))
    if not chosen or unknown:
        fail(f"unknown queue {', '.join(unknown) or '(none)'}: choose from {', '.join(QUEUES)}")
    argv = [
        "worker",
        f"--queues={','.join(chosen)}",
        f"--concurrency={concurrency}",
        f"--pool={'solo' if concurrency == 1 else 'prefork'}",
        f"--hostname={name or f'provenance-{os.getpid()}@{socket.gethostname()}'}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    if max_tasks_per_child:
        argv.append(f"--max-tasks-per-child={max_tasks_per_child}")
    worker_app(settings, evidence_path).worker_main(argv)
