"""Nearest-neighbour lookups of fingerprints."""

from provenance.library.index.features import FeatureIndex
from provenance.library.index.hamming import HammingIndex, Hit

__all__ = ["FeatureIndex", "HammingIndex", "Hit"]
