"""Rules that read Python entrypoints."""
