"""knowledge (being built)."""
