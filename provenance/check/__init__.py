"""The pipeline of one check (see `provenance.check.pipeline`)."""

from provenance.check.pipeline import EvidenceSink, check_bytes, check_file

__all__ = ["EvidenceSink", "check_bytes", "check_file"]
