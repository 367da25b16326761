"""The forensic indicators, one module each; `provenance.forensics.registry` lists them."""
