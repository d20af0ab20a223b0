"""One harness for every fixer: before/after files, findings, idempotence, bytes kept.

Each case is ``tests/fixtures/<CODE>/<case>.input.<ext>`` with, beside it:

* ``<case>.context/``: the Dockerfile's build context, for rules that follow
  the command into it (optional);

* ``<case>.findings.txt``: the findings of rule CODE, one per line;
* ``<case>.fixed.<ext>``: the result of ``modcon fix`` (absent: no change);
* ``<case>.unsafe-fixed.<ext>``: the result with ``--unsafe-fixes``
  (absent: the same as the safe result).

Every fixed text must itself be clean of fixable findings (a second run
changes nothing), keep every line outside the flagged instructions byte for
byte, and, for Dockerfiles, parse under BuildKit's own parser as the same
instruction sequence, with the fixed instructions now in exec form.
"""
from __future__ import annotations

import difflib
import pathlib

import pytest

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.code_document import kind_of_code
from modcon.entrypoints.invocation import Invocation
from modcon.model import Applicability
from modcon.model import Finding
from modcon.project import LocalProject
from modcon.source import SourceFile
from modcon.source import decode
from modcon.source import encode
from tests.oracle import GoParseError
from tests.oracle import buildkit_instructions

FIXTURES = pathlib.Path(__file__).parent / 'fixtures'


def _cases() -> list[pathlib.Path]:
    return sorted(FIXTURES.glob('*/*.input.*'))


def _sibling(case: pathlib.Path, role: str) -> pathlib.Path:
    return case.with_name(case.name.replace('.input.', f'.{role}.'))


def _kind(case: pathlib.Path) -> str:
    return kind_of_code(case.name) or 'dockerfile'


INTERPRETERS = {'python': 'python', 'shell': 'sh', 'javascript': 'node'}


def _invocations(case: pathlib.Path, kind: str) -> tuple[Invocation, ...]:
    """Code fixtures are entrypoints run as the container's main program by their
    interpreter (``sh x.sh``), unless the case name says ``not-main`` (imported,
    e.g. by gunicorn) or ``exec-form`` (the runtime runs the file itself:
    ``ENTRYPOINT ["/x.sh"]``)."""
    if kind == 'dockerfile':
        return ()
    name = case.name.replace('.input', '')
    as_main = 'not-main' not in name
    direct = 'exec-form' in name
    argv = (f'/{case.name}',) if direct else (INTERPRETERS[kind], name)
    return (Invocation('Dockerfile', 1, argv, as_main, direct),)


