"""Issue 13 in `provenance eval`: real second exposures must read `related`, never as the
same photograph, and copies edited in several far-apart places must stay `altered`.

`same_scene_real` is built from a `pairs.json` in a `same_scene` folder beside the
originals (a list of {"original": file, "other": file}, files in that folder): each
pair's original goes into the library, and its other photograph is checked as it is and
after a resize to 60 % and JPEG quality 75 (as a social network would pass it on).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from provenance.errors import ProvenanceError
from provenance.evaluation import variants as v

GROUP = "same_scene_real"
PAIRS_FOLDER = "same_scene"
PAIRS_FILE = "pairs.json"
RESIZE = 0.6
QUALITY = 75
SAME_PHOTOGRAPH = ("identical", "copy", "altered", "composite")
"""Verdicts that call the checked picture the original photograph itself."""
PASTES = 3
PASTE_AREA = (0.01, 0.03)
"""Each of the multi_paste variant's patches covers this share of the frame."""


@dataclass(frozen=True)
class Pair:
    original: Path
    other: Path


def pairs_beside(originals_dir: str) -> list[Pair]:
    """The pairs of `same_scene/pairs.json` beside the originals folder; none when absent."""
    path = Path(originals_dir).resolve().parent / PAIRS_FOLDER / PAIRS_FILE
    return load_pairs(path) if path.is_file() else []


def load_pairs(path: Path) -> list[Pair]:
    """The pairs a pairs.json lists, each file checked to exist (a clear error otherwise)."""
    try:
        rows = json.loads(path.read_text())
        pairs = [Pair(path.parent / row["original"], path.parent / row["other"]) for row in rows]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ProvenanceError(f"{path}: not a list of {{'original': file, 'other': file}} ({exc})") from exc
    missing = [str(p) for pair in pairs for p in (pair.original, pair.other) if not p.is_file()]
    if missing:
        raise ProvenanceError(f"{path} names files that do not exist: {', '.join(missing)}")
    return pairs


def second_exposures(pairs: Iterable[Pair], names: dict[str, str]) -> list[v.Variant]:
    """Each pair's other photograph, as it is and resized + recompressed; `names` maps an
    original's path to its external id in the library."""
    made = []
    for pair in pairs:
        original_id = names[str(pair.original)]
        data = pair.other.read_bytes()
        for name, picture in ((pair.other.name, data), (f"{pair.other.name}-r60q75", _passed_on(data))):
            made.append(v.Variant(GROUP, name, original_id, (original_id,), "related", None, picture))
    return made


def _passed_on(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return v.encode(v.resized(image.convert("RGB"), RESIZE), quality=QUALITY)


def called_same_photograph(verdicts: Iterable[tuple[str, str]]) -> int:
    """Of (expected, reported) verdicts, how many times another photograph (expected
    `related`) was called the same photograph."""
    return sum(expected == "related" and reported in SAME_PHOTOGRAPH for expected, reported in verdicts)


def multi_paste(image: Image.Image, donor: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, v.Box]:
    """Patches of the donor pasted into three different quadrants, far apart: an edit
    with several scattered changed places, the closest edit to a moved-subjects pattern
    (provenance.check.scene). Returns the edited picture and the first patch's box."""
    donor = v.social_media_size(donor)
    edited = image.copy()
    boxes = []
    half_width, half_height = image.width // 2, image.height // 2
    for quadrant in (int(q) for q in rng.permutation(4)[:PASTES]):
        fraction = rng.uniform(*PASTE_AREA)
        width = max(8, min(half_width - 8, round((fraction * image.width * image.height) ** 0.5)))
        height = max(8, min(half_height - 8, round(fraction * image.width * image.height / width)))
        left = (quadrant % 2) * half_width + int(rng.integers(4, half_width - width - 3))
        top = (quadrant // 2) * half_height + int(rng.integers(4, half_height - height - 3))
        scale = max(width / donor.width, height / donor.height) * rng.uniform(1.0, 1.5)
        source = v.resized(donor, scale)
        dx, dy = int(rng.integers(0, source.width - width + 1)), int(rng.integers(0, source.height - height + 1))
        edited.paste(source.crop((dx, dy, dx + width, dy + height)), (left, top))
        boxes.append((left, top, width, height))
    return edited, boxes[0]
