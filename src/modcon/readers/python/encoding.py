"""Python files that are not UTF-8 but say what they are: PEP 263 coding lines.

modcon reads every file's bytes as UTF-8 and keeps each byte that is not as a
lone surrogate (``source.decode``), so a fix writes back every byte it did not
edit. Python refuses such a file unless its first or second line declares
another encoding (``# -*- coding: latin-1 -*-``); then it reads each byte by
that encoding. For an encoding of one byte per character whose first 128 are
ASCII (Latin-1, cp1252, the ISO 8859 family, KOI8-R...), each kept byte is
exactly one character: the parsers read the text with those characters put
in (``readable_code``), at the same offsets, so their positions are the
text's own, and the edits made at them are written back around the original
bytes. Other encodings (Shift JIS, whose second bytes can be ``\\``; UTF-16)
change what the bytes mean as code, and such a file stays an error.
"""
from __future__ import annotations

import codecs
import functools

from modcon.lazyregex import lazy_compile
from modcon.source import undecodable

# PEP 263's pattern, on the first or second line.
_CODING = lazy_compile(r'^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)')
_KEPT_BYTES = range(0xdc80, 0xdd00)  # the surrogates source.decode keeps bytes 0x80-0xff as


def declared_encoding(text: str) -> str | None:
    """The encoding a coding line on the first or second line names; on the second
    only when the first holds nothing but a comment, as Python reads it."""
    lines = text.split('\n', 2)[:2]
    for number, line in enumerate(lines):
        match = _CODING.match(line)
        if match is not None:
            return match[1]
        if number == 0 and line.strip() and not line.lstrip().startswith('#'):
            return None
    return None


@functools.lru_cache(maxsize=16)
def _byte_table(encoding: str) -> dict[int, str | None] | None:
    """For a one-byte encoding that keeps ASCII: each kept byte's surrogate -> the
    character the encoding reads it as (None: a byte it refuses). None otherwise."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    ascii_part = bytes(range(0x80))
    try:
        if ascii_part.decode(name) != ascii_part.decode('ascii'):
            return None
    except (UnicodeDecodeError, ValueError):
        return None
    table: dict[int, str | None] = {}
    for byte in range(0x80, 0x100):
        try:
            char = bytes((byte,)).decode(name)
        except UnicodeDecodeError:
            char = None
        except ValueError:  # a codec that is not for text
            return None
        if char is not None and len(char) != 1:
            return None
        table[0xdc00 + byte] = char
    return table


def readable_code(text: str) -> str | None:
    """``text`` as Python reads it, one character for one: itself when it is UTF-8;
    with its kept bytes read by the encoding its coding line names, when that is a
    one-byte encoding; None when Python or modcon cannot read it."""
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        pass
    else:
        return text
    encoding = declared_encoding(text)
    table = _byte_table(encoding) if encoding is not None else None
    if table is None:
        return None
    if any(table.get(ord(c), '') is None for c in text if ord(c) in _KEPT_BYTES):
        return None  # a byte the declared encoding refuses: Python refuses the file
    return text.translate(table)


def unreadable_byte(text: str) -> int | None:
    """The offset of the first byte of ``text`` Python cannot read: one that is not
    UTF-8, unless a coding line names a one-byte encoding that reads it (None: Python
    reads the file)."""
    at = undecodable(text)
    return at if at is not None and readable_code(text) is None else None


def unreadable_reason(text: str, at: int) -> str:
    """Why a Python file whose first byte that is not UTF-8 is at ``at`` cannot be read."""
    encoding = declared_encoding(text)
    if encoding is None:
        return f'is not UTF-8 text (invalid byte at offset {at})'
    return (f'is not UTF-8 text (invalid byte at offset {at}), and modcon does not read the '
            f'encoding its coding line names, {encoding!r}, or the file has a byte it refuses')
