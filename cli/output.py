"""What every command shares on the terminal: the consoles, exit codes, errors, progress, JSON lines.

Exit codes: 0 all inputs processed, 1 some inputs could not be processed, 2 bad usage or setup.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

out = Console(width=shutil.get_terminal_size((160, 40)).columns)
"""Rich assumes 80 columns when stdout is not a terminal; reports read better wider."""
err = Console(stderr=True)

EXIT_PARTIAL = 1
EXIT_USAGE = 2

JsonOption = Annotated[bool, typer.Option("--json", help="JSON Lines on stdout, one object per input.")]


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def progress(total: int, label: str, enabled: bool) -> Iterator[Callable[[], None]]:
    """A bar on stderr when it is a terminal; yields the function that advances it."""
    if not (enabled and err.is_terminal):
        yield lambda: None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


def print_json_line(data: BaseModel | dict[str, Any]) -> None:
    """One JSON object per line, unwrapped, straight to stdout (machines read this)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
