"""A file's text with the index that turns offsets into lines and columns."""
from __future__ import annotations

import bisect

from modcon.model import Position


class SourceFile:
    """The decoded text of one file, addressed by character offsets.

    Lines split on ``\\n`` only, as Docker's parser, the shell and libcst do;
    a ``\\r`` before it belongs to the line ending, not to the content.
    """

    __slots__ = ('path', 'text', '_starts')

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._starts: list[int] | None = None

    @property
    def line_starts(self) -> list[int]:
        if self._starts is None:
            starts = [0]
            find = self.text.find
            at = find('\n')
            while at != -1:
                starts.append(at + 1)
                at = find('\n', at + 1)
            self._starts = starts
        return self._starts

    def position(self, offset: int) -> Position:
        """The 1-based line and column of ``offset``.

        A byte-order mark is not a column: as for BuildKit and editors, line 1
        starts after it.
        """
        index = bisect.bisect_right(self.line_starts, offset) - 1
        column = offset - self.line_starts[index] + 1
        if index == 0 and offset > 0 and self.text.startswith('\ufeff'):
            column -= 1
        return Position(index + 1, column)

    def offset(self, line: int, column: int = 1) -> int:
        """The offset of a 1-based line and column."""
        return self.line_starts[line - 1] + column - 1

    def line_text(self, line: int) -> str:
        """The content of a 1-based line, without its line ending."""
        start = self.line_starts[line - 1]
        end = self.text.find('\n', start)
        if end == -1:
            end = len(self.text)
        if end > start and self.text[end - 1] == '\r':
            end -= 1
        if start == 0 and self.text.startswith('\ufeff'):
            start = 1
        return self.text[start:end]

    def newline_at(self, offset: int) -> str:
        """The line ending used by the line containing ``offset``."""
        end = self.text.find('\n', offset)
        if end == -1:
            end = self.text.rfind('\n')
            if end == -1:
                return '\n'
        return '\r\n' if end > 0 and self.text[end - 1] == '\r' else '\n'
