"""Human-readable output: each finding with its line, fix and property link.

Everything taken from the files (names, lines, words quoted in messages) is
passed through ``printable``: this output is read on terminals.
"""
from __future__ import annotations

from modcon.model import Applicability
from modcon.model import Finding
from modcon.model import Severity
from modcon.printable import printable
from modcon.reporters import ReportContext
from modcon.reporters import excerpt

_COLORS = {Severity.ERROR: '31', Severity.WARNING: '33', Severity.INFO: '36'}


def _paint(text: str, code: str, on: bool) -> str:
    return f'\033[{code}m{text}\033[0m' if on else text


def fix_label(finding: Finding) -> str:
    fix = finding.fix
    if fix is None:
        return 'no automatic fix'
    if fix.applicability is Applicability.SAFE:
        return 'safe fix'
    if fix.applicability is Applicability.UNSAFE:
        return 'unsafe fix (--unsafe-fixes)'
    return 'suggestion'


def render(findings: list[Finding], context: ReportContext) -> str:
    lines: list[str] = []
    color = context.color
    for f in findings:
        where = f'{printable(f.path)}:{f.begin.line}:{f.begin.column}:'
        level = _paint(f.severity.label, _COLORS[f.severity], color)
        code = _paint(f.rule.code, '1', color)
        lines.append(f'{_paint(where, "1", color)} {level} {code} {printable(f.message)}')
        source = context.sources.get(f.path)
        if source is not None:
            number = str(f.begin.line)
            gutter = ' ' * len(number)
            lines.append(f'  {number} | {printable(excerpt(source, f))}')
            if f.finish.line > f.begin.line:
                more = f.finish.line - f.begin.line
                lines.append(f'  {gutter} | ... ({more} more line{"s" if more > 1 else ""})')
        else:
            gutter = ' '
        if f.fix is not None:
            lines.append(f'  {gutter} = {fix_label(f)}: {printable(f.fix.title)}')
        lines.append(f'  {gutter} = {f.rule.name}, property {f.property.label}: '
                     f'{f.property.url(context.docs_url)}')
        lines.append('')
    lines.append(summary(findings, context.checked, context.nothing_checked))
    return '\n'.join(lines) + '\n'


def summary(findings: list[Finding], checked: int | None = None,
            nothing_checked: str | None = None) -> str:
    """The last line: how many files were checked, and what was found in them."""
    if checked == 0 and not findings:
        return f'Checked no files: {printable(nothing_checked or "nothing to check")}.'
    files = len({f.path for f in findings})
    head = 'All checked' if checked is None else f'Checked {_count(checked, "file")}'
    if not findings:
        return f'{head}: no findings.'
    found = _count(len(findings), 'finding')
    if checked != 1:
        found += f' in {_count(files, "file")}'
    parts = [f'{head}: found {found}' if checked is not None else f'Found {found}']
    safe = sum(1 for f in findings if f.fix and f.fix.applicability is Applicability.SAFE)
    unsafe = sum(1 for f in findings if f.fix and f.fix.applicability is Applicability.UNSAFE)
    if safe:
        parts.append(f'{safe} fixable with `modcon fix`')
    if unsafe:
        parts.append(f'{unsafe} {"more " if safe else ""}fixable with `modcon fix --unsafe-fixes`')
    return '; '.join(parts) + '.'


def _count(number: int, noun: str) -> str:
    return f'{number} {noun}{"s" if number != 1 else ""}'
