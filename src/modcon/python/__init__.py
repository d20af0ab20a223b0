"""Reading Python entrypoints (with libcst, loaded only when a rule needs it)."""
