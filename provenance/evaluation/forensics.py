"""No-reference scoring pass of `provenance eval`: the forensic indicators run on the
copy-move and paste (splice) variants (detection rate) and on untouched or only
globally edited copies and distractors (false-alarm rate), with no original at all.

An indicator "fires" at level moderate or above; "any pixel" counts every registered
pixel indicator (copy-move, error level, double JPEG) together."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

from hashes import ImageError, decode
from provenance.forensics.analyse import analyse
from provenance.forensics.registry import INDICATORS
from provenance.metadata import extract_metadata

DETECTION_GROUPS = ("copy_move", "paste")
FALSE_ALARM_GROUPS = ("reencode", "resize", "mirror", "colour", "distractor")
PIXEL_INDICATORS = tuple(i.name for i in INDICATORS if i.needs != "metadata")
"""The indicators scored here; metadata is stripped by the variant encoders."""
_ORDER = ["none", "weak", "moderate", "strong"]


@dataclass
class ForensicsEval:
    fired: dict[str, list[dict[str, bool]]] = field(default_factory=lambda: defaultdict(list))
    milliseconds: list[float] = field(default_factory=list)

    def add(self, variant) -> None:
        """Score one variant of run.py's plan (ignored unless its group is in scope)."""
        if variant.group not in DETECTION_GROUPS + FALSE_ALARM_GROUPS:
            return
        try:
            image = decode(variant.data)
        except ImageError:
            return
        start = time.perf_counter()
        report, _ = analyse(variant.data, image, extract_metadata(variant.data, image))
        self.milliseconds.append((time.perf_counter() - start) * 1000)
        levels: dict[str, str] = {i.name: i.level for i in report.indicators}
        self.fired[variant.group].append(
            {name: _ORDER.index(levels.get(name, "none")) >= _ORDER.index("moderate") for name in PIXEL_INDICATORS}
        )

    def table(self) -> list[dict]:
        rows = []
        for group in DETECTION_GROUPS + FALSE_ALARM_GROUPS:
            outcomes = self.fired.get(group)
            if not outcomes:
                continue
            row: dict[str, str | int | float] = {
                "group": group,
                "measures": "detection" if group in DETECTION_GROUPS else "false alarm",
                "variants": len(outcomes),
            }
            for name in PIXEL_INDICATORS:
                row[name] = _share(o[name] for o in outcomes)
            row["any_pixel"] = _share(any(o.values()) for o in outcomes)
            rows.append(row)
        return rows

    def to_json(self) -> dict:
        times = self.milliseconds
        return {"table": self.table(), "ms_p50": round(statistics.median(times), 1) if times else None}


def _share(values) -> float:
    values = list(values)
    return round(100.0 * sum(values) / len(values), 1) if values else 0.0
