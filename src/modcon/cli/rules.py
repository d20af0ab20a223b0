"""``modcon rules`` and ``modcon rule CODE``: the registry as documentation."""
from __future__ import annotations

import json

from modcon.errors import ModconError
from modcon.registry import find_rule
from modcon.registry import load_rules
from modcon.rulestable import readme_table


def print_rules(fmt: str) -> int:
    rules = sorted(load_rules().values(), key=lambda r: r.code)
    if fmt == 'json':
        print(json.dumps([{
            'code': r.code, 'name': r.name, 'property': r.property.number,
            'property_url': r.property.url(), 'severity': r.severity.label,
            'fixable': r.fixable, 'aliases': list(r.aliases), 'summary': r.summary,
        } for r in rules], indent=2))
    elif fmt == 'markdown':
        print(readme_table(rules), end='')  # the README's table (modcon.rulestable)
    else:
        width = max(len(r.name) for r in rules)
        for r in rules:
            print(f'{r.code}  {r.name:<{width}}  {r.property.number:<2}  {r.fixable:<9}  '
                  f'{r.summary}')
    return 0


def print_rule(code: str) -> int:
    found = find_rule(code)
    if found is None:
        raise ModconError(f'unknown rule {code!r}; `modcon rules` lists them')
    print(f'# {found.code} {found.name}\n')
    print(f'Property: {found.property.label} ({found.property.url()})')
    print(f'Severity: {found.severity.label}. Fix: {found.fixable}.')
    if found.aliases:
        print(f'Also silenced by: {", ".join(found.aliases)}')
    print()
    print(found.doc)
    return 0
