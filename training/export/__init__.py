"""Export = convert + equivalence gate + metadata, as one step (see exporter.py)."""
