"""The rule index says where each rule lives and what it reads, truthfully."""
from __future__ import annotations

import pathlib

import pytest

import modcon.rule_index
from modcon.registry import KINDS
from modcon.registry import READS
from modcon.registry import load_rules

FIXERS = pathlib.Path(__file__).resolve().parents[1] / 'fixers'


def _render() -> str:
    """``modcon/rule_index.py`` as the rules declare it."""
    rules = load_rules()
    header = modcon.rule_index.__doc__
    lines = [f'"""{header}"""', '',
             'INDEX: dict[str, tuple[tuple[str, tuple[tuple[str, frozenset[str]], ...]], ...]] = {']
    for kind in KINDS:
        lines.append(f'    {kind!r}: (')
        for path in sorted((FIXERS / kind).glob('mc*.py')):
            module = f'modcon.fixers.{kind}.{path.stem}'
            codes = sorted(code for code, r in rules.items() if r.check.__module__ == module)
            entries = ''.join(
                f'({code!r}, frozenset({sorted(READS[code])!r})), ' if READS[code]
                else f'({code!r}, frozenset()), ' for code in codes)
            lines.append(f'        ({path.stem!r}, ({entries.rstrip()})),')
        lines.append('    ),')
    lines.append('}')
    return '\n'.join(lines) + '\n'


def test_the_index_matches_the_rules(request: pytest.FixtureRequest) -> None:
    path = pathlib.Path(modcon.rule_index.__file__)
    expected = _render()
    if request.config.getoption('--update-fixtures'):
        path.write_text(expected)
    assert path.read_text() == expected, (
        'modcon/rule_index.py is out of date: run '
        '`pytest tests/test_rule_index.py --update-fixtures`')
