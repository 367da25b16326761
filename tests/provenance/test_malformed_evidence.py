"""Metadata, C2PA and forensics on damaged files degrade to absent/unreadable, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashes import ImageError, decode
from provenance.forensics.analyse import analyse
from provenance.metadata import extract_metadata
from provenance.metadata.c2pa import read_content_credentials
from tests.conftest import MALFORMED

SHARED = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "malformed"
FILES = sorted(MALFORMED.iterdir()) + (sorted(SHARED.iterdir()) if SHARED.is_dir() else [])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_damaged_file_never_raises(path: Path) -> None:
    data = path.read_bytes()
    try:
        image = decode(data)
    except ImageError:
        image = None
    metadata = extract_metadata(data, image)
    credentials, _ = read_content_credentials(data, image.format if image else None)
    assert credentials.status in ("absent", "unreadable")
    if image is not None:
        report, _ = analyse(data, image, metadata, credentials)
        assert report.indicators
