"""Reading shell commands with a real shell grammar (tree-sitter-bash)."""
