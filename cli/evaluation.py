"""`provenance bench`, `eval` and `eval-metadata`: measure the product's speed and quality."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import cv2
import typer
from rich.table import Table

from cli.output import err, fail, out, print_json_line
from cli.services import opened_services
from provenance.errors import InvalidInput, ProvenanceError
from provenance.evaluation.bench import run_bench
from provenance.evaluation.run import EvalResult, run_eval
from provenance.evaluation.same_scene import GROUP as SAME_SCENE_GROUP
from provenance.folders import iter_files


def bench(
    paths: Annotated[list[str], typer.Argument(help="Image files or folders to time.")],
    limit: Annotated[int, typer.Option(min=1, help="At most this many files.")] = 1000,
    library_size: Annotated[
        int, typer.Option(min=0, help="Pad the library with distinct synthetic originals up to this many.")
    ] = 0,
    one_core: Annotated[bool, typer.Option(help="Pin the process and OpenCV to one core.")] = False,
) -> None:
    """Time ingest and check next to a plain decode of the same files, in one run."""
    files = list(iter_files(paths))[:limit]
    if not files:
        fail("no files to time")
    if one_core:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        cv2.setNumThreads(1)
    try:
        timings = run_bench(files, library_size)
    except (OSError, InvalidInput) as exc:
        fail(f"cannot time these files: {exc}")
    cores = len(os.sched_getaffinity(0))
    size = max(library_size, len(files))
    table = Table(title=f"{len(files)} images, library of {size} originals, one process on {cores} core(s)")
    for column in ("Step", "Images/s", "mean ms/image", "p50 ms", "mean vs plain decode"):
        table.add_column(column, justify="right")
    baseline = timings[0].per_image_ms
    for timing in timings:
        table.add_row(
            timing.name,
            f"{timing.images_per_second:.1f}",
            f"{timing.per_image_ms:.0f}",
            f"{timing.p50_ms:.0f}",
            f"{timing.per_image_ms / baseline:.2f}x",
        )
    out.print(table)


def evaluate(
    originals: Annotated[
        str | None, typer.Argument(help="Folder of originals to build the evaluation from.")
    ] = None,
    decisions: Annotated[
        bool, typer.Option("--decisions", help="Instead: how often editors agreed with the machine's matches.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed for the choice of held-out photos and edit strengths.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Write every variant and its outcome here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object with every figure.")] = False,
    groups: Annotated[
        str | None,
        typer.Option(help="Only these groups, comma-separated (e.g. composite,paste,same_scene_real); default all."),
    ] = None,
    pad: Annotated[int, typer.Option(min=0, help="Check among this many padding originals too (see bench-scale).")] = 0,
    pad_donors: Annotated[
        list[Path] | None,
        typer.Option(help="Folders of other photographs the padding is drawn from (repeatable; needed with --pad)."),
    ] = None,
) -> None:
    """Measure the product: check edited copies with known ground truth and score them;
    with --decisions, score the machine against the editors' decisions in the library."""
    if decisions:
        print_agreement(as_json)
        return
    if originals is None:
        fail("give a folder of originals (or --decisions)")
    if pad and not pad_donors:
        fail("--pad needs --pad-donors: photographs apart from the originals to draw the padding from")
    try:
        chosen = [g.strip() for g in groups.split(",") if g.strip()] if groups else None
        result = run_eval(
            originals,
            seed=seed,
            out_dir=out,
            progress=eval_progress(as_json),
            groups=chosen,
            pad=pad,
            pad_donors=pad_donors,
        )
    except ProvenanceError as exc:
        fail(str(exc))
    if as_json:
        print_json_line(result.to_json())
        return
    print_eval(result)


def print_agreement(as_json: bool) -> None:
    """The latest decision of each decided check, against the verdict the machine gave."""
    with opened_services() as services:
        agreement = services.checks.decisions.agreement()
    if as_json:
        rows = {v: {"confirmed": c, "rejected": r} for v, (c, r) in agreement.by_verdict.items()}
        print_json_line({"decided": agreement.decided, "agreement": agreement.rate, "by_verdict": rows})
        return
    table = Table(title="Editors' decisions on the machine's matches")
    for column in ("Machine verdict", "Confirmed", "Rejected", "Agreement %"):
        table.add_column(column, justify="right")
    for verdict, (confirmed, rejected) in agreement.by_verdict.items():
        table.add_row(verdict, str(confirmed), str(rejected), f"{100 * confirmed / (confirmed + rejected):.1f}")
    rate = "-" if agreement.rate is None else f"{100 * agreement.rate:.1f}"
    table.add_row("all", str(agreement.confirmed), str(agreement.rejected), rate)
    out.print(table)