def _render(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        fix = f' [{f.fix.applicability.label} fix: {f.fix.title}]' if f.fix else ' [no fix]'
        lines.append(f'{f.begin.line}:{f.begin.column} {f.rule.code} {f.severity.label} '
                     f'{f.message}{fix}')
    return ''.join(line + '\n' for line in lines)


def _expect(path: pathlib.Path, actual: str, update: bool) -> None:
    # Bytes, as modcon writes them: a byte that is not UTF-8 stays that byte.
    if update and (not path.exists() or path.read_bytes() != encode(actual)):
        path.write_bytes(encode(actual))
        return
    assert path.exists(), f'{path.name} is missing (run pytest --update-fixtures and review it)'
    assert path.read_bytes() == encode(actual), f'{path.name} differs'


def _flagged_lines(text: str, findings: list[Finding]) -> set[int]:
    source = SourceFile('x', text)
    lines: set[int] = set()
    for f in findings:
        lines.update(range(f.begin.line, source.position(f.end).line + 1))
    return lines


def _assert_bytes_kept(before: str, after: str, findings: list[Finding]) -> None:
    """Lines outside the flagged instructions are unchanged; only lines are added."""
    flagged = _flagged_lines(before, findings)
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if op in ('replace', 'delete'):
            touched = set(range(i1 + 1, i2 + 1))
            assert touched <= flagged, f'lines {sorted(touched - flagged)} changed outside a finding'
        elif op == 'insert':
            # Inserted lines (a moved comment, a new ENV) sit right before or
            # right after a flagged instruction.
            assert i1 + 1 in flagged or i1 in flagged, \
                f'lines inserted before line {i1 + 1}, not at a finding'


# The rules whose fix is to put a command in exec form.
EXEC_FORM_RULES = {'MC101', 'MC102', 'MC103'}


def _assert_buildkit_agrees(before: str, after: str, fixed: list[Finding]) -> None:
    """BuildKit reads the same instructions, with only the fixed ones changed: the
    same instruction with a new value (in exec form, for the exec-form rules), or
    an instruction added next to a fixed one."""
    new = buildkit_instructions(after)
    fixed_lines = {f.begin.line: f.rule.code for f in fixed}
    try:
        old = buildkit_instructions(before)
    except GoParseError:  # BuildKit refused the original (e.g. `CMD ["sleep", 10]`)
        return

    def key(i: object) -> tuple:
        return (i.cmd.upper(), i.flags, i.value, i.json)  # type: ignore[attr-defined]

    def fixed_by(i: object) -> set[str]:
        return {code for line, code in fixed_lines.items()
                if i.start_line <= line <= i.end_line}  # type: ignore[attr-defined]

    def is_fixed(i: object) -> bool:
        return bool(fixed_by(i))

    matcher = difflib.SequenceMatcher(a=[key(i) for i in old], b=[key(i) for i in new],
                                      autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == 'equal':
            continue
        if op == 'replace':
            assert i2 - i1 == j2 - j1, 'instructions were added or lost'
            for o, n in zip(old[i1:i2], new[j1:j2]):
                assert is_fixed(o), f'{o.original!r} changed without a finding'
                assert o.cmd.upper() == n.cmd.upper(), f'{o.original!r} became {n.original!r}'
                if fixed_by(o) & EXEC_FORM_RULES:
                    assert n.json, f'{n.original!r} is not exec form'
        elif op == 'insert':
            neighbours = old[max(i1 - 1, 0):i1 + 1]
            assert any(is_fixed(o) for o in neighbours), 'an instruction was added away from a fix'
        else:
            raise AssertionError(f'instructions were removed: {[o.original for o in old[i1:i2]]}')


@pytest.mark.parametrize('case', _cases(), ids=lambda p: f'{p.parent.name}/{p.name}')
def test_fixture(case: pathlib.Path, request: pytest.FixtureRequest) -> None:
    update = request.config.getoption('--update-fixtures')
    code = case.parent.name
    kind = _kind(case)
    text = decode(case.read_bytes())
    config = Config(select=(code,))
    source = SourceFile(case.name, text)
    invocations = _invocations(case, kind)
    context = case.with_name(case.name.split('.input.')[0] + '.context')
    project = LocalProject(str(context)) if context.is_dir() else None

    findings = check_source(source, kind, config, invocations, project)
    _expect(_sibling(case, 'findings').with_suffix('.txt'), _render(findings), update)

    safe_text = text
    for threshold, role in ((Applicability.SAFE, 'fixed'), (Applicability.UNSAFE, 'unsafe-fixed')):
        result = fix_source(source, kind, config, threshold, invocations, project)
        expected = _sibling(case, role)
        baseline = text if role == 'fixed' else safe_text
        if result.fixed != baseline or expected.exists():
            _expect(expected, result.fixed, update)
        if role == 'fixed':
            safe_text = result.fixed
        if result.changed:
            _assert_bytes_kept(text, result.fixed, findings)
            if kind == 'dockerfile':
                _assert_buildkit_agrees(text, result.fixed, result.applied)
        # Idempotence: a second run finds nothing more to fix at this level.
        again = fix_source(SourceFile(case.name, result.fixed), kind, config, threshold,
                           invocations, project)
        assert again.fixed == result.fixed, 'a second fix run changed the file again'
        assert not [f for f in again.findings if f.fix and f.fix.applies(threshold)]


def test_every_rule_has_fixtures() -> None:
    from modcon.registry import load_rules

    for code in load_rules():
        assert list((FIXTURES / code).glob('*.input.*')), f'{code} has no fixture cases'
