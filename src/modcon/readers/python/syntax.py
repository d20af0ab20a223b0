"""Python code read with the stdlib ``ast``: the pieces every such reader needs.

The readers that a Dockerfile check runs (ports, log files, SIGINT) must not
load libcst, and the rules that only look need nothing more than ``ast``, so
they share these instead of each keeping its own copy. Import this module
only where Python code is actually read: ``import ast`` alone costs about
1.5 ms, which a Dockerfile-only check does not pay.
"""
from __future__ import annotations

import ast

from modcon.readers.python.encoding import readable_code
from modcon.source import BOM
from modcon.source import SourceFile


def code_of(text: str) -> str:
    """``text`` as Python reads it: past a byte order mark, which Python skips but its
    parsers refuse in a ``str`` (and libcst drops unsaid); and with the bytes a coding
    line's one-byte encoding gives meaning to read by it (``encoding.readable_code``),
    one character for one, so every position is the text's own."""
    code = text[1:] if text.startswith(BOM) else text
    readable = readable_code(code)
    return readable if readable is not None else code


def parse(text: str) -> ast.Module | None:
    """``text`` as a module, or None when it does not parse."""
    return parse_or_why(text)[0]


def parse_or_why(text: str) -> tuple[ast.Module | None, Exception | None]:
    """``text`` as a module, or None and the exception the parser stopped with."""
    try:
        return ast.parse(code_of(text)), None
    # ValueError: a NUL byte; RecursionError and MemoryError: nesting too deep for the
    # parser (`- - - ... 1` fifty thousand times: "source too complex to parse")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return None, exc


def too_deep(error: Exception | None) -> bool:
    """Whether the parser's ``error`` (from ``parse_or_why``) refuses the code for how
    deeply it nests (brackets, indentation, expressions), not for its syntax: code that
    ``python`` cannot even compile, and that crashes libcst's native parser (its stack
    overflows)."""
    if isinstance(error, (RecursionError, MemoryError)):
        return True
    return isinstance(error, SyntaxError) and (  # IndentationError too
        (error.msg or '').startswith(('too many nested', 'too many levels')))


def dotted_name(node: ast.AST) -> str:
    """``a.b.c`` for a name or a chain of attributes on one; '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted_name(node.value)
        return f'{inner}.{node.attr}' if inner else ''
    return ''


def char_offset(source: SourceFile, line: int, byte_column: int) -> int:
    """``ast``'s position (1-based line, UTF-8 byte column, read past a byte order mark)
    as a character offset."""
    text = source.line_text(line)  # both start past a byte order mark on line 1
    return source.offset(line) + len(text.encode()[:byte_column].decode(errors='replace'))


def span(source: SourceFile, node: ast.AST) -> tuple[int, int]:
    """Where ``node`` starts and ends, as character offsets into ``source``."""
    return (char_offset(source, node.lineno, node.col_offset),  # type: ignore[attr-defined]
            char_offset(source, node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]
