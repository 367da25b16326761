"""Metadata: extraction into one typed record, and comparison between a copy and its original."""

from provenance.metadata.compare import MetadataChange, compare_metadata
from provenance.metadata.extract import extract_metadata
from provenance.metadata.model import ImageMetadata

__all__ = ["ImageMetadata", "MetadataChange", "compare_metadata", "extract_metadata"]
