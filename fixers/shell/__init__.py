"""Rules that read shell entrypoint scripts."""
