"""Rules that read JavaScript entrypoints."""
