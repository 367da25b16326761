"""`provenance bench-scale`: the look-ups of a check inside a library of up to a million
originals, timed on this machine, with the right-reference rate of real queries. The
padding is made of real fingerprints without decoding a million images
(`provenance.evaluation.padding`).

The queries are the query photographs' crops, mirrors, framings and composites; each is
looked up as a check looks up: every rotation and mirror in every hash index, then the
feature index (two stages). A query is found when its original is among the candidates a
check would verify.
"""

from __future__ import annotations

import io
import resource
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from hashes import ALGORITHMS, SEARCHED, Fingerprints, fingerprint
from provenance.check.candidates import CANDIDATE_LIMIT, FEATURE_CANDIDATE_LIMIT, MIN_VOTES, hash_variants
from provenance.evaluation.hash_bench import Timing
from provenance.evaluation.padding import Padding, donor_crops
from provenance.evaluation.variants import add_borders, composite, crop_fraction, encode, resized
from provenance.library.index import FeatureIndex, HammingIndex


@dataclass(frozen=True)
class Query:
    name: str
    original_id: int
    fingerprints: Fingerprints


def run_scale_bench(
    query_files: list[Path], donor_files: list[Path], size: int, workdir: Path, seed: int = 0
) -> tuple[list[Timing], list[tuple[str, bool]]]:
    """Figures at `size` padding originals, and (query, found) for each real query."""
    rng = np.random.default_rng(seed)
    figures: list[Timing] = []
    real: dict[int, Fingerprints] = {}
    padding: Padding | None = None

    def full_descriptors(ids: Sequence[int]) -> dict[int, np.ndarray]:
        found = {rid: real[rid].keypoints.descriptors for rid in ids if rid in real}
        return found | (padding.full_descriptors(ids) if padding else {})

    features = FeatureIndex(full_descriptors)
    hashes = {name: HammingIndex(a.bits) for name, a in ALGORITHMS.items()}
    padding = Padding(donor_crops(donor_files, features, rng), seed)

    started = time.perf_counter()
    padding.fill(features, hashes, size)
    figures.append(Timing(f"pad {size:,} originals into the indexes", time.perf_counter() - started, "s"))

    for number, path in enumerate(query_files, start=1):
        real[number] = fingerprint(path.read_bytes())
        for name, index in hashes.items():
            index.add(number, real[number].hashes[name])
        started = time.perf_counter()
        features.add(number, real[number].keypoints)
    figures.append(Timing("one ingest's feature index update", 1000 * (time.perf_counter() - started), "ms"))
    started = time.perf_counter()
    features.remove_many([len(real)])
    figures.append(Timing("one delete's feature index update", 1000 * (time.perf_counter() - started), "ms"))
    features.add(len(real), real[len(real)].keypoints)
    figures.append(Timing("peak RSS after padding", _peak_rss_gb(), "GB"))

    saved = workdir / "features"
    started = time.perf_counter()
    features.save(saved)
    figures.append(Timing("save the feature index", time.perf_counter() - started, "s"))
    figures.append(Timing("feature index on disk", _size_gb(saved), "GB"))
    del features
    started = time.perf_counter()
    features = FeatureIndex.load(saved, full_descriptors)
    figures.append(Timing("open the saved feature index (as a new process does)", time.perf_counter() - started, "s"))
    shutil.rmtree(saved)

    queries = _queries(query_files, real, rng)
    hash_ms, feature_ms, outcomes = [], [], []
    for query in queries:
        image = query.fingerprints.image
        variants = hash_variants(image, None)
        started = time.perf_counter()
        by_hash: list[int] = []
        for algorithm in SEARCHED:
            assert algorithm.candidate_distance is not None
            hits = hashes[algorithm.name].search(
                variants[algorithm.name], algorithm.candidate_distance, CANDIDATE_LIMIT
            )
            by_hash += [hit.reference_id for hit in hits]
        hash_ms.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        votes = features.vote(query.fingerprints.keypoints.descriptors, FEATURE_CANDIDATE_LIMIT, MIN_VOTES)
        feature_ms.append(1000 * (time.perf_counter() - started))
        outcomes.append((query.name, query.original_id in by_hash or query.original_id in [r for r, _ in votes]))
    figures += _percentiles("hash look-up, every rotation and mirror in every searched hash", hash_ms)
    figures += _percentiles("feature look-up (shortlist + re-rank)", feature_ms)
    figures.append(Timing("peak RSS", _peak_rss_gb(), "GB"))
    return figures, outcomes


def _queries(files: list[Path], real: dict[int, Fingerprints], rng: np.random.Generator) -> list[Query]:
    """Per photograph: a quarter and a half crop, a mirror, a framed copy, a half-size
    q70 copy, and a composite with the next photograph (found when either is)."""
    images = [Image.open(io.BytesIO(p.read_bytes())).convert("RGB") for p in files]
    edits: list[tuple[str, Callable[[Image.Image, Image.Image], Image.Image]]] = [
        ("crop 25%", lambda im, _: crop_fraction(im, 0.25, rng, centred=False)),
        ("crop 50%", lambda im, _: crop_fraction(im, 0.5, rng, centred=False)),
        ("mirror", lambda im, _: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
        ("framed", lambda im, _: add_borders(im, 0.12, "white")),
        ("half size q70", lambda im, _: resized(im, 0.5)),
        ("composite", lambda im, other: composite(im, other, rng)[0]),
    ]
    queries = []
    for number, (path, image) in enumerate(zip(files, images, strict=True), start=1):
        other = images[number % len(images)]
        for name, edit in edits:
            data = encode(edit(image, other), quality=70)
            queries.append(Query(f"{path.name} {name}", number, fingerprint(data)))
    assert all(q.original_id in real for q in queries)
    return queries


def _percentiles(name: str, values: list[float]) -> list[Timing]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return [Timing(f"{name}, p50", statistics.median(values), "ms"), Timing(f"{name}, p99", p99, "ms")]


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _size_gb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1024**3
