"""Every rule's fixtures, mutated: no crash, no internal error, no unparsable fix.

Each example takes one fixture input (any rule, any kind) and applies a few
mutations: a snippet of Dockerfile or shell syntax inserted (continuations,
quotes, brackets, heredocs, escape directives, CRLF, control and non-ASCII
characters), a span deleted, a line duplicated, deleted or swapped, the text
cut short. Then every rule of the file's kind checks it and fixes it at both
safe and unsafe levels. A rule that raises, a fix loop, or a fix that turns a
file BuildKit (or Python) parsed into one it does not, fails the test; the
shrunk example then becomes a file in ``regressions/``.
"""
from __future__ import annotations

import pathlib
import warnings

import pytest
from hypothesis import strategies as st

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.code_document import kind_of_code
from modcon.errors import RuleCrashed
from modcon.model import Applicability
from modcon.source import SourceFile
from tests.fuzz.budget import run_for_budget
from tests.oracle import buildkit_instructions

FIXTURES = pathlib.Path(__file__).parents[1] / 'fixtures'
REGRESSIONS = pathlib.Path(__file__).parent / 'regressions'
CASES = sorted(FIXTURES.glob('*/*.input.*'))
SNIPPETS = [
    '\\\n', '\\', '\n', '\r\n', '"', "'", '[', ']', '["a", ', '$', '${', '${A:-', '#', ' # c\n',
    '\t', ' ', 'é', '\x0b', '\x7f', '`', '&&', ' && ', ';', '|', '||', '=', '{', '}', '(', ')',
    '&', '>', '2>&1', '<<EOF\n', '\nEOF\n', 'RUN ', 'CMD ', 'ENTRYPOINT ', 'FROM ', 'FROM scratch\n',
    'ENV ', 'ENV A=', 'ARG ', 'LABEL a=b\\', 'ONBUILD ', 'SHELL ["/bin/bash", "-c"]\n',
    'SHELL ["cmd", "/S", "/C"]\n', '# escape=`\n', '# syntax=docker/dockerfile:1\n',
    'HEALTHCHECK CMD ', 'STOPSIGNAL ', 'USER ', 'WORKDIR ', 'COPY . /app\n', 'exec ', 'python ',
    'PYTHONUNBUFFERED=', 'signal.signal(', 'def ', 'import ', 'process.on(', 'trap ', '\x00',
]
_mutation = st.one_of(
    st.tuples(st.just('insert'), st.floats(0, 1), st.sampled_from(SNIPPETS)),
    st.tuples(st.just('delete'), st.floats(0, 1), st.integers(1, 12)),
    st.tuples(st.sampled_from(['dup-line', 'del-line', 'swap-lines', 'cut']), st.floats(0, 1),
              st.integers(0, 3)),
)


def mutate(text: str, mutations: list[tuple]) -> str:
    for op, where, arg in mutations:
        at = int(where * len(text))
        lines = text.splitlines(keepends=True)
        line = min(int(where * len(lines)), max(len(lines) - 1, 0))
        if op == 'insert':
            text = text[:at] + arg + text[at:]
        elif op == 'delete':
            text = text[:at] + text[at + arg:]
        elif op == 'cut':
            text = text[:at]
        elif lines and op == 'dup-line':
            text = ''.join(lines[:line + 1] + lines[line:])
        elif lines and op == 'del-line':
            text = ''.join(lines[:line] + lines[line + 1:])
        elif lines and op == 'swap-lines':
            other = min(line + 1 + arg, len(lines) - 1)
            lines[line], lines[other] = lines[other], lines[line]
            text = ''.join(lines)
    return text


def _parses(kind: str, text: str) -> bool:
    try:
        if kind == 'dockerfile':
            buildkit_instructions(text)
        elif kind == 'python':
            with warnings.catch_warnings():  # a mutated '\d' in a string is no concern here
                warnings.simplefilter('ignore')
                compile(text, 'x.py', 'exec')
        else:
            return False  # shell and JavaScript: only "no crash" is checked
    except Exception:  # noqa: BLE001 - any refusal means "does not parse"
        return False
    return True


def check_file(name: str, kind: str, text: str) -> None:
    """The property, for one file: no rule crashes, no fix breaks parsing."""
    source = SourceFile(name, text)
    config = Config()
    try:
        check_source(source, kind, config)
        parsed = _parses(kind, text)
        for threshold in (Applicability.SAFE, Applicability.UNSAFE):
            result = fix_source(source, kind, config, threshold)
            if parsed and result.fixed != text:
                assert _parses(kind, result.fixed), \
                    f'{threshold.name} fix made it unparsable:\n{text!r}\n->\n{result.fixed!r}'
    except RuleCrashed as exc:
        raise AssertionError(f'{exc}\n--- input ({name}) ---\n{text!r}') from exc


def _case_kind(case: pathlib.Path) -> tuple[str, str]:
    name = case.name.replace('.input', '')
    return name, kind_of_code(name) or 'dockerfile'


def test_mutated_fixtures_never_crash_a_rule() -> None:
    def prop(case: pathlib.Path, mutations: list[tuple]) -> None:
        name, kind = _case_kind(case)
        check_file(name, kind, mutate(case.read_bytes().decode(), mutations))

    run_for_budget(prop, case=st.sampled_from(CASES),
                   mutations=st.lists(_mutation, min_size=1, max_size=4))


# Counterexamples whose fix belongs to another change in flight (issue 13, item 6);
# remove the entry when it lands (the test then passes as it should).
KNOWN_OPEN: dict[str, str] = {}


@pytest.mark.parametrize('case', [
    pytest.param(path, marks=pytest.mark.xfail(reason=KNOWN_OPEN[path.name], strict=False))
    if path.name in KNOWN_OPEN else path
    for path in sorted(REGRESSIONS.glob('*.*'))
], ids=lambda p: p.name)
def test_regression(case: pathlib.Path) -> None:
    """Counterexamples the fuzzers found, kept as files (``<what>.<name>``: the
    part after the first dot is the file name the rules see)."""
    name = case.name.split('.', 1)[1]
    check_file(name, kind_of_code(name) or 'dockerfile', case.read_bytes().decode())
