"""provenance: find the agency original of a photograph and say how a copy differs."""

__version__ = "0.1.0"
