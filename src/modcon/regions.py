"""Marked regions a fix must not edit, in any language modcon edits.

* ``[START name]`` ... ``[END name]``: snippet markers. Sample repositories
  (GoogleCloudPlatform's, the Cloud Run and App Engine samples) mark the lines
  their published documentation quotes with comments such as
  ``// [START cloudrun_server]`` and ``# [END run_entrypoint]``. A fix that
  inserts a line there changes the snippet on the documentation page;
* ``# fmt: off`` ... ``# fmt: on`` (or the end of the file), in Python: code
  that its authors laid out by hand and asked formatters to leave alone.

Fixers place their edit before the region's first line or after its last one,
or leave the file alone. Shell scripts and JavaScript are read by offset
(``marked_regions``, ``enclosing``); Python by line (``python_regions``,
``region_around``), from the same reading of the markers.
"""
from __future__ import annotations

import re

from modcon.named_tuple import NamedTuple
from modcon.source import SourceFile

# A snippet marker in any comment syntax (JavaScript, shell, ...).
SNIPPET_MARKER = re.compile(r'\[(START|END)\s+([^\]\s]+)\s*\]')
# The same marker as a Python comment: after `#`, on one line (not in a string).
PYTHON_SNIPPET_MARKER = re.compile(r'#[^\S\n]*\[(START|END)[^\S\n]+([^\]\s]+)[^\S\n]*\]')
_FORMAT_SWITCH = re.compile(r'#\s*fmt:\s*(off|on)\b')


class Region(NamedTuple):
    name: str
    start: int  # the start of the START marker's line
    end: int  # the start of the line after the END marker


def marked_regions(text: str, marker: re.Pattern[str] = SNIPPET_MARKER) -> list[Region]:
    """Every region with both markers, in the order the START markers appear.
    A START without its END marks nothing (the file is not a snippet source)."""
    opened: dict[str, int] = {}
    regions: list[Region] = []
    for match in marker.finditer(text):
        line_start = text.rfind('\n', 0, match.start()) + 1
        kind, name = match.groups()
        if kind == 'START':
            opened.setdefault(name, line_start)
        elif name in opened:
            newline = text.find('\n', match.end())
            end = len(text) if newline == -1 else newline + 1
            regions.append(Region(name, opened.pop(name), end))
    return sorted(regions, key=lambda r: r.start)


def enclosing(offset: int, regions: list[Region]) -> Region | None:
    """The outermost region an edit at ``offset`` would land inside (an edit
    at a START line's start or right after an END line is outside)."""
    inside = [r for r in regions if r.start < offset < r.end]
    return max(inside, key=lambda r: r.end) if inside else None


class LineRegion(NamedTuple):
    first: int  # 1-based line of the opening marker
    last: int  # 1-based line of the closing marker (or the file's last line)
    name: str  # how a report names it: `[START x]` or `fmt: off`


def python_regions(source: SourceFile) -> list[LineRegion]:
    """The protected spans of a Python file, in file order and apart from each other.

    A region inside another counts as the outer one; regions that cross (one
    starts inside the other and ends after it) count as one span, named after
    the first: an edit moved out of one of them must not land in the other.
    Two markers of the same lines (``[START x]  # fmt: off``) are one span.
    """
    text = source.text
    if '[START' not in text and 'fmt:' not in text:
        return []
    found = [LineRegion(source.position(r.start).line, source.position(r.end - 1).line,
                        f'[START {r.name}]')
             for r in marked_regions(text, PYTHON_SNIPPET_MARKER)]
    found.extend(_format_off(source))
    spans: list[LineRegion] = []
    for region in sorted(found, key=lambda r: (r.first, -r.last)):
        if spans and region.first <= spans[-1].last:  # inside or crossing the span before
            if region.last > spans[-1].last:
                spans[-1] = spans[-1]._replace(last=region.last)
            continue
        spans.append(region)
    return spans


def _format_off(source: SourceFile) -> list[LineRegion]:
    """``# fmt: off`` ... ``# fmt: on``; an ``off`` never switched back on runs
    to the file's last line."""
    found: list[LineRegion] = []
    format_off: int | None = None
    count = len(source.line_starts)
    for number in range(1, count + 1):
        line = source.line_text(number)
        if '#' not in line:
            continue
        switch = _FORMAT_SWITCH.search(line)
        if switch is not None:
            if switch[1] == 'off' and format_off is None:
                format_off = number
            elif switch[1] == 'on' and format_off is not None:
                found.append(LineRegion(format_off, number, 'fmt: off'))
                format_off = None
    if format_off is not None:
        found.append(LineRegion(format_off, count, 'fmt: off'))
    return found


def region_around(regions: list[LineRegion], line: int) -> LineRegion | None:
    """The region that lines inserted before ``line`` would land in."""
    return next((r for r in regions if r.first < line <= r.last), None)
