"""Nearest-neighbour lookups of fingerprints."""

from provenance.index.hamming import HammingIndex, Hit

__all__ = ["HammingIndex", "Hit"]
