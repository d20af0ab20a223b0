"""Load the tree-sitter JavaScript grammar once, on first use.

tree-sitter is imported only when a JavaScript rule actually runs, never when
a rule module is imported: a Dockerfile check must start fast, and listing
the rules (``modcon rule``) must not need the parser at all.
"""
from __future__ import annotations

import functools

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    import tree_sitter


@functools.cache
def javascript_parser() -> tree_sitter.Parser:
    from modcon.readers.grammars import parser

    return parser('tree_sitter_javascript')
