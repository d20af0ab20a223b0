"""The job summary: what was scanned, found, fixed, and what needs a person."""
from __future__ import annotations

from collections.abc import Sequence

from modcon.github import markdown as md
from modcon.model import Finding

ICONS = {'error': ':x:', 'warning': ':warning:', 'info': ':information_source:'}


def _rows(findings: Sequence[Finding], docs_url: str, limit: int = 200) -> list[str]:
    rows = ['| | File | Rule | Property | Finding | Fix |', '| --- | --- | --- | --- | --- | --- |']
    for f in findings[:limit]:
        fix = f'{f.fix.applicability.label}: {md.message(f.fix.title)}' if f.fix else 'needs a person'
        rows.append(
            f'| {ICONS[f.severity.label]} | {md.code(f.path)}:{f.begin.line} | '
            f'{f.rule.code} {md.code(f.rule.name)} | '
            f'{md.link(f.property.label, f.property.url(docs_url))} | {md.message(f.message)} | '
            f'{fix} |',
        )
    if len(findings) > limit:
        rows.append(f'| | ... | | | {len(findings) - limit} more findings | |')
    return rows


def render(*, mode: str, scanned: str, files: int, findings: Sequence[Finding],
           fixed: Sequence[Finding], docs_url: str, pull: str | None = None,
           notes: Sequence[str] = ()) -> str:
    people = [f for f in findings if f.fix is None]
    lines = [f'## modcon {mode}', '',
             f'Scanned {files} file{"s" if files != 1 else ""} ({md.text(scanned)}).', '']
    if not findings and not fixed:
        lines += ['No findings: these containers keep the module-container properties.', '']
    if fixed:
        lines += [f'### Fixed ({len(fixed)})', '', *_rows(fixed, docs_url), '']
    if pull:
        lines += [pull, '']
    if findings:
        title = 'Findings' if mode == 'check' else 'Still to do'
        lines += [f'### {title} ({len(findings)}, {len(people)} without an automatic fix)', '',
                  *_rows(findings, docs_url), '']
    lines += [f'- {note}' for note in notes]
    return '\n'.join(lines).rstrip() + '\n'
