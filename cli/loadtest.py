"""`provenance loadtest`: many desks checking real copies against a running server at once.

Clients are threads, each with its own HTTP connection, each sending the next copy as
soon as the last answer came: throughput is what the server sustains, latency what a
desk waits. Answers are counted by status: `errors` are server failures (5xx) and
requests that got no answer; a 429 (the queue bound, on purpose) and the 4xx of an input
the server rightly refuses (a damaged sample copy: 422) are counted apart. Memory is
sampled from /proc for the process ids given (and their children).
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import httpx
import typer

from cli.output import err, fail, out
from cli.services import load_settings

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".heic", ".avif"}
SAMPLE_SECONDS = 5.0


@dataclass
class Tally:
    """What every client saw; appended under a lock."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: str, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status.startswith("2"):
                self.latencies.append(seconds)


def loadtest(
    url: Annotated[str, typer.Argument(help="The server, e.g. http://127.0.0.1:8000")],
    clients: Annotated[int, typer.Option(min=1, help="Desks checking at once")] = 16,
    duration: Annotated[float, typer.Option(min=1, help="Seconds of load")] = 60,
    batch: Annotated[int, typer.Option(min=0, help="Also send a batch of this many copies when the load starts")] = 0,
    copies: Annotated[Path, typer.Option(help="Folder of copies to check (every image in it, in turn)")] = Path(
        "tests/fixtures/copies"
    ),
    pid: Annotated[
        list[int] | None, typer.Option(help="A server or worker process to sample the memory of (repeatable)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of the table")] = False,
) -> None:
    """Measure throughput, latency (p50/p99), errors by status and memory under load."""
    images = sorted(p for p in copies.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES) if copies.is_dir() else []
    if not images:
        fail(f"no images to send in {copies}")
    payloads = [(p.name, p.read_bytes()) for p in images]
    key = load_settings().api_key
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    pids = pid or []
    memory: dict[int, list[int]] = {p: [] for p in pids}
    tally = Tally()
    load_before = os.getloadavg()
    batch_id = _send_batch(url, headers, payloads, batch) if batch else None
    stop = threading.Event()
    started = time.monotonic()
    deadline = started + duration
    threads = [
        threading.Thread(target=_desk, args=(url, headers, payloads, n, deadline, tally), daemon=True)
        for n in range(clients)
    ]
    sampler = threading.Thread(target=_sample, args=(memory, stop), daemon=True)
    sampler.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    stop.set()
    sampler.join()
    result = _summary(tally, elapsed, clients, load_before, memory)
    if batch_id:
        result["batch"] = _batch_progress(url, headers, batch_id)
    if as_json:
        out.print_json(json.dumps(result))
    else:
        _print(result)


def _desk(
    url: str, headers: dict[str, str], payloads: list[tuple[str, bytes]], n: int, deadline: float, tally: Tally
) -> None:
    with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
        turn = n
        while time.monotonic() < deadline:
            name, data = payloads[turn % len(payloads)]
            turn += 1
            began = time.monotonic()
            try:
                status = str(http.post("/v1/checks", files={"file": (name, data)}).status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            tally.add(status, time.monotonic() - began)


def _send_batch(url: str, headers: dict[str, str], payloads: list[tuple[str, bytes]], size: int) -> str:
    files = [("files", payloads[n % len(payloads)]) for n in range(size)]
    answer = httpx.post(f"{url}/v1/batches", headers=headers, files=files, timeout=300)
    if answer.status_code != 202:
        fail(f"the batch was refused: {answer.status_code} {answer.text[:200]}")
    return str(answer.json()["id"])


def _batch_progress(url: str, headers: dict[str, str], batch_id: str) -> dict[str, object]:
    body = httpx.get(f"{url}/v1/batches/{batch_id}", headers=headers, timeout=60).json()
    return {"id": batch_id, "status": body["status"], "done": body["done"], "total": body["total"]}


def _rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants, in KiB (0 when it is gone)."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _rss_kib(int(child))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return total


def _sample(memory: dict[int, list[int]], stop: threading.Event) -> None:
    while True:
        for pid, samples in memory.items():
            samples.append(_rss_kib(pid))
        if stop.wait(SAMPLE_SECONDS):
            for pid, samples in memory.items():
                samples.append(_rss_kib(pid))
            return


def _summary(
    tally: Tally, elapsed: float, clients: int, load_before: tuple[float, float, float], memory: dict[int, list[int]]
) -> dict[str, object]:
    latencies = sorted(tally.latencies)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) >= 2 else latencies * 99
    ok = len(latencies)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "checks": ok,
        "checks_per_second": round(ok / elapsed, 2),
        "p50_ms": round(cuts[49] * 1000) if cuts else None,
        "p99_ms": round(cuts[98] * 1000) if cuts else None,
        "statuses": dict(tally.statuses),
        "errors": sum(count for status, count in tally.statuses.items() if status[0] not in "24"),
        "refused_429": tally.statuses.get("429", 0),
        "inputs_refused_4xx": sum(
            count for status, count in tally.statuses.items() if status[0] == "4" and status != "429"
        ),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "rss_mib": {
            str(pid): {
                "start": round(s[0] / 1024),
                "end": round(s[-1] / 1024),
                "max": round(max(s) / 1024),
                "per_minute": [round(kib / 1024) for kib in s[:: round(60 / SAMPLE_SECONDS)]],
            }
            for pid, s in memory.items()
            if s
        },
    }


def _print(result: dict[str, object]) -> None:
    for name, value in result.items():
        out.print(f"{name:22} {value}")
    if result["errors"]:
        err.print("some requests failed (5xx or no answer): see statuses")
