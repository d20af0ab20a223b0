"""Text from files and file names made safe to print on a terminal.

A file name or a Dockerfile line can hold escape sequences that move the
cursor, retitle the window or hide text (``\\x1b[2K``), and bidirectional
controls that reorder what is shown (Trojan Source). They are printed as
visible escapes instead: ``\\x1b``, ``\\u202e``. So is a byte that is not UTF-8,
which modcon reads as a lone surrogate (``source.decode``): ``\\xfc``, never a
raw byte that a UTF-8 terminal or pipe cannot take.
"""
from __future__ import annotations

import re

from modcon.lazyregex import lazy_compile
from modcon.source import undecoded_byte

# C0 and C1 controls, DEL, the bidirectional and zero-width format characters, and
# lone surrogates.
_UNSAFE = lazy_compile('[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e'
                        '\u2060-\u2069\ud800-\udfff\ufeff]')
_UNSAFE_KEEP_NEWLINES = lazy_compile('[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f'
                                     '\u2028-\u202e\u2060-\u2069\ud800-\udfff\ufeff]')


def _escape(match: re.Match[str]) -> str:
    byte = undecoded_byte(match[0])  # a byte that is not UTF-8: shown as that byte
    code = ord(match[0]) if byte is None else byte
    return f'\\x{code:02x}' if code < 0x100 else f'\\u{code:04x}'


def printable(text: str, newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape; tabs stay,
    and line breaks too when ``newlines``."""
    if text.isprintable():  # every character above is non-printable to Python too
        return str(text)  # a plain str, as from ``sub``
    return (_UNSAFE_KEEP_NEWLINES if newlines else _UNSAFE).sub(_escape, text)

