"""Entrypoint code (Python, shell, JavaScript) as the rules see it.

Parsing is left to each rule's own library (libcst, tree-sitter), imported
only when a rule needs it, so a Dockerfile-only check never pays for them.
The stdlib ``ast`` reading that several Python rules share is parsed once,
on first use (``python_ast``).
Suppression pragmas are comments: ``modcon: ignore=CODE`` on any line of a
finding or the line above it, ``modcon: ignore-file=CODE`` anywhere.
"""
from __future__ import annotations

import functools
import re

from modcon.entrypoints.invocation import Invocation
from modcon.lazyregex import lazy_compile
from modcon.model import Kind
from modcon.source import SourceFile
from modcon.suppress import Pragmas

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    import ast

_PRAGMA = lazy_compile(r'modcon:\s*(ignore|ignore-file)\s*=\s*([\w,\s-]+)', re.IGNORECASE)
EXTENSIONS = {'.py': Kind.PYTHON, '.sh': Kind.SHELL, '.bash': Kind.SHELL,
              '.js': Kind.JAVASCRIPT, '.mjs': Kind.JAVASCRIPT, '.cjs': Kind.JAVASCRIPT}


class CodeDocument:
    """A code file and the invocations that make it an entrypoint."""

    SYNTAX_RULE = None  # code that does not parse is left to its own tools
    error = None

    def __init__(self, source: SourceFile, kind: Kind,
                 invocations: tuple[Invocation, ...] = ()) -> None:
        self.source = source
        self.kind = kind
        self.invocations = invocations

    @property
    def is_entrypoint(self) -> bool:
        return any(i.as_main for i in self.invocations)

    @property
    def python_ast(self) -> ast.Module | None:
        """The file read by the stdlib ``ast``, or None if it does not parse."""
        return self._python_reading[0]

    @property
    def python_error(self) -> Exception | None:
        """Why the stdlib ``ast`` could not read the file (None: it could)."""
        return self._python_reading[1]

    @functools.cached_property
    def _python_reading(self) -> tuple[ast.Module | None, Exception | None]:
        from modcon.readers.python.syntax import parse_or_why

        return parse_or_why(self.source.text)

    def _pragmas(self, lines: list[str], kind: str) -> Pragmas:
        tokens: set[str] = set()
        for line in lines:
            for match in _PRAGMA.finditer(line):
                if match[1].lower() == kind:
                    tokens |= {t.strip().lower() for t in match[2].split(',') if t.strip()}
        return Pragmas(tokens)

    def file_pragmas(self) -> Pragmas:
        if 'modcon:' not in self.source.text:
            return Pragmas()
        return self._pragmas(self.source.text.splitlines(), 'ignore-file')

    def pragmas_in(self, start: int, end: int) -> Pragmas:
        """``modcon: ignore=`` on any line of ``start..end`` or the line above it."""
        if 'modcon:' not in self.source.text:
            return Pragmas()
        first = self.source.position(start).line
        last = self.source.position(max(start, end - 1)).line
        lines = [self.source.line_text(n) for n in range(max(1, first - 1), last + 1)]
        return self._pragmas(lines, 'ignore')


def kind_of_code(path: str) -> Kind | None:
    """The code kind of a file by its extension (or None)."""
    dot = path.rfind('.')
    return EXTENSIONS.get(path[dot:].lower()) if dot != -1 else None
