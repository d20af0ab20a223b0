"""Pragmas that silence findings: modcon's own and those users already have.

The engine decides for every rule: a finding is silenced by the file's
pragmas and by those its document finds for its range (``Document.pragmas_in``).

In a Dockerfile, on comment lines between the previous instruction and the
one a finding starts on:

* ``# modcon: ignore=MC101[,MC102]`` (codes or rule names), also on any
  comment line inside the finding's range;
* ``# hadolint ignore=DL3025``, ``# tally ignore=buildkit/JSONArgsRecommended``
  and ``# check=skip=JSONArgsRecommended``, mapped through each rule's ``aliases``.

In code, ``# modcon: ignore=MC201`` (``//`` in JavaScript) on any line of the
finding or the line above it.

Anywhere in the file: ``# modcon: ignore-file=MC101``,
``# hadolint global ignore=DL3025`` and ``# tally global ignore=...``; and
BuildKit's ``# check=skip=...`` parser directive at the top of the file
(``skip=all`` included).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from modcon.lazyregex import lazy_compile
from modcon.model import Rule

_MODCON = lazy_compile(r'^modcon:\s*(ignore|ignore-file)\s*=\s*([\w,\s-]+)$', re.IGNORECASE)
_HADOLINT = lazy_compile(r'^hadolint\s+(global\s+)?ignore\s*=\s*([\w,\s]+?)(\s+#.*)?$',
                         re.IGNORECASE)
_CHECK = lazy_compile(r'^check\s*=\s*(.*)$', re.IGNORECASE)
_TALLY = lazy_compile(r'^tally\s+(global\s+)?ignore\s*=\s*([\w,/\s-]+?)\s*(;.*)?$', re.IGNORECASE)


def _names(text: str) -> set[str]:
    return {part.strip().lower() for part in text.split(',') if part.strip()}


def _check_skips(value: str) -> set[str]:
    skips: set[str] = set()
    for option in value.split(';'):
        key, _, names = option.partition('=')
        if key.strip().lower() == 'skip':
            skips |= {f'buildkit:{n}' for n in _names(names)}
    return skips


_WORDS = {'m': 'modcon', 'h': 'hadolint', 't': 'tally', 'c': 'check'}


def _pragma_word(text: str) -> str:
    """The first letter of the pragma word ``text`` may start with, or ''. A comment
    whose first word is plainly another (``# This``, ``# Copy``) is none: its
    expression, matched case-insensitively, is not even compiled. A head that is not
    ASCII goes to the expression, whose case folding reads ``ı`` as ``i``."""
    head = text[:1].lower()
    word = _WORDS.get(head)
    if word is None:
        return ''
    start = text[:len(word)]
    if start.isascii() and start.lower() != word:
        return ''
    return head


class Pragmas:
    """The suppressions one comment block (or a whole file) carries.

    ``tokens`` holds lower-case modcon codes and names, and foreign codes
    prefixed with their tool (``hadolint:dl3025``, ``buildkit:jsonargsrecommended``).
    """

    def __init__(self, tokens: Iterable[str] = ()) -> None:
        self.tokens = set(tokens)

    @classmethod
    def parse(cls, comments: Iterable[str], *, file_wide: bool, foreign: bool = True) -> Pragmas:
        """The pragmas in ``comments``; ``foreign=False`` reads modcon's own only."""
        tokens: set[str] = set()
        for text in comments:
            # Each pragma starts with its own word (any case); a comment that starts
            # otherwise is none of them, and no expression is compiled for it.
            head = _pragma_word(text)
            if head == 'm':
                match = _MODCON.match(text)
                if match and (match[1].lower() == 'ignore-file') == file_wide:
                    tokens |= _names(match[2])
            elif not foreign:
                continue
            elif head == 'h':
                match = _HADOLINT.match(text)
                if match and bool(match[1]) == file_wide:
                    tokens |= {f'hadolint:{n}' for n in _names(match[2])}
            elif head == 't':
                match = _TALLY.match(text)
                if match and bool(match[1]) == file_wide:
                    tokens |= {f'tally:{n}' for n in _names(match[2])}
            elif head == 'c':
                match = _CHECK.match(text)
                if match and not file_wide:
                    tokens |= _check_skips(match[1])
        return cls(tokens)

    def silences(self, rule: Rule) -> bool:
        if not self.tokens:
            return False
        if rule.code.lower() in self.tokens or rule.name in self.tokens or 'all' in self.tokens:
            return True
        aliases = {a.lower() for a in rule.aliases}
        if 'buildkit:all' in self.tokens and any(a.startswith('buildkit:') for a in aliases):
            return True
        return bool(aliases & self.tokens)

    def __or__(self, other: Pragmas) -> Pragmas:
        return Pragmas(self.tokens | other.tokens)


def directive_pragmas(directives: dict[str, str]) -> Pragmas:
    """BuildKit's ``# check=skip=...`` parser directive applies to the whole file."""
    check = directives.get('check')
    return Pragmas(_check_skips(check)) if check else Pragmas()
