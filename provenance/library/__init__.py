"""The library of known originals (see `provenance.library.library.Library`)."""

from provenance.library.ingest import IngestOutcome, ReferenceDetails
from provenance.library.library import Library
from provenance.library.originals import reference_metadata

__all__ = ["IngestOutcome", "Library", "ReferenceDetails", "reference_metadata"]
