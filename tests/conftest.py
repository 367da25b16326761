"""Shared fixtures: paths to the committed sample files and a library in a temporary home."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance.config import Settings
from provenance.library.library import Library

FIXTURES = Path(__file__).parent / "fixtures"
ORIGINALS = FIXTURES / "originals"
COPIES = FIXTURES / "copies"
METADATA = FIXTURES / "metadata"
MALFORMED = FIXTURES / "malformed"
POSTGRES_URL = os.environ.get("PROVENANCE_TEST_POSTGRES_URL")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture
def library(settings: Settings) -> Iterator[Library]:
    library = Library(settings)
    yield library
    library.close()


@pytest.fixture
def sample_library(library: Library) -> Library:
    """The four sample originals, ingested with their sidecars."""
    from provenance.folders import read_sidecar

    for path in sorted(ORIGINALS.glob("*.jpg")):
        library.ingest(path.read_bytes(), str(path), read_sidecar(str(path)))
    return library
