"""Reading JavaScript entrypoints (with tree-sitter-javascript, loaded on demand)."""
