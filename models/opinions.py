"""opinions (being built)."""
