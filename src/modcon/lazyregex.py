"""Regular expressions compiled on first use instead of at import.

A module-level ``re.compile`` runs on every start, whether or not the run
needs the pattern, and a cold check of one Dockerfile never uses most of
them. ``lazy_compile`` returns a stand-in that compiles the pattern the first
time one of its methods is asked for; from then on those methods are plain
attributes of the stand-in, so a hot loop pays nothing more. Use it only for
patterns whose methods are called: it is not a ``re.Pattern`` for
``isinstance`` or for the ``re`` module's functions.
"""
from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_METHODS = ('match', 'fullmatch', 'search', 'finditer', 'findall', 'sub', 'subn', 'split')


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        self._arguments = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only until the first use
        compiled = re.compile(*self._arguments)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def lazy_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, done when the pattern is first used."""
    return _LazyPattern(pattern, flags)  # type: ignore[return-value]  # a stand-in, as said above
