"""Output formats: each module renders a list of findings as one format.

Reporters are pure functions ``render(findings, context) -> str``.
"""
from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping

from modcon.model import Finding
from modcon.named_tuple import NamedTuple
from modcon.source import SourceFile


class ReportContext(NamedTuple):
    docs_url: str
    sources: Mapping[str, SourceFile]  # by Finding.path, for reporters that quote lines
    color: bool = False
    checked: int | None = None  # how many files were checked (None: not counted)
    nothing_checked: str | None = None  # why no file was checked, when none was


Renderer = Callable[[list[Finding], ReportContext], str]

# Up to this many characters of a finding's line are quoted in a report.
EXCERPT_WIDTH = 240


def excerpt(source: SourceFile, finding: Finding) -> str:
    """The finding's first line as a report quotes it: whole when it is at most
    ``EXCERPT_WIDTH`` characters; a longer one (a minified script, a generated
    command) cut to that width from a little before the finding's column, with
    ``…`` where it was cut. A report then grows with the number of findings, not
    with findings times the length of their line: 2,000 findings on one 18 KB
    line printed 37 MB."""
    line = source.line_text(finding.begin.line)
    if len(line) <= EXCERPT_WIDTH:
        return line
    start = min(max(finding.begin.column - 1 - EXCERPT_WIDTH // 4, 0), len(line) - EXCERPT_WIDTH)
    end = start + EXCERPT_WIDTH
    return ('…' if start else '') + line[start:end] + ('…' if end < len(line) else '')


FORMATS = ('text', 'json', 'sarif', 'github', 'gitlab', 'checkstyle', 'junit')


def renderer(name: str) -> Renderer:
    """The render function of format ``name`` (imported on demand)."""
    if name == 'text':
        from modcon.reporters.text import render
    elif name == 'json':
        from modcon.reporters.json import render
    elif name == 'sarif':
        from modcon.reporters.sarif import render
    elif name == 'github':
        from modcon.reporters.github import render
    elif name == 'gitlab':
        from modcon.reporters.gitlab import render
    elif name == 'checkstyle':
        from modcon.reporters.checkstyle import render
    elif name == 'junit':
        from modcon.reporters.junit import render
    else:
        raise ValueError(f'unknown format {name!r}')
    return render
