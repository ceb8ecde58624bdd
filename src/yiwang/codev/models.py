"""合备一门课: cross-school course co-development projects."""
