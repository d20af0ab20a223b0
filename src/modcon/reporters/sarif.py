"""SARIF 2.1.0 for code scanning: rules with help links, results with fixes."""
from __future__ import annotations

import json
from urllib.parse import quote

from modcon import __version__
from modcon.model import Finding
from modcon.model import Rule
from modcon.model import Severity
from modcon.model import created_path
from modcon.reporters import ReportContext
from modcon.source import encode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json'
LEVELS = {Severity.ERROR: 'error', Severity.WARNING: 'warning', Severity.INFO: 'note'}
INFORMATION_URI = 'https://github.com/modcon/modcon'


_EMPTY_START = {'startLine': 1, 'startColumn': 1, 'endLine': 1, 'endColumn': 1,
                'charOffset': 0, 'charLength': 0}


def _region(source: Any, start: int, end: int) -> dict[str, int]:
    begin = source.position(start)
    finish = source.position(end)
    return {
        'startLine': begin.line,
        'startColumn': begin.column,
        'endLine': finish.line,
        'endColumn': finish.column,
        'charOffset': start,
        'charLength': end - start,
    }


def _rule(rule: Rule, docs_url: str) -> dict[str, Any]:
    url = rule.property.url(docs_url)
    return {
        'id': rule.code,
        'name': rule.name,
        'shortDescription': {'text': rule.summary[:1024]},
        'fullDescription': {'text': f'{rule.summary} Property {rule.property.label}.'[:1024]},
        'helpUri': url,
        'help': {
            'text': f'{rule.summary}\nProperty {rule.property.label}: {url}',
            'markdown': rule.doc + f'\n\nProperty [{rule.property.label}]({url}).',
        },
        'defaultConfiguration': {'level': LEVELS[rule.severity]},
        'properties': {
            'tags': ['container', 'dockerfile', f'property-{rule.property.number}'],
            'property': rule.property.label,
            'propertyUrl': url,
        },
    }


def _uri(path: str) -> str:
    """``path`` (``/``-separated) as a relative URI reference that decodes to exactly
    that name: every byte but letters, digits, ``-._~`` and the separators
    percent-encoded, ``%`` itself and a byte that is not UTF-8 (a lone surrogate, as
    Python reads file names) included. Spaces, quotes, ``<``, line breaks and a
    backslash (a name's character on POSIX, not a separator) are not URI characters;
    an unencoded ``%2F`` would decode to another path, and a ``:`` in the first segment
    would read as a scheme."""
    return quote(encode(path), safe='/')


def _result(f: Finding, index: int, context: ReportContext) -> dict[str, Any]:
    source = context.sources[f.path]
    uri = _uri(f.path)
    url = f.property.url(context.docs_url)
    result: dict[str, Any] = {
        'ruleId': f.rule.code,
        'ruleIndex': index,
        'level': LEVELS[f.severity],
        'message': {'text': f'{f.message} (property {f.property.label}: {url})'},
        'locations': [{
            'physicalLocation': {
                'artifactLocation': {'uri': uri},
                'region': _region(source, f.start, f.end),
            },
        }],
        'properties': {'propertyUrl': url},
    }
    if f.fix is not None:
        changes = [{
            'artifactLocation': {'uri': uri},
            'replacements': [
                {
                    'deletedRegion': _region(source, e.start, e.end),
                    'insertedContent': {'text': e.content},
                }
                for e in f.fix.edits
            ],
        }] if f.fix.edits else []
        # A file the fix creates: its whole text inserted at the start of an empty artifact.
        changes += [{
            'artifactLocation': {'uri': _uri(created_path(f.path, c.path))},
            'replacements': [{'deletedRegion': _EMPTY_START,
                              'insertedContent': {'text': c.content}}],
        } for c in f.fix.creates]
        result['fixes'] = [{'description': {'text': f.fix.title}, 'artifactChanges': changes}]
        result['properties']['fixApplicability'] = f.fix.applicability.label
    return result


def render(findings: list[Finding], context: ReportContext) -> str:
    rules: dict[str, Rule] = {}
    for f in findings:
        rules.setdefault(f.rule.code, f.rule)
    ordered = sorted(rules)
    index = {code: i for i, code in enumerate(ordered)}
    log = {
        '$schema': SCHEMA,
        'version': '2.1.0',
        'runs': [{
            'tool': {'driver': {
                'name': 'modcon',
                'version': __version__,
                'semanticVersion': __version__,
                'informationUri': INFORMATION_URI,
                'rules': [_rule(rules[code], context.docs_url) for code in ordered],
            }},
            'columnKind': 'unicodeCodePoints',
            'results': [_result(f, index[f.rule.code], context) for f in findings],
        }],
    }
    # Compact, by the C encoder: ``indent`` switches to the pure-Python one, which
    # took 0.4 s for 7,500 results. Readers of SARIF are tools; `jq .` shows it to people.
    return json.dumps(log, ensure_ascii=False) + '\n'
