"""`provenance bench-hashes`: the hash side of a library of millions, timed on this
machine: importing hash records, a new process's first look-up, one change reaching
another process, and the look-up of every rotation and mirror of a check.

The library is synthetic on purpose (random codes are what unrelated photographs look
like to a perceptual hash); planted near-copies check that the look-up stays exact.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hashes import ALGORITHMS, SEARCHED
from provenance.check.candidates import hash_candidates
from provenance.config import Settings
from provenance.library.hash_records import parse_lines
from provenance.library.library import Library

QUERY_CODES = 16
"""A check's codes per hash: the 8 rotations and mirrors, of the image and of its framed part."""
PLANTED_FLIPS = 24
"""Bits of PDQ flipped between a planted original and its query: a recompressed, resized copy."""


@dataclass(frozen=True)
class Timing:
    name: str
    value: float
    unit: str
    cpu_seconds: float | None = None
    """This process's CPU time for the step: the machine may be shared, the wall clock then misleads."""


def run_hash_bench(home: Path, size: int, queries: int, seed: int = 0) -> tuple[list[Timing], int]:
    """Timings at `size` hash-only originals, and how many of the planted copies the look-up missed."""
    rng = np.random.default_rng(seed)
    records = home / "records.jsonl"
    codes = {name: rng.integers(0, 256, (size, a.bits // 8), dtype=np.uint8) for name, a in ALGORITHMS.items()}
    with records.open("w") as handle:
        handle.writelines(_lines(codes, size))
    timings: list[Timing] = []
    settings = Settings(home=home / "library")

    library = Library(settings)
    started, cpu = time.perf_counter(), time.process_time()
    with records.open() as handle:
        summary = library.import_hashes(parse_lines(handle), records.name)
    elapsed = time.perf_counter() - started
    timings.append(Timing(f"import {summary.imported} hash records", elapsed, "s", time.process_time() - cpu))
    library.close()

    started, cpu = time.perf_counter(), time.process_time()
    server = Library(settings)
    server.hash_neighbours("pdq", [bytes(32)], 0, 1)
    elapsed = time.perf_counter() - started
    loaded = "new process: open the library, load the hash indexes"
    timings.append(Timing(loaded, elapsed, "s", time.process_time() - cpu))

    planted = rng.choice(size, queries, replace=False)
    variants = [_check_codes(rng, codes, int(row)) for row in planted]
    pdq_ms = _times(lambda v: server.hash_neighbours("pdq", v["pdq"], _radius("pdq"), 5), variants)
    timings.append(Timing(f"PDQ look-up, {QUERY_CODES} codes in one call, p50", statistics.median(pdq_ms), "ms"))
    timings.append(Timing("PDQ look-up, p95", _p95(pdq_ms), "ms"))
    all_ms = _times(lambda v: hash_candidates(server, v), variants)
    timings.append(Timing("every searched hash + distances of the candidates, p50", statistics.median(all_ms), "ms"))
    missed = sum(
        int(row) + 1 not in server.hash_neighbours("pdq", v["pdq"], _radius("pdq"), 5)
        for row, v in zip(planted, variants, strict=True)
    )

    first = {name: c[:1] for name, c in codes.items()}
    started = time.perf_counter()
    server.import_hashes(parse_lines(_lines(first, 1, prefix="here")), "here.jsonl")
    timings.append(Timing("one hash-only ingest, stored and indexed", 1000 * (time.perf_counter() - started), "ms"))
    writer = Library(settings)
    writer.import_hashes(parse_lines(_lines(first, 1, prefix="elsewhere")), "elsewhere.jsonl")
    started = time.perf_counter()
    server.indexes.refresh(force=True)
    timings.append(Timing("an ingest elsewhere applied by this process", 1000 * (time.perf_counter() - started), "ms"))
    writer.close()
    server.close()
    return timings, missed


def _lines(codes: dict[str, np.ndarray], size: int, prefix: str = "X") -> Iterator[str]:
    hexes = {name: [bytes(row).hex() for row in block] for name, block in codes.items()}
    for i in range(size):
        record = {"external_id": f"{prefix}{i}", "source": "BENCH", **{name: h[i] for name, h in hexes.items()}}
        yield json.dumps(record) + "\n"


def _check_codes(rng: np.random.Generator, codes: dict[str, np.ndarray], row: int) -> dict[str, list[bytes]]:
    """A check's codes for a copy of original `row`: the PDQ of one variant is the original's
    with PLANTED_FLIPS bits flipped, every other code is random (other orientations)."""
    variants: dict[str, list[bytes]] = {}
    for name, a in ALGORITHMS.items():
        block = rng.integers(0, 256, (QUERY_CODES, a.bits // 8), dtype=np.uint8)
        if name == "pdq":
            bits = np.unpackbits(codes[name][row])
            bits[rng.choice(a.bits, PLANTED_FLIPS, replace=False)] ^= 1
            block[0] = np.packbits(bits)
        variants[name] = [bytes(code) for code in block]
    return variants


def _radius(name: str) -> int:
    radius = next(a.candidate_distance for a in SEARCHED if a.name == name)
    assert radius is not None
    return radius


def _times(step: Callable[[dict[str, list[bytes]]], object], variants: list[dict[str, list[bytes]]]) -> list[float]:
    step(variants[0])
    times = []
    for v in variants:
        started = time.perf_counter()
        step(v)
        times.append(1000 * (time.perf_counter() - started))
    return times


def _p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(0.95 * len(values)))]
