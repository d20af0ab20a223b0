"""Does a Python program stop on SIGINT (Ctrl-C) but not on SIGTERM?

Such a program was written to be stopped from a terminal: it catches
``KeyboardInterrupt`` (CPython's SIGINT handler raises it) or installs a
SIGINT handler, and never mentions SIGTERM. Read with the stdlib ``ast``, so
the Dockerfile rule that asks (MC143) never loads libcst.
"""
from __future__ import annotations

import re

from modcon.knowledge.python_frameworks import HANDOFFS
from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    import ast

# Frameworks that install their own SIGTERM handling when they take over the
# program: the program stops on SIGTERM through them, whatever it does with
# SIGINT. Read from MC201's table, so the two rules agree on the list.
# Hand-offs that depend on a keyword (`app.run(debug=True)`) are left out: the
# package alone does not say the program stops on SIGTERM.
HANDOFF_PACKAGES = frozenset(name.split('.')[0] for h in HANDOFFS if not h.on_keywords
                             for name in (*h.calls, *h.bases, h.needs_import) if name)


# `# modcon: ignore-file=MC201` (or `ignore=`): the program's authors chose
# `STOPSIGNAL SIGINT` over MC201's handler.
_MC201_OFF = lazy_compile(r'modcon:\s*ignore(?:-file)?\s*=[^\n]*'
                        r'\b(?:MC201|python-sigterm-not-handled)\b', re.IGNORECASE)


def opts_out_of_mc201(text: str) -> bool:
    """Does the program switch MC201 off, choosing `STOPSIGNAL SIGINT` (MC143)?"""
    return _MC201_OFF.search(text) is not None


class SigintOnly(NamedTuple):
    line: int  # where SIGINT is handled
    how: str  # '`except KeyboardInterrupt`' or '`signal.signal(signal.SIGINT, ...)`'


def sigint_only(text: str) -> SigintOnly | None:
    """Where ``text`` handles SIGINT, if it handles SIGINT and not SIGTERM."""
    if 'KeyboardInterrupt' not in text and 'SIGINT' not in text:
        return None
    import ast

    from modcon.readers.python.syntax import parse

    tree = parse(text)
    if tree is None or ('SIGTERM' in text and _names_sigterm(tree)):
        return None
    found: SigintOnly | None = None
    # A KeyboardInterrupt never reaches an `except` inside a coroutine: the
    # event loop it interrupts stops, or asyncio.run cancels the task instead.
    coroutines = [(n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree)
                  if isinstance(n, ast.AsyncFunctionDef)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name.split('.')[0] in HANDOFF_PACKAGES for a in node.names):
                return None
        elif isinstance(node, ast.ImportFrom):
            if node.module and node.module.split('.')[0] in HANDOFF_PACKAGES:
                return None
        elif isinstance(node, ast.ExceptHandler) and node.type is not None and not any(
                first <= node.lineno <= last for first, last in coroutines):
            names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            if any(isinstance(n, ast.Name) and n.id == 'KeyboardInterrupt' for n in names):
                found = found or SigintOnly(node.lineno, '`except KeyboardInterrupt`')
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            method = func.attr if isinstance(func, ast.Attribute) else (
                func.id if isinstance(func, ast.Name) else '')
            first = node.args[0]
            names_sigint = (isinstance(first, ast.Attribute) and first.attr == 'SIGINT') or (
                isinstance(first, ast.Name) and first.id == 'SIGINT')
            if method in ('signal', 'add_signal_handler') and names_sigint:
                found = found or SigintOnly(node.lineno, f'`{method}(SIGINT, ...)`')
    return found


def _names_sigterm(tree: ast.Module) -> bool:
    """Does the code (not a comment, not a docstring) name SIGTERM: ``signal.SIGTERM``,
    ``SIGTERM``, ``getattr(signal, "SIGTERM")``, or signal 15 given to ``signal()``?"""
    import ast

    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)
                  and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and node.id == 'SIGTERM') or \
                (isinstance(node, ast.Attribute) and node.attr == 'SIGTERM'):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                id(node) not in docstrings and 'SIGTERM' in node.value:
            return True
        if isinstance(node, ast.Call) and node.args and \
                isinstance(node.args[0], ast.Constant) and node.args[0].value == 15 and \
                (node.func.attr if isinstance(node.func, ast.Attribute) else
                 getattr(node.func, 'id', '')) in ('signal', 'add_signal_handler'):
            return True
    return False
