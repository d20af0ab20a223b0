"""The rule registry: ``@rule`` checks each declaration once, at import.

Rules live in ``modcon.fixers.<kind>.mcNNN_<name>``, one module per rule.
They are imported on demand: per kind, so a Dockerfile check never imports
the Python or JavaScript fixers (and their parsers), and within a kind only
those that can find something in the file at hand. A Dockerfile rule that
finds nothing without certain instructions says so (``reads=``); the
generated ``modcon.rule_index`` holds those declarations, so the choice is
made before any rule module is imported.
"""
from __future__ import annotations

import copyreg
import os
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Iterator

from modcon.machinery import import_module
from modcon.model import RULE_KINDS
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Rule
from modcon.model import Severity
from modcon.properties import Property
from modcon.rule_index import INDEX

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing import TypeVar

    from modcon.document import Document

    D = TypeVar('D', bound=Document)
    CheckFunc = Callable[[D], Iterator[Hit]]  # a check reads the document of its rule's kind

DOC_SECTIONS = (
    '## What it does',
    '## Why is this bad?',
    '## Example',
    '## Use instead',
    '## Fix safety',
)
KINDS = RULE_KINDS
FIXABLE = tuple(FixAvailability)

RULES: dict[str, Rule] = {}
# code -> the instructions without which the rule finds nothing (empty: any file)
READS: dict[str, frozenset[str]] = {}
_loaded_modules: set[str] = set()
_listed_kinds: set[Kind] = set()
_complete_kinds: set[Kind] = set()

class RegistryError(Exception):
    """A rule declaration is broken: a bug in modcon, caught by the tests."""


def rule(
        *,
        code: str,
        name: str,
        kind: Kind,
        property: Property,
        severity: Severity = Severity.WARNING,
        fixable: FixAvailability = FixAvailability.SOMETIMES,
        aliases: Iterable[str] = (),
        reads: Iterable[str] = (),
) -> Callable[[CheckFunc[D]], CheckFunc[D]]:
    """Register ``func`` as the check of rule ``code``.

    ``reads``: the Dockerfile instructions (an ONBUILD trigger counts) without
    which the rule can find nothing; the rule is not even imported for a file
    that has none of them. Empty: the rule may find something in any file.
    """
    reads = frozenset(reads)

    def decorator(func: CheckFunc[D]) -> CheckFunc[D]:
        doc = func.__doc__ or ''  # dedented only when shown (Rule.doc)
        problems = [
            *([f'bad code {code!r}'] if not _is_code(code) else []),
            *([f'bad name {name!r}'] if not _is_name(name) else []),
            *([f'{code} already registered'] if code in RULES else []),
            *([f'unknown kind {str(kind)!r}'] if kind not in KINDS else []),
            *([f'fixable must be one of {tuple(map(str, FIXABLE))}']
              if fixable not in FIXABLE else []),
            *(f'docstring lacks {s!r}' for s in DOC_SECTIONS if s not in doc),
            *([f'reads names Dockerfile instructions, not {sorted(reads)}']
              if reads and (kind != Kind.DOCKERFILE or not all(r.isalpha() and r.isupper()
                                                            for r in reads)) else []),
        ]
        if problems:
            where = f'{func.__module__}.{func.__qualname__}'
            raise RegistryError(f'{where}: {"; ".join(problems)}')
        RULES[code] = Rule(
            code=code,
            name=name,
            kind=Kind(kind),
            property=property,
            severity=severity,
            # The engine gives each rule the document of its kind, which is
            # the one ``func`` declares (the type system cannot say so).
            check=func,  # type: ignore[arg-type]
            docstring=doc,
            fixable=FixAvailability(fixable),
            aliases=tuple(aliases),
        )
        READS[code] = reads
        return func
    return decorator


def _is_code(code: str) -> bool:
    """``MC`` and three digits. (String tests, not a pattern: every rule's import runs
    them, and compiling a pattern costs more than all of them.)"""
    digits = code[2:]
    return code.startswith('MC') and len(digits) == 3 and digits.isascii() and digits.isdigit()


def _is_name(name: str) -> bool:
    """Lowercase ASCII words of letters and digits joined by hyphens, a letter first."""
    return name[:1].isalpha() and all(
        part.isascii() and part.isalnum() and part == part.lower() for part in name.split('-'))


def can_find(rule: Rule, present: Collection[str] | None) -> bool:
    """Whether ``rule`` may find something in a file whose instructions are ``present``
    (None: not a Dockerfile, or not known)."""
    return _may_find(READS.get(rule.code, ()), present)


def _may_find(reads: Iterable[str], present: Collection[str] | None) -> bool:
    return present is None or not reads or any(name in present for name in reads)


def load_rules(kinds: Iterable[Kind] = KINDS,
               present: Collection[str] | None = None) -> dict[str, Rule]:
    """Import the rule modules of ``kinds``; returns the whole registry.

    With ``present`` (the instructions of a Dockerfile), only the modules with
    a rule that can find something there, as ``modcon.rule_index`` says. A rule
    module missing from the index is imported whatever the file holds.
    """
    # By name: the rules sit in a layer above this one (see tests/test_layers.py).
    fixers = import_module('modcon.fixers')

    for kind in kinds:
        if kind in _complete_kinds:
            continue  # a batch asks for every file: answer at once
        package = f'{fixers.__name__}.{kind}'
        indexed = INDEX.get(kind, ())
        for module, rules in indexed:
            name = f'{package}.{module}'
            if name not in _loaded_modules and \
                    any(_may_find(reads, present) for _code, reads in rules):
                import_module(name)
                _loaded_modules.add(name)
        if all(f'{package}.{module}' in _loaded_modules for module, _rules in indexed):
            _complete_kinds.add(kind)
        if kind in _listed_kinds:
            continue
        _listed_kinds.add(kind)
        folder = os.path.join(fixers.__path__[0], kind)
        known = {module for module, _rules in indexed}
        for entry in sorted(os.listdir(folder)):
            if entry.startswith('mc') and entry.endswith('.py') and entry[:-3] not in known:
                import_module(f'{package}.{entry[:-3]}')
    return RULES


def rules_of_kind(kind: Kind, present: Collection[str] | None = None) -> list[Rule]:
    """The rules of ``kind`` loaded so far, after loading those that can find something
    in a file whose instructions are ``present`` (None: all of them).

    A rule loaded for another file runs too and finds nothing: which rules run
    never changes what is found (tests/test_rule_loading.py holds that).
    """
    load_rules((kind,), present)
    # In code order, as the modules are named, whichever were imported first.
    return sorted((r for r in RULES.values() if r.kind == kind), key=lambda r: r.code)


def find_rule(code_or_name: str) -> Rule | None:
    load_rules()
    wanted = code_or_name.strip()
    for r in RULES.values():
        if wanted.upper() == r.code or wanted.lower() == r.name:
            return r
    return None


def _registered_rule(code: str) -> Rule:
    return load_rules()[code]


def _pickle_rule(declared: Rule) -> tuple[Callable[[str], Rule], tuple[str]]:
    # Pickled by code (findings come back from worker processes by the
    # thousand): the receiving process has the same registry.
    return _registered_rule, (declared.code,)


copyreg.pickle(Rule, _pickle_rule)
