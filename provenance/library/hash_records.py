"""The hash-record format agencies exchange fingerprints in, without pixels: JSON
Lines, one original a line, `{"external_id", "source", "pdq", "phash", "dhash", ...the
metadata fields of a sidecar}`, hashes as lowercase hex (PDQ required). The same format
is what `provenance references export` writes."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from hashes import ALGORITHMS
from provenance.library.ingest import ReferenceDetails

_HEX = {name: rf"^[0-9a-f]{{{a.bits // 4}}}$" for name, a in ALGORITHMS.items()}
METADATA_FIELDS: tuple[str, ...] = tuple(
    name for name in ReferenceDetails.model_fields if name not in ("external_id", "source")
)
"""What a record may state about the original beside its identity: the fields of a sidecar."""


class HashRecord(BaseModel):
    """One original known by its hashes: who it is, its codes, what the agency says of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    external_id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    source: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    pdq: Annotated[str, StringConstraints(pattern=_HEX["pdq"])]
    phash: Annotated[str, StringConstraints(pattern=_HEX["phash"])] | None = None
    dhash: Annotated[str, StringConstraints(pattern=_HEX["dhash"])] | None = None
    credit: str | None = None
    byline: str | None = None
    caption: str | None = None
    headline: str | None = None
    captured_at: str | None = None
    city: str | None = None
    country: str | None = None
    copyright: str | None = None

    def codes(self) -> dict[str, bytes]:
        """The hashes it carries, packed as the library stores them."""
        return {name: bytes.fromhex(value) for name in ALGORITHMS if (value := getattr(self, name)) is not None}

    def metadata(self) -> dict[str, str]:
        return {name: value for name in METADATA_FIELDS if (value := getattr(self, name)) is not None}


@dataclass(frozen=True)
class BadLine:
    line: int
    """1-based, as editors count."""
    error: str


def parse_lines(lines: Iterable[str]) -> Iterator[tuple[int, HashRecord | BadLine]]:
    """Each non-blank line as a record, or as the reason it is not one."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, HashRecord.model_validate_json(line)
        except ValidationError as exc:
            yield number, BadLine(number, _first_error(exc))


def parse_csv(lines: Iterable[str]) -> Iterator[tuple[int, HashRecord | BadLine]]:
    """The same records as CSV with a header row of field names; empty cells are absent fields."""
    reader = csv.DictReader(lines)
    for row in reader:
        number = reader.line_num
        if None in row:
            yield number, BadLine(number, "more cells than the header names")
            continue
        try:
            yield number, HashRecord.model_validate({k: v for k, v in row.items() if v not in (None, "")})
        except ValidationError as exc:
            yield number, BadLine(number, _first_error(exc))


def to_line(record: HashRecord) -> str:
    return json.dumps(record.model_dump(exclude_none=True), ensure_ascii=False)


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {error['msg']}{more}" if where else f"{error['msg']}{more}"
