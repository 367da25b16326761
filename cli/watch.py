"""`provenance watch`: ingest originals as an agency feed drops them into a folder."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from cli.output import JsonOption, err, fail, print_json_line
from cli.services import opened_services
from service.feeds import FeedEvent, FolderFeed, Journal, journal_path


def watch(
    folder: Annotated[Path, typer.Argument(help="The drop folder (watched recursively).")],
    source: Annotated[str | None, typer.Option(help="Agency of this feed, e.g. AFP (overrides sidecars).")] = None,
    settle: Annotated[
        float, typer.Option(min=0.0, help="Seconds a file must keep its size and time before it is read.")
    ] = 2.0,
    poll: Annotated[
        bool, typer.Option(help="Poll the folder instead of kernel events (network mounts: NFS, SMB).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Ingest every original that lands in FOLDER, once, when it is completely written.

    Runs until interrupted (Ctrl-C or SIGTERM). Files that arrived while it was stopped
    are taken when it starts again; files already taken are not read again. Sidecars
    (`photo.jpg.json`) are read as by `provenance ingest`.
    """
    if not folder.is_dir():
        fail(f"{folder} is not a folder")
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    def report(event: FeedEvent) -> None:
        if as_json:
            print_json_line(event.__dict__)
        elif event.status in ("added", "exists"):
            err.print(f"{event.status:>6} {event.path} -> reference {event.reference_id}", highlight=False)
        else:
            err.print(f"[red]{event.status:>6}[/] {event.path}: {event.error}", highlight=False)

    with opened_services() as services:
        journal = Journal(journal_path(services.settings.home, folder))
        feed = FolderFeed(services.ingest, folder, journal, source=source, settle=settle, poll=poll)
        err.print(f"Watching {folder} (settle {settle:g} s); Ctrl-C stops.", highlight=False)
        feed.run(report, stop)
    err.print("Stopped.", highlight=False)
