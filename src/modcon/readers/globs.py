"""Glob patterns of a Dockerfile (``COPY src/*.py``) read as ``fnmatch`` reads them,
in time linear in their length.

``fnmatch.translate`` looks for the ``]`` that closes each ``[`` from where the
``[`` stands, to the end of the pattern when none does (the ``[`` is then a
literal): a ``COPY`` source of thousands of ``[`` took seconds. Here each ``[`` is
settled the same way with the next ``]`` known in advance, and written so that
``fnmatch`` finds its end at once: a class as it stands, a literal ``[`` as
``[[]`` (the class of ``[`` alone).
"""
from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable


@functools.lru_cache(maxsize=256)
def matcher(pattern: str) -> Callable[[str], re.Match[str] | None]:
    """``fnmatch.fnmatchcase(name, pattern)`` as a compiled test of ``name``."""
    return re.compile(translate(pattern)).match


def translate(pattern: str) -> str:
    """``fnmatch.translate(pattern)``: the same language, without its quadratic case."""
    if '[' not in pattern:
        return fnmatch.translate(pattern)
    size = len(pattern)
    next_close = [size] * (size + 1)  # where the first `]` at or after each place is
    for at in range(size - 1, -1, -1):
        next_close[at] = at if pattern[at] == ']' else next_close[at + 1]
    pieces = []
    i = 0
    while i < size:
        if pattern[i] != '[':
            pieces.append(pattern[i])
            i += 1
            continue
        j = i + 1  # as fnmatch reads a class: `!` first, then `]` as a member
        if j < size and pattern[j] == '!':
            j += 1
        if j < size and pattern[j] == ']':
            j += 1
        close = next_close[j]
        if close >= size:  # never closed: a literal `[`
            pieces.append('[[]')
            i += 1
        else:
            pieces.append(pattern[i:close + 1])
            i = close + 1
    return fnmatch.translate(''.join(pieces))
