"""No-reference forensic indicators: signals read from the image alone, for when no original matches."""
