"""ExifTool as an oracle for metadata extraction: run `exiftool -j -n -G1 -use MWG` on
files and compare the fields we extract with what it reads (MWG composites where the
Metadata Working Group defines one, else the tag itself)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import cast

from provenance.metadata import extract_metadata

FIELDS: dict[str, tuple[str, ...]] = {
    "captured_at": ("MWG:DateTimeOriginal",),
    "byline": ("MWG:Creator",),
    "caption": ("MWG:Description",),
    "copyright": ("MWG:Copyright",),
    "city": ("MWG:City",),
    "country": ("MWG:Country",),
    "province_state": ("MWG:State",),
    "sublocation": ("MWG:Location",),
    "keywords": ("MWG:Keywords",),
    "credit": ("XMP-photoshop:Credit", "XMP-iptcCore:CreditLine", "IPTC:Credit"),
    "source": ("XMP-photoshop:Source", "IPTC:Source"),
    "headline": ("XMP-photoshop:Headline", "IPTC:Headline"),
    "transmission_reference": ("XMP-photoshop:TransmissionReference", "IPTC:OriginalTransmissionReference"),
    "camera_make": ("IFD0:Make",),
    "camera_model": ("IFD0:Model",),
    "software": ("IFD0:Software", "XMP-xmp:CreatorTool"),
    "gps_latitude": ("Composite:GPSLatitude",),
    "gps_longitude": ("Composite:GPSLongitude",),
    "document_id": ("XMP-xmpMM:DocumentID",),
}


def available() -> bool:
    return shutil.which("exiftool") is not None


def read_with_exiftool(paths: list[Path]) -> dict[str, dict]:
    output = subprocess.run(
        ["exiftool", "-j", "-n", "-G1", "-use", "MWG", "-charset", "iptc=latin1", *map(str, paths)],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout
    return {Path(item["SourceFile"]).name: item for item in json.loads(output or "[]")}


def compare_file(path: Path, theirs: dict) -> dict[str, tuple[object, object, bool]]:
    """field -> (ours, ExifTool's, agree) for fields at least one side has."""
    ours = extract_metadata(path.read_bytes())
    result = {}
    for name, tags in FIELDS.items():
        mine = getattr(ours, name)
        value = next((theirs[t] for t in tags if theirs.get(t) not in (None, "", [])), None)
        mine_n, theirs_n = _normal(name, mine), _normal(name, value)
        if mine_n is None and theirs_n is None:
            continue
        if isinstance(mine_n, float) and isinstance(theirs_n, float):
            agree = abs(mine_n - theirs_n) < 1e-5
        else:
            agree = mine_n == theirs_n
        result[name] = (mine, value, agree)
    return result


def agreement(folder: Path) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Per field (agreeing, compared), and the disagreements as lines."""
    paths = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    theirs = read_with_exiftool(paths)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    disagreements = []
    for path in paths:
        for name, (mine, value, agree) in compare_file(path, theirs.get(path.name, {})).items():
            counts[name][1] += 1
            counts[name][0] += agree
            if not agree:
                disagreements.append(f"{path.name} {name}: ours {mine!r}, exiftool {value!r}")
    return {k: (v[0], v[1]) for k, v in counts.items()}, disagreements


def _maybe_number(text: str) -> object:
    """`-n` prints numeric-looking strings as numbers ("1.00" becomes 1.0)."""
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    raise ValueError(text)


def _normal(name: str, value: object) -> object:
    if value is None or value == "" or value == []:
        return None
    if name in ("gps_latitude", "gps_longitude"):
        return round(float(cast("float | str", value)), 6)
    if name == "keywords":
        items = value if isinstance(value, list) else [value]
        return tuple(" ".join(str(i).split()) for i in items)
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = " ".join(str(value).replace("\x00", "").split())
    if not text:
        return None
    try:
        return _maybe_number(text)
    except ValueError:
        pass
    if name == "byline":
        text = "; ".join(p.strip() for p in re.split(r"[;,]", text) if p.strip())
    if name == "captured_at":
        match = re.match(r"(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?))?", text)
        if match:
            year, month, day, clock = match.groups()
            return f"{year}-{month}-{day}" + (f"T{clock}" if clock else "")
    return text
