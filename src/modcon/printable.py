"""Text from files and file names made safe to print on a terminal.

A file name or a Dockerfile line can hold escape sequences that move the
cursor, retitle the window or hide text (``\\x1b[2K``), and bidirectional
controls that reorder what is shown (Trojan Source). They are printed as
visible escapes instead: ``\\x1b``, ``\\u202e``.
"""
from __future__ import annotations

import re

from modcon.lazyregex import lazy_compile

# C0 and C1 controls, DEL, and the bidirectional and zero-width format characters.
_UNSAFE = lazy_compile('[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e'
                        '\u2060-\u2069\ufeff]')
_UNSAFE_KEEP_NEWLINES = lazy_compile('[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f'
                                     '\u2028-\u202e\u2060-\u2069\ufeff]')


def _escape(match: re.Match[str]) -> str:
    ch = match[0]
    return f'\\x{ord(ch):02x}' if ord(ch) < 0x100 else f'\\u{ord(ch):04x}'


def printable(text: str, newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape; tabs stay,
    and line breaks too when ``newlines``."""
    if text.isprintable():  # every character above is non-printable to Python too
        return str(text)  # a plain str, as from ``sub``
    return (_UNSAFE_KEEP_NEWLINES if newlines else _UNSAFE).sub(_escape, text)
