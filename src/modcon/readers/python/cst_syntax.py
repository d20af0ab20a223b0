"""Python code read with libcst: the names every such reader needs.

The twin of ``syntax.py`` for libcst's tree, which the fixers need because
they edit the text: ``dotted_name`` answers what ``syntax.dotted_name`` answers
for the same code (tests/test_python_syntax.py holds them to it). They cannot
be one function: ``syntax`` serves readers that a Dockerfile check runs, and
those must not load libcst.
"""
from __future__ import annotations

import libcst as cst


def dotted_name(node: cst.BaseExpression) -> str:
    """``a.b.c`` for a name or a chain of attributes on one; '' for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted_name(node.value)
        return f'{inner}.{node.attr.value}' if inner else ''
    return ''


def last_name(node: cst.BaseExpression) -> str:
    """The last name of a name or an attribute: ``run`` for ``app.run`` and for
    ``make().run``; '' for anything else."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ''
