"""`provenance eval`: ingest originals into a throwaway library, check edited copies
with known ground truth through the same code path as `provenance check`, and score.

A seeded share of the originals is held out of the library: they are the
distractors (must come back `unknown`) and the donors of pasted regions (so a paste is
an alteration, not a composite of two library photographs).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache, partial
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from provenance.check.library_view import LibraryView
from provenance.check.pipeline import check_bytes
from provenance.config import Settings
from provenance.errors import ProvenanceError
from provenance.evaluation import same_scene
from provenance.evaluation import variants as v
from provenance.evaluation.forensics import ForensicsEval
from provenance.evaluation.padding import PaddedLibrary
from provenance.folders import iter_files
from provenance.library.library import Library, ReferenceDetails
from provenance.report import CheckReport

HELD_OUT_SHARE = 0.15
BENIGN_GROUPS = ("reencode", "resize", "crop", "mirror", "rotate", "colour", "framing", "combined")
ALTERED_GROUPS = ("paste", "copy_move", "inpaint", "text", "local_resized", "multi_paste", "composite")
DISTRACTOR_GROUPS = ("distractor", "same_scene", same_scene.GROUP)
DISTRACTOR_EDITS = ("resized", "crop", "mirror", "rotate", "screenshot")
"""Benign edits only: the forensic table counts indicators on distractors as false alarms."""
GROUPS = (*BENIGN_GROUPS, *ALTERED_GROUPS, *DISTRACTOR_GROUPS)
"""Every group `provenance eval --groups` can choose from."""


@dataclass(frozen=True)
class Outcome:
    group: str
    name: str
    original: str
    expected_verdict: str
    verdict: str
    right_reference: bool
    iou: float | None
    milliseconds: float


@dataclass
class EvalResult:
    seed: int
    library_size: int
    padding: int = 0
    """Padding originals the library was checked among (`--pad`)."""
    outcomes: list[Outcome] = field(default_factory=list)
    forensics: ForensicsEval = field(default_factory=ForensicsEval)

    def groups(self) -> list[dict]:
        by_group: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            by_group[outcome.group].append(outcome)
        order = [g for g in GROUPS if g in by_group]
        return [_summarise(group, by_group[group]) for group in order]

    def summary(self) -> dict:
        matched = [o for o in self.outcomes if o.group not in DISTRACTOR_GROUPS]
        benign = [o for o in self.outcomes if o.group in BENIGN_GROUPS]
        distractors = [o for o in self.outcomes if o.group == "distractor"]
        real_pairs = [o for o in self.outcomes if o.group == same_scene.GROUP]
        composites = [o for o in self.outcomes if o.expected_verdict == "composite"]
        ious = [o.iou for o in self.outcomes if o.iou is not None]
        times = [o.milliseconds for o in self.outcomes]
        return {
            "variants": len(self.outcomes),
            "right_reference": _share(o.right_reference for o in matched),
            "right_verdict": _share(o.verdict == o.expected_verdict for o in self.outcomes),
            "benign_called_altered": _share(o.verdict in ("altered", "composite") for o in benign),
            "distractors_matched": sum(o.verdict not in ("unknown", "related") for o in distractors),
            "mean_iou": round(statistics.fmean(ious), 3) if ious else None,
            "another_photograph_called_same": same_scene.called_same_photograph(
                (o.expected_verdict, o.verdict) for o in self.outcomes
            ),
            "real_pairs_related_right_original": [
                sum(o.verdict == "related" and o.right_reference for o in real_pairs),
                len(real_pairs),
            ],
            "composites_both_named": [sum(o.right_reference for o in composites), len(composites)],
            "composites_right_and_both_named": [
                sum(o.right_reference and o.verdict == "composite" for o in composites),
                len(composites),
            ],
            "check_ms_p50": round(statistics.median(times), 1) if times else None,
            "check_ms_p90": round(float(np.percentile(times, 90)), 1) if times else None,
        }

    def confusion(self, group: str | None = None) -> dict[str, dict[str, int]]:
        """Expected verdict -> reported verdict -> count, over every variant or one group."""
        table: dict[str, Counter] = defaultdict(Counter)
        for outcome in self.outcomes:
            if group is not None and outcome.group != group:
                continue
            table[outcome.expected_verdict][outcome.verdict] += 1
        return {expected: dict(counts) for expected, counts in table.items()}

    def to_json(self) -> dict:
        return {
            "seed": self.seed,
            "library_size": self.library_size,
            "padding": self.padding,
            "summary": self.summary(),
            "groups": self.groups(),
            "confusion": self.confusion(),
            "confusion_same_scene_real": self.confusion(same_scene.GROUP),
            "forensics": self.forensics.to_json(),
        }


def run_eval(
    originals_dir: str,
    seed: int = 0,
    out_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    groups: Collection[str] | None = None,
    pad: int = 0,
    pad_donors: list[Path] | None = None,
) -> EvalResult:
    """Every group's variants, or only those of `groups` (the library is the same either
    way, and each variant is made from its own seed, so a group's variants do not change);
    with `pad`, checked among that many padding originals drawn from `pad_donors`
    (photographs apart from the originals under test)."""
    unknown = set(groups or ()) - set(GROUPS)
    if unknown:
        raise ProvenanceError(f"unknown groups {', '.join(sorted(unknown))}; choose among {', '.join(GROUPS)}")
    chosen = set(groups or GROUPS)
    files = list(iter_files([originals_dir]))
    if len(files) < 4:
        raise ProvenanceError(f"{originals_dir} holds {len(files)} images; the evaluation needs at least 4")
    rng = np.random.default_rng(seed)
    held_out_count = max(2, round(len(files) * HELD_OUT_SHARE))
    held_out = set(rng.choice(len(files), size=held_out_count, replace=False).tolist())
    with tempfile.TemporaryDirectory(prefix="provenance-eval-") as home:
        library = Library(Settings(home=Path(home)))
        try:
            names: dict[str, str] = {}
            for index, path in enumerate(files):
                if index not in held_out:
                    reference = library.ingest(Path(path).read_bytes(), path, ReferenceDetails(source="eval")).reference
                    names[path] = reference.external_id
            pairs = same_scene.pairs_beside(originals_dir)
            for original in sorted({str(p.original) for p in pairs}):
                ingested = library.ingest(Path(original).read_bytes(), original, ReferenceDetails(source="eval"))
                names[original] = ingested.reference.external_id
            result = EvalResult(seed=seed, library_size=len(names), padding=pad)
            view: LibraryView = library
            if pad:
                real_ids = [row.id for row in library.list(limit=len(names))]
                padding_donors = [Path(f) for f in iter_files([str(d) for d in pad_donors or []])]
                view = PaddedLibrary(library, real_ids, padding_donors, pad, seed)
            in_library = [p for p in files if p in names]
            donors = [files[i] for i in sorted(held_out)]
            planned = list(_plan(in_library, donors, names, rng, chosen))
            if same_scene.GROUP in chosen:
                planned += [partial(_made, variant) for variant in same_scene.second_exposures(pairs, names)]
            for done, make in enumerate(planned, start=1):
                variant = make()
                result.outcomes.append(score(view, variant))
                result.forensics.add(variant)
                if out_dir is not None:
                    _save(out_dir, variant, result.outcomes[-1])
                if progress:
                    progress(done, len(planned))
        finally:
            library.close()
    return result


def _plan(
    in_library: list[str],
    donors: list[str],
    names: dict[str, str],
    rng: np.random.Generator,
    groups: Collection[str] = GROUPS,
) -> Iterator[Callable[[], v.Variant]]:
    """Makers of variants, called one at a time so only one picture is in memory."""
    for position, path in enumerate(in_library):
        original_id = names[path]
        donor = donors[position % len(donors)]
        partner = in_library[(position + 1) % len(in_library)]
        seed = int(rng.integers(1 << 31))
        for spec in _variant_specs(original_id, names[partner]):
            if spec[0] in groups:
                yield partial(_make, spec, path, donor, partner, seed)
    for donor in donors:
        seed = int(rng.integers(1 << 31))
        for kind in DISTRACTOR_EDITS:
            if "distractor" in groups:
                yield partial(distractor, donor, seed, kind)


def _variant_specs(original_id: str, partner_id: str) -> list[tuple]:
    specs: list[tuple] = []
    for index in range(5):
        specs.append(("reencode", index))
    for kind in ("half", "quarter", "width320"):
        specs.append(("resize", kind))
    for area, centred in ((0.64, True), (0.25, True), (0.5, False), (0.25, False)):
        specs.append(("crop", area, centred))
    specs.append(("mirror",))
    specs += [("rotate", "right-angle"), ("rotate", "small")]
    for kind in ("brightness", "contrast", "saturation", "greyscale", "gamma"):
        specs.append(("colour", kind))
    for kind in ("borders", "caption", "screenshot"):
        specs.append(("framing", kind))
    for kind in ("crop-resize-q50", "mirror-bright-webp", "rotate-border-q60"):
        specs.append(("combined", kind))
    specs += [("paste", "hard"), ("paste", "soft"), ("copy_move",), ("inpaint",), ("text",), ("local_resized",)]
    specs.append(("multi_paste",))
    specs += [("composite", partner_id), ("same_scene",)]
    return specs


def _make(spec: tuple, path: str, donor_path: str, partner_path: str, seed: int) -> v.Variant:
    rng = np.random.default_rng(seed + zlib.crc32(repr(spec).encode()))
    original_id = Path(path).stem
    image = _social_media_copy(path)
    group = spec[0]

    def benign(name: str, data: bytes) -> v.Variant:
        return v.Variant(group, name, original_id, (original_id,), "copy", None, data)

    def altered(name: str, box: v.Box, data: bytes) -> v.Variant:
        return v.Variant(group, name, original_id, (original_id,), "altered", box, data)

    if group == "reencode":
        name, encoder = v.reencode(rng)[spec[1]]
        return benign(name, encoder(image))
    if group == "resize":
        picture = {
            "half": lambda: v.resized(image, 0.5),
            "quarter": lambda: v.resized(image, 0.25),
            "width320": lambda: v.to_width(image, 320),
        }[spec[1]]()
        return benign(spec[1], v.encode(picture, quality=80))
    if group == "crop":
        _, area, centred = spec
        picture = v.crop_fraction(image, area, rng, centred)
        return benign(f"{'central' if centred else 'off-centre'}-{round(area * 100)}%", v.encode(picture, quality=85))
    if group == "mirror":
        return benign("mirror", v.encode(ImageOps.mirror(image), quality=85))
    if group == "rotate":
        if spec[1] == "right-angle":
            right_angle = int(rng.choice([90, 180, 270]))
            return benign(f"rotate-{right_angle}", v.encode(image.rotate(-right_angle, expand=True), quality=85))
        degrees = float(rng.choice([-1, 1]) * rng.uniform(2, 7))
        return benign(f"rotate-{degrees:+.1f}-cropped", v.encode(v.rotate_small(image, degrees), quality=85))
    if group == "colour":
        kind = spec[1]
        picture = {
            "brightness": lambda: ImageEnhance.Brightness(image).enhance(float(rng.choice([0.75, 1.25]))),
            "contrast": lambda: ImageEnhance.Contrast(image).enhance(float(rng.choice([0.7, 1.35]))),
            "saturation": lambda: ImageEnhance.Color(image).enhance(float(rng.choice([0.5, 1.5]))),
            "greyscale": lambda: ImageOps.grayscale(image),
            "gamma": lambda: v.gamma(image, float(rng.choice([0.7, 1.4]))),
        }[kind]()
        return benign(kind, v.encode(picture, quality=85))
    if group == "framing":
        picture = {
            "borders": lambda: v.add_borders(
                image, float(rng.uniform(0.03, 0.1)), str(rng.choice(["white", "black"]))
            ),
            "caption": lambda: v.caption_bar(image, "Photo shared 10,000 times"),
            "screenshot": lambda: v.screenshot(image),
        }[spec[1]]()
        if spec[1] == "screenshot":
            return benign(spec[1], v.encode(picture, "PNG"))
        return benign(spec[1], v.encode(picture, "JPEG", quality=85))
    if group == "combined":
        kind = spec[1]
        if kind == "crop-resize-q50":
            return benign(kind, v.encode(v.resized(v.crop_fraction(image, 0.5, rng, False), 0.5), quality=50))
        if kind == "mirror-bright-webp":
            brighter = ImageEnhance.Brightness(ImageOps.mirror(image)).enhance(1.15)
            return benign(kind, v.encode(brighter, "WEBP", quality=70))
        framed = v.add_borders(v.rotate_small(image, float(rng.uniform(2, 5))), 0.04, "white")
        return benign(kind, v.encode(framed, quality=60))
    if group in ("paste", "copy_move", "inpaint", "text", "local_resized"):
        kind = group if group != "local_resized" else str(rng.choice(["paste", "copy_move", "inpaint", "text"]))
        if kind == "paste":
            soft = len(spec) > 1 and spec[1] == "soft"
            picture, box = v.paste_from(image, _social_media_copy(donor_path), rng, soft=soft)
        elif kind == "copy_move":
            picture, box = v.copy_move(image, rng)
        elif kind == "inpaint":
            picture, box = v.inpaint(image, rng)
        else:
            picture, box = v.text_overlay(image, rng)
        name = spec[1] if len(spec) > 1 else kind
        if group == "local_resized":
            x, y, width, height = (round(c * 0.6) for c in box)
            return altered(f"{kind}-resized-q60", (x, y, width, height), v.encode(v.resized(picture, 0.6), quality=60))
        return altered(name, box, v.encode(picture, quality=85))
    if group == "multi_paste":
        picture, box = same_scene.multi_paste(image, _social_media_copy(donor_path), rng)
        return altered("three-pastes-apart", box, v.encode(picture, quality=85))
    if group == "composite":
        picture, box = v.composite(image, _social_media_copy(partner_path), rng)
        both = (original_id, spec[1])
        return v.Variant(group, "two-originals", original_id, both, "composite", box, v.encode(picture, quality=85))
    if group == "same_scene":
        frame = v.encode(v.same_scene(image, rng), quality=85)
        return v.Variant(group, "neighbouring-frame", original_id, (original_id,), "related", None, frame)
    raise ValueError(f"unknown variant {spec}")


def _made(variant: v.Variant) -> v.Variant:
    return variant


@lru_cache(maxsize=8)
def _social_media_copy(path: str) -> Image.Image:
    """Decoding a 16-megapixel original once per photo, not once per variant, keeps the run short."""
    with Image.open(path) as image:
        return v.social_media_size(image)


def distractor(path: str, seed: int, kind: str) -> v.Variant:
    """A photograph not in the library, edited as copies of library photographs are:
    the look-ups that find those (features, framing, pixels) must not find anything here."""
    rng = np.random.default_rng(seed + zlib.crc32(kind.encode()))
    image = v.social_media_size(Image.open(path))
    picture = {
        "resized": lambda: v.resized(image, float(rng.uniform(0.5, 0.9))),
        "crop": lambda: v.crop_fraction(image, 0.4, rng, centred=False),
        "mirror": lambda: ImageOps.mirror(image),
        "rotate": lambda: v.rotate_small(image, float(rng.uniform(2, 6))),
        "screenshot": lambda: v.screenshot(image),
    }[kind]()
    name = f"not-in-library-{kind}-{Path(path).stem}"
    return v.Variant("distractor", name, "", (), "unknown", None, v.encode(picture, quality=80))


def score(library: LibraryView, variant: v.Variant) -> Outcome:
    """One variant checked as `provenance check` would, and scored against its ground truth."""
    start = time.perf_counter()
    report = check_bytes(library, variant.data, f"{variant.group}/{variant.name}")
    elapsed = (time.perf_counter() - start) * 1000
    top = report.matches[0].reference.external_id if report.matches else None
    if variant.expected_verdict == "composite":
        right = set(variant.expected_references) <= {m.reference.external_id for m in report.matches}
    elif variant.expected_references:
        right = top == variant.expected_references[0]
    else:
        right = top is None
    return Outcome(
        group=variant.group,
        name=variant.name,
        original=variant.original,
        expected_verdict=variant.expected_verdict,
        verdict=report.verdict,
        right_reference=right,
        iou=_best_iou(report, variant.edited_box) if variant.edited_box else None,
        milliseconds=round(elapsed, 1),
    )


def _best_iou(report: CheckReport, truth: v.Box) -> float:
    regions = [r.bbox for m in report.matches[:1] for r in m.regions]
    return max((iou((r[0], r[1], r[2], r[3]), truth) for r in regions), default=0.0)


def iou(a: v.Box, b: v.Box) -> float:
    """Intersection over union of two [x, y, w, h] boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    width = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    height = max(0, min(ay + ah, by + bh) - max(ay, by))
    overlap = width * height
    union = aw * ah + bw * bh - overlap
    return overlap / union if union else 0.0


def _summarise(group: str, outcomes: list[Outcome]) -> dict:
    ious = [o.iou for o in outcomes if o.iou is not None]
    return {
        "group": group,
        "variants": len(outcomes),
        "right_reference": _share(o.right_reference for o in outcomes),
        "right_verdict": _share(o.verdict == o.expected_verdict for o in outcomes),
        "mean_iou": round(statistics.fmean(ious), 3) if ious else None,
        "check_ms_p50": round(statistics.median(o.milliseconds for o in outcomes), 1),
        "wrong": sorted({f"{o.name}->{o.verdict}" for o in outcomes if o.verdict != o.expected_verdict})[:6],
    }


def _share(values) -> float:
    values = list(values)
    return round(100.0 * sum(values) / len(values), 1) if values else 0.0


def _save(out_dir: Path, variant: v.Variant, outcome: Outcome) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{variant.group}-{variant.name}-{variant.original or 'distractor'}".replace("/", "_").replace("%", "pc")
    (out_dir / f"{stem}.img").write_bytes(variant.data)
    with (out_dir / "outcomes.jsonl").open("a") as handle:
        handle.write(json.dumps({**asdict(outcome), "edited_box": variant.edited_box}) + "\n")
