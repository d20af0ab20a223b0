"""Python code read with the stdlib ``ast``: the pieces every such reader needs.

The readers that a Dockerfile check runs (ports, log files, SIGINT) must not
load libcst, and the rules that only look need nothing more than ``ast``, so
they share these instead of each keeping its own copy. Import this module
only where Python code is actually read: ``import ast`` alone costs about
1.5 ms, which a Dockerfile-only check does not pay.
"""
from __future__ import annotations

import ast


def parse(text: str) -> ast.Module | None:
    """``text`` as a module, or None when it does not parse."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):  # ValueError: a NUL byte
        return None


def dotted_name(node: ast.AST) -> str:
    """``a.b.c`` for a name or a chain of attributes on one; '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted_name(node.value)
        return f'{inner}.{node.attr}' if inner else ''
    return ''
