"""Reading Python entrypoints: stdlib ``ast`` to look, libcst only where a fix needs it."""
