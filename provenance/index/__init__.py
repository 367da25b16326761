"""Nearest-neighbour lookups of fingerprints."""

from provenance.index.features import FeatureIndex
from provenance.index.hamming import HammingIndex, Hit

__all__ = ["FeatureIndex", "HammingIndex", "Hit"]
