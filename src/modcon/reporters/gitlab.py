"""GitLab Code Quality: the CodeClimate-based JSON array of ``artifacts:reports:codequality``.

GitLab reads ``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location`` (path and begin line); the other fields come from the CodeClimate
issue spec and are there for other readers of that format.

The fingerprint is stable across runs and unaffected by lines moving: a hash of
the path, the rule and the flagged text (whitespace-normalised), plus the
occurrence number of that same text in that file, so that two identical
findings in one file still differ (GitLab keeps one issue per fingerprint).
"""
from __future__ import annotations

import hashlib
import json

from modcon.model import Finding
from modcon.model import Severity
from modcon.properties import Property
from modcon.reporters import ReportContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# GitLab's scale is info < minor < major < critical < blocker; modcon has no
# level above "error", so critical and blocker stay unused (as ESLint's
# GitLab formatter does).
SEVERITIES = {Severity.ERROR: 'major', Severity.WARNING: 'minor', Severity.INFO: 'info'}

# CodeClimate's fixed categories: what breaking each property risks.
CATEGORIES = {
    Property.SIGNALS: 'Bug Risk',
    Property.EXIT_CODES: 'Bug Risk',
    Property.STANDARD_STREAMS: 'Bug Risk',
    Property.EXPLICIT_INTERFACES: 'Clarity',
    Property.DISPOSABLE: 'Bug Risk',
    Property.IMMUTABLE: 'Bug Risk',
    Property.SELF_CONTAINED: 'Compatibility',
    Property.SMALL: 'Performance',
}


def _last_line(f: Finding) -> int:
    """The last line the finding covers (a range ending at a line start stops before it)."""
    if f.finish.line > f.begin.line and f.finish.column == 1:
        return f.finish.line - 1
    return f.finish.line


def _flagged(f: Finding, context: ReportContext) -> str:
    source = context.sources.get(f.path)
    if source is None:  # not expected: every finding's file was read
        return f.message
    return ' '.join(source.text[f.start:f.end].split())


def fingerprints(findings: list[Finding], context: ReportContext) -> list[str]:
    """One fingerprint per finding, in order; distinct within one report."""
    seen: dict[tuple[str, str, str], int] = {}
    result = []
    for f in findings:
        key = (f.path, f.rule.code, _flagged(f, context))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        payload = '\0'.join(('modcon', *key, str(occurrence)))
        result.append(hashlib.sha256(payload.encode('utf-8', 'surrogatepass')).hexdigest())
    return result


def issue(f: Finding, fingerprint: str, docs_url: str) -> dict[str, Any]:
    url = f.property.url(docs_url)
    body = [f'**{f.rule.code} {f.rule.name}**: {f.rule.summary}']
    if f.fix is not None:
        body.append(f'Fix ({f.fix.applicability.label}): {f.fix.title}')
    body.append(f'Property [{f.property.label}]({url})')
    return {
        'type': 'issue',
        'engine_name': 'modcon',
        'check_name': f.rule.code,
        'description': f'{f.message} (property {f.property.label}: {url})',
        'content': {'body': '\n\n'.join(body)},
        'categories': [CATEGORIES[f.property]],
        'severity': SEVERITIES[f.severity],
        'fingerprint': fingerprint,
        'location': {
            'path': f.path,
            'lines': {'begin': f.begin.line, 'end': _last_line(f)},
        },
    }


def render(findings: list[Finding], context: ReportContext) -> str:
    issues = [issue(f, fp, context.docs_url)
              for f, fp in zip(findings, fingerprints(findings, context))]
    # No byte order mark: GitLab's parser rejects one. One issue per line, by the
    # C encoder (as the json format: ``indent`` is several times slower).
    if not issues:
        return '[]\n'
    return '[\n' + ',\n'.join(json.dumps(i, ensure_ascii=False) for i in issues) + '\n]\n'
