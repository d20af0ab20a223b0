"""Machine-readable output: one JSON object per finding, fixes included."""
from __future__ import annotations

import json

from modcon.model import Finding
from modcon.model import created_path
from modcon.reporters import ReportContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _position(source: Any, offset: int) -> dict[str, int]:
    position = source.position(offset)
    return {'line': position.line, 'column': position.column}


def finding_dict(f: Finding, context: ReportContext) -> dict[str, Any]:
    source = context.sources.get(f.path)
    fix = None
    if f.fix is not None:
        fix = {
            'title': f.fix.title,
            'applicability': f.fix.applicability.label,
            'edits': [
                {
                    'offset': e.start,
                    'length': e.end - e.start,
                    'content': e.content,
                    **({'start': _position(source, e.start), 'end': _position(source, e.end)}
                       if source is not None else {}),
                }
                for e in f.fix.edits
            ],
            # Files the fix adds (a .dockerignore), named as ``path`` is: never overwritten.
            'creates': [{'path': created_path(f.path, c.path), 'content': c.content}
                        for c in f.fix.creates],
        }
    return {
        'code': f.rule.code,
        'name': f.rule.name,
        'severity': f.severity.label,
        'message': f.message,
        'path': f.path,
        'start': {'line': f.begin.line, 'column': f.begin.column},
        'end': {'line': f.finish.line, 'column': f.finish.column},
        'property': {
            'id': f.property.number,
            'title': f.property.title,
            'url': f.property.url(context.docs_url),
        },
        'fix': fix,
    }


def render(findings: list[Finding], context: ReportContext) -> str:
    """A JSON array with one finding per line: easy to grep and to diff, and
    written by the C encoder (``indent`` would switch to the pure-Python one,
    several times slower on large reports)."""
    if not findings:
        return '[]\n'
    lines = (json.dumps(finding_dict(f, context), ensure_ascii=False) for f in findings)
    return '[\n' + ',\n'.join(lines) + '\n]\n'
