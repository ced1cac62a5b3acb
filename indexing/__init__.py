"""indexing layer."""