def evaluate_metadata(
    folder: Annotated[Path, typer.Argument(help="Folder of sample files, e.g. ../shared/corpus/metadata.")],
) -> None:
    """Compare our metadata extraction with ExifTool's on every file: agreement per field."""
    from provenance.evaluation.exiftool import agreement, available

    if not available():
        fail("exiftool is not installed (Debian: apt-get install libimage-exiftool-perl)")
    counts, disagreements = agreement(folder)
    table = Table(title=f"Agreement with ExifTool on {folder}")
    for column in ("Field", "Agree", "Compared", "%"):
        table.add_column(column, justify="right")
    for name, (agree, compared) in counts.items():
        table.add_row(name, str(agree), str(compared), f"{100 * agree / compared:.1f}")
    out.print(table)
    for line in disagreements:
        out.print(f"differs: {line}", highlight=False)


def confusion_table(title: str, confusion: dict[str, dict[str, int]]) -> Table:
    verdicts = ["identical", "copy", "altered", "composite", "related", "unknown"]
    matrix = Table(title=title)
    matrix.add_column("expected")
    for verdict in verdicts:
        matrix.add_column(verdict, justify="right")
    for expected, counts in confusion.items():
        matrix.add_row(expected, *(str(counts.get(verdict, 0)) for verdict in verdicts))
    return matrix


def eval_progress(as_json: bool) -> Callable[[int, int], None] | None:
    if as_json or not err.is_terminal:
        return None
    return lambda done, total: err.print(f"\r{done}/{total} variants checked", end="", highlight=False)


def print_eval(result: EvalResult) -> None:
    padded = f" among {result.padding:,} padding originals" if result.padding else ""
    table = Table(title=f"Evaluation: {result.library_size} originals in the library{padded}, seed {result.seed}")
    columns = ("Group", "Variants", "Right reference %", "Right verdict %", "Mean IoU", "p50 ms", "Wrong (examples)")
    for column in columns:
        table.add_column(column, overflow="fold")
    for group in result.groups():
        table.add_row(
            group["group"],
            str(group["variants"]),
            f"{group['right_reference']:.1f}",
            f"{group['right_verdict']:.1f}",
            "" if group["mean_iou"] is None else f"{group['mean_iou']:.2f}",
            f"{group['check_ms_p50']:.0f}",
            ", ".join(group["wrong"]),
        )
    out.print(table)
    summary = result.summary()
    out.print(
        f"All: {summary['variants']} variants; right reference {summary['right_reference']}% "
        f"(benign and altered), right verdict {summary['right_verdict']}%, benign called altered "
        f"{summary['benign_called_altered']}%, distractors matched {summary['distractors_matched']}, "
        f"mean IoU {summary['mean_iou']}, check p50 {summary['check_ms_p50']} ms, p90 {summary['check_ms_p90']} ms.",
        highlight=False,
    )
    related, pairs = summary["real_pairs_related_right_original"]
    out.print(
        f"Another photograph called the same photograph (copy, altered, composite): "
        f"{summary['another_photograph_called_same']}; real second exposures ({SAME_SCENE_GROUP}) "
        f"related with the right original: {related} of {pairs}.",
        highlight=False,
    )
    named, composites = summary["composites_both_named"]
    if composites:
        right, _ = summary["composites_right_and_both_named"]
        out.print(
            f"Composites with both originals named: {named} of {composites}; "
            f"called composite with both named: {right} of {composites}.",
            highlight=False,
        )
    out.print(confusion_table("Confusion (rows: expected, columns: reported)", result.confusion()))
    real_pairs = result.confusion(SAME_SCENE_GROUP)
    if real_pairs:
        out.print(confusion_table(f"Confusion of {SAME_SCENE_GROUP} (real second exposures)", real_pairs))
    forensics = result.forensics.to_json()
    indicators = Table(
        title=f"No-reference indicators, no original used (% fired at moderate or above; p50 {forensics['ms_p50']} ms)"
    )
    for column in ("Group", "Measures", "Variants", "Copy-move %", "Error level %", "Double JPEG %", "Any pixel %"):
        indicators.add_column(column, justify="right")
    for row in forensics["table"]:
        shares = (f"{row[k]:.1f}" for k in ("copy_move", "error_level", "double_jpeg", "any_pixel"))
        indicators.add_row(row["group"], row["measures"], str(row["variants"]), *shares)
    out.print(indicators)
