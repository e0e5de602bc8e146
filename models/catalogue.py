"""catalogue (being built)."""
