"""Marked regions a fix must not edit: `[START name]` ... `[END name]`.

Sample repositories (GoogleCloudPlatform's, the Cloud Run and App Engine
samples) mark the lines their published documentation quotes with comments
such as ``// [START cloudrun_server]`` and ``# [END run_entrypoint]``. A fix
that inserts a line there changes the snippet on the documentation page, so
fixers place their edit after the region, or leave the file alone.
"""
from __future__ import annotations

import re

from modcon.named_tuple import NamedTuple

# A snippet marker in any comment syntax; python.regions reads it after `#`.
SNIPPET_MARKER = re.compile(r'\[(START|END)\s+([^\]\s]+)\s*\]')


class Region(NamedTuple):
    name: str
    start: int  # the start of the START marker's line
    end: int  # the start of the line after the END marker


def marked_regions(text: str) -> list[Region]:
    """Every region with both markers, in the order the START markers appear.
    A START without its END marks nothing (the file is not a snippet source)."""
    opened: dict[str, int] = {}
    regions: list[Region] = []
    for match in SNIPPET_MARKER.finditer(text):
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
