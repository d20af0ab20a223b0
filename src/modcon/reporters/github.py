"""GitHub Actions workflow commands: an annotation on each finding's lines."""
from __future__ import annotations

from modcon.model import Finding
from modcon.model import Severity
from modcon.reporters import ReportContext

LEVELS = {Severity.ERROR: 'error', Severity.WARNING: 'warning', Severity.INFO: 'notice'}


def escape_data(text: str) -> str:
    return text.replace('%', '%25').replace('\r', '%0D').replace('\n', '%0A')


def escape_property(text: str) -> str:
    return escape_data(text).replace(':', '%3A').replace(',', '%2C')


def annotation(f: Finding, docs_url: str) -> str:
    properties = [
        f'file={escape_property(f.path)}',
        f'line={f.begin.line}',
        f'endLine={f.finish.line}',
    ]
    if f.begin.line == f.finish.line:
        properties += [f'col={f.begin.column}', f'endColumn={f.finish.column}']
    properties.append(f'title={escape_property(f"{f.rule.code} {f.rule.name}")}')
    fix = f'\nFix ({f.fix.applicability.label}): {f.fix.title}' if f.fix else ''
    message = (f'{f.message}{fix}\n'
               f'Property {f.property.label}: {f.property.url(docs_url)}')
    return f'::{LEVELS[f.severity]} {",".join(properties)}::{escape_data(message)}'


def render(findings: list[Finding], context: ReportContext) -> str:
    return ''.join(annotation(f, context.docs_url) + '\n' for f in findings)
