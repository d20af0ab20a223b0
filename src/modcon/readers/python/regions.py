"""Marked regions of a Python file that a fix must not edit.

* ``# [START name]`` ... ``# [END name]``: snippet markers; tools cut the
  lines between them into published documentation (Google's samples, for
  one), so a line added there shows up in the docs;
* ``# fmt: off`` ... ``# fmt: on`` (or the end of the file): code that its
  authors laid out by hand and asked formatters to leave alone.

A fix inserts its lines before the region's first line or after its last one,
never between them.
"""
from __future__ import annotations

import re

from modcon.named_tuple import NamedTuple
from modcon.regions import SNIPPET_MARKER
from modcon.source import SourceFile

_SNIPPET = re.compile(r'#\s*' + SNIPPET_MARKER.pattern)
_FORMAT = re.compile(r'#\s*fmt:\s*(off|on)\b')


class Region(NamedTuple):
    first: int  # 1-based line of the opening marker
    last: int  # 1-based line of the closing marker (or the file's last line)
    name: str  # how a report names it: `[START x]` or `fmt: off`


def marked_regions(source: SourceFile) -> list[Region]:
    """The outermost marked regions of ``source``, in file order."""
    text = source.text
    if '[START' not in text and 'fmt:' not in text:
        return []
    found: list[Region] = []
    open_snippets: dict[str, int] = {}
    format_off: int | None = None
    count = len(source.line_starts)
    for number in range(1, count + 1):
        line = source.line_text(number)
        if '#' not in line:
            continue
        for match in _SNIPPET.finditer(line):
            kind, name = match.groups()
            if kind == 'START':
                open_snippets.setdefault(name, number)
            elif name in open_snippets:
                found.append(Region(open_snippets.pop(name), number, f'[START {name}]'))
        switch = _FORMAT.search(line)
        if switch is not None:
            if switch[1] == 'off' and format_off is None:
                format_off = number
            elif switch[1] == 'on' and format_off is not None:
                found.append(Region(format_off, number, 'fmt: off'))
                format_off = None
    if format_off is not None:
        found.append(Region(format_off, count, 'fmt: off'))
    outermost = [r for r in found
                 if not any(o != r and o.first <= r.first and r.last <= o.last for o in found)]
    return sorted(set(outermost))


def region_around(regions: list[Region], line: int) -> Region | None:
    """The region that lines inserted before ``line`` would land in."""
    return next((r for r in regions if r.first < line <= r.last), None)
