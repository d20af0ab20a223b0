"""A file's text with the index that turns offsets into lines and columns, and the one
way modcon turns a file's bytes into that text and back."""
from __future__ import annotations

import bisect

from modcon.model import Position

# Docker, the shell and Node read a file's bytes as they are: a Latin-1 `LABEL` or
# comment (a byte that is not UTF-8) builds and runs. modcon reads such a byte as a
# lone surrogate (U+DC80-U+DCFF, Python's "surrogateescape", as for file names), so
# the rules see the rest of the file as text, and writes it back as the same byte.
_BYTES_AS_TEXT = 'surrogateescape'


def decode(data: bytes) -> str:
    """A file's bytes as text: UTF-8, each byte that is not kept as a lone surrogate."""
    return data.decode('utf-8', _BYTES_AS_TEXT)


def encode(text: str) -> bytes:
    """Text made by ``decode`` (and edited) as bytes: every byte ``decode`` kept, as it was."""
    return text.encode('utf-8', _BYTES_AS_TEXT)


def undecoded_byte(char: str) -> int | None:
    """The byte that a lone surrogate made by ``decode`` stands for (None: any other character)."""
    code = ord(char)
    return code - 0xdc00 if 0xdc80 <= code <= 0xdcff else None


def lossy(text: str) -> str:
    """``text`` as valid UTF-8 can carry it: each lone surrogate (a byte ``decode`` kept, or
    an unpaired ``\\udc80`` JSON escape) becomes U+FFFD, as Go's ``encoding/json`` and
    Rust's ``to_string_lossy`` make it; everything else is kept."""
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return ''.join('\ufffd' if '\ud800' <= c <= '\udfff' else c for c in text)
    return text


def undecodable(text: str) -> int | None:
    """The byte offset of the first byte of ``text`` that is not UTF-8 (None: all are)."""
    try:
        text.encode('utf-8')
    except UnicodeEncodeError as exc:  # only ``decode``'s surrogates fail
        return len(text[:exc.start].encode('utf-8'))
    return None


# A UTF-8 byte order mark, which some editors put first. Docker, Python and editors
# read a file past it: it is no column, and nothing goes before it.
BOM = '\ufeff'


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
        if index == 0 and offset > 0 and self.text.startswith(BOM):
            column -= 1
        return Position(index + 1, column)

    def offset(self, line: int, column: int = 1) -> int:
        """The offset of a 1-based line and column (``position``'s inverse: line 1
        starts past a byte order mark)."""
        past_bom = 1 if line == 1 and self.text.startswith(BOM) else 0
        return self.line_starts[line - 1] + past_bom + column - 1

    @property
    def file_name(self) -> str:
        """The last part of ``path`` (``/`` or ``\\`` separated)."""
        return self.path.replace('\\', '/').rsplit('/', 1)[-1]

    def line_text(self, line: int) -> str:
        """The content of a 1-based line, without its line ending."""
        start = self.line_starts[line - 1]
        end = self.text.find('\n', start)
        if end == -1:
            end = len(self.text)
        if end > start and self.text[end - 1] == '\r':
            end -= 1
        if start == 0 and self.text.startswith(BOM):
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
