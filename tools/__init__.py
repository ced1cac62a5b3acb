"""Developer tools that live beside the package, not in it (run from the repository root)."""
