"""The rule registry: ``@rule`` checks each declaration once, at import.

Rules live in ``modcon.fixers.<kind>.mcNNN_<name>``, one module per rule.
They are imported per kind, on demand, so a Dockerfile check never imports
the Python or JavaScript fixers (and their parsers).
"""
from __future__ import annotations

import copyreg
import importlib
import os
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator

from modcon.model import Hit
from modcon.model import Rule
from modcon.model import Severity
from modcon.properties import Property

CODE_RE = re.compile(r'^MC[0-9]{3}$')
NAME_RE = re.compile(r'^[a-z][a-z0-9]*(-[a-z0-9]+)*$')
DOC_SECTIONS = (
    '## What it does',
    '## Why is this bad?',
    '## Example',
    '## Use instead',
    '## Fix safety',
)
KINDS = ('dockerfile', 'python', 'shell', 'javascript')
FIXABLE = ('always', 'sometimes', 'never')

RULES: dict[str, Rule] = {}
_loaded_kinds: set[str] = set()

CheckFunc = Callable[..., Iterator[Hit]]


class RegistryError(Exception):
    """A rule declaration is broken: a bug in modcon, caught by the tests."""


def cleandoc(doc: str) -> str:
    """Dedent a docstring (what ``inspect.cleandoc`` does, without importing
    ``inspect``, which costs milliseconds on every start)."""
    lines = doc.expandtabs().split('\n')
    indents = [len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()]
    margin = min(indents, default=0)
    cleaned = [lines[0].strip(), *(ln[margin:].rstrip() for ln in lines[1:])]
    return '\n'.join(cleaned).strip('\n')


def rule(
        *,
        code: str,
        name: str,
        kind: str,
        property: Property,
        severity: Severity = Severity.WARNING,
        fixable: str = 'sometimes',
        aliases: Iterable[str] = (),
) -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func`` as the check of rule ``code``."""
    def decorator(func: CheckFunc) -> CheckFunc:
        doc = cleandoc(func.__doc__ or '')
        problems = [
            *([f'bad code {code!r}'] if not CODE_RE.match(code) else []),
            *([f'bad name {name!r}'] if not NAME_RE.match(name) else []),
            *([f'{code} already registered'] if code in RULES else []),
            *([f'unknown kind {kind!r}'] if kind not in KINDS else []),
            *([f'fixable must be one of {FIXABLE}'] if fixable not in FIXABLE else []),
            *(f'docstring lacks {s!r}' for s in DOC_SECTIONS if s not in doc),
        ]
        if problems:
            where = f'{func.__module__}.{func.__qualname__}'
            raise RegistryError(f'{where}: {"; ".join(problems)}')
        summary = doc.split('## What it does', 1)[1].strip().split('\n\n', 1)[0]
        RULES[code] = Rule(
            code=code,
            name=name,
            kind=kind,
            property=property,
            severity=severity,
            check=func,
            doc=doc,
            summary=' '.join(summary.split()),
            fixable=fixable,
            aliases=tuple(aliases),
        )
        return func
    return decorator


def load_rules(kinds: Iterable[str] = KINDS) -> dict[str, Rule]:
    """Import the rule modules of ``kinds``; returns the whole registry."""
    # By name: the rules sit in a layer above this one (see tests/test_layers.py).
    fixers = importlib.import_module('modcon.fixers')

    for kind in kinds:
        if kind in _loaded_kinds:
            continue
        _loaded_kinds.add(kind)
        package = f'{fixers.__name__}.{kind}'
        folder = os.path.join(fixers.__path__[0], kind)
        for entry in sorted(os.listdir(folder)):
            if entry.startswith('mc') and entry.endswith('.py'):
                importlib.import_module(f'{package}.{entry[:-3]}')
    return RULES


def rules_of_kind(kind: str) -> list[Rule]:
    load_rules((kind,))
    return [r for r in RULES.values() if r.kind == kind]


def find_rule(code_or_name: str) -> Rule | None:
    load_rules()
    wanted = code_or_name.strip()
    for r in RULES.values():
        if wanted.upper() == r.code or wanted.lower() == r.name:
            return r
    return None


def _registered_rule(code: str) -> Rule:
    return load_rules()[code]


def _pickle_rule(declared: Rule) -> tuple[object, ...]:
    # Pickled by code (findings come back from worker processes by the
    # thousand): the receiving process has the same registry.
    return _registered_rule, (declared.code,)


copyreg.pickle(Rule, _pickle_rule)
