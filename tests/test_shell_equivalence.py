"""Run each conversion for real: the fixed command must do what the shell did.

For every case, the original ``CMD`` runs as Docker runs shell form
(``/bin/sh -c "<command>"``) and the fixed one as Docker runs exec form (the
JSON argv, as BuildKit's own parser reads it from the fixed Dockerfile). The
programs are recording stubs first on ``PATH``. The recorded invocations
(argv, environment, working directory) must be identical, and the final
program must be the very process Docker started (same PID): that is what
lets SIGTERM reach it.

The one allowed difference: dash exports ``PWD`` to the programs it starts;
exec form has no shell to do so. The rule's documentation says so.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.model import Applicability
from modcon.readers.shell.shell_form import analyze
from modcon.source import SourceFile
from tests.oracle import buildkit_instructions

STUB = f'''#!{sys.executable}
import json, os, sys, time
record = {{
    "t": time.monotonic_ns(),
    "name": os.path.basename(sys.argv[0]),
    "argv": sys.argv[1:],
    "env": dict(os.environ),
    "cwd": os.getcwd(),
    "pid": os.getpid(),
}}
with open(os.path.join(os.environ["RECORD_DIR"], "%d-%s.json" % (os.getpid(), record["name"])), "w") as f:
    json.dump(record, f)
'''
PROGRAMS = ('prog', 'server', 'migrate', 'gunicorn', 'python')


def _fixed_argv(command: str) -> tuple[tuple[str, ...], bool]:
    """The argv of the fixed CMD as BuildKit reads it, and whether the shell stayed."""
    dockerfile = f'FROM python:3.12-slim\nCMD {command}\n'
    result = fix_source(SourceFile('Dockerfile', dockerfile), 'dockerfile',
                        Config(select=('MC101',)), Applicability.SAFE)
    assert result.changed, f'no safe fix for {command!r}'
    cmd = buildkit_instructions(result.fixed)[-1]
    assert cmd.cmd == 'CMD' and cmd.json, result.fixed
    argv = tuple(cmd.value)
    return argv, argv[:2] == ('/bin/sh', '-c')


@pytest.fixture
def sandbox(tmp_path: pathlib.Path) -> dict[str, str]:
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name in PROGRAMS:
        stub = bin_dir / name
        stub.write_text(STUB)
        stub.chmod(0o755)
    work = tmp_path / 'work'
    (work / 'sub').mkdir(parents=True)
    (work / 'a.conf').write_text('')
    (work / 'b.conf').write_text('')
    (work / 'ready').write_text('')
    local = work / 'migrate.sh'
    local.write_text(STUB)
    local.chmod(0o755)
    home = tmp_path / 'home'
    (home / 'bin').mkdir(parents=True)
    (home / 'bin' / 'tool').write_text(STUB)
    (home / 'bin' / 'tool').chmod(0o755)
    return {'bin': str(bin_dir), 'work': str(work), 'home': str(home), 'tmp': str(tmp_path)}


def _run(argv: list[str], sandbox: dict[str, str], label: str) -> tuple[int, list[dict]]:
    records = pathlib.Path(sandbox['tmp']) / f'records-{label}'
    records.mkdir()
    env = {
        'PATH': f'{sandbox["bin"]}:/usr/bin:/bin',
        'HOME': sandbox['home'],
        'HOSTNAME': 'container',
        'PORT': '8000',
        'RECORD_DIR': str(records),
    }
    proc = subprocess.Popen(argv, env=env, cwd=sandbox['work'])
    assert proc.wait(timeout=30) == 0
    found = [json.loads(p.read_text()) for p in records.iterdir()]
    found.sort(key=lambda r: r.pop('t'))  # the order they ran in
    for record in found:
        del record['env']['RECORD_DIR']  # where this run records: differs by design
    return proc.pid, found


CASES = [
    'prog --port 8000',
    'prog -c \'print("hi")\' "a b" a\\ b "back\\\\slash" \'it\'"\'"\'s\'',
    'prog überapp --name "José Ñandú"',
    'exec prog --host 0.0.0.0',
    'prog --listen :8080 # the comment goes above',
    'prog --bind 0.0.0.0:$PORT app:app',
    'prog ${PORT:-80} "$HOME"',
    'cd sub && prog app.py',
    './migrate.sh; server --listen :8080',
    'prog > out.log 2>&1',
    'FOO=1 BAR="x y" prog -m service',
    'migrate || true && server',
    '[ -f ready ] && server --ready',
    'if [ -f ready ]; then migrate; fi; server',
    'prog *.conf',
    '~/bin/tool --verbose',
]


@pytest.mark.parametrize('command', CASES)
def test_fixed_command_runs_the_same(command: str, sandbox: dict[str, str]) -> None:
    argv, kept_shell = _fixed_argv(command)
    shell_pid, before = _run(['/bin/sh', '-c', command], sandbox, 'before')
    exec_pid, after = _run(list(argv), sandbox, 'after')

    assert [(r['name'], r['argv'], r['cwd']) for r in before] == \
           [(r['name'], r['argv'], r['cwd']) for r in after]
    for old, new in zip(before, after):
        if kept_shell:
            assert old['env'] == new['env']
        else:
            old_env = dict(old['env'])
            assert old_env.pop('PWD') == old['cwd']
            assert old_env == new['env']
    # The defect: under shell form the program is a child of the shell
    # (unless the command already said `exec`) ...
    if not analyze(command).already_execs:
        assert before[-1]['pid'] != shell_pid
    # ... and the fix: the final program is the process Docker started.
    assert after[-1]['pid'] == exec_pid


# -- literal words, generated ------------------------------------------------

_ALPHABET = st.characters(
    blacklist_categories=('Cs', 'Cc'),
    blacklist_characters='\x00',
) | st.sampled_from(list(' \t\'"\\$`*?[]{}~#;&|<>()=!%^,:@+-'))
_words = st.lists(st.text(_ALPHABET, min_size=0, max_size=8), min_size=1, max_size=5)


def _quote(word: str, style: int) -> str:
    if style == 0 and "'" not in word:
        return f"'{word}'"
    if style == 1:
        escaped = ''.join('\\' + c if c in '\\"$`' else c for c in word)
        return f'"{escaped}"'
    if word == '':
        return "''"
    return ''.join(c if c.isalnum() else '\\' + c for c in word)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=_words, styles=st.lists(st.integers(0, 2), min_size=5, max_size=5))
def test_literal_words_become_the_shells_argv(words: list[str], styles: list[int]) -> None:
    command = 'prog ' + ' '.join(_quote(w, s) for w, s in zip(words, styles))
    # A Dockerfile cannot carry these: BuildKit trims trailing blanks, and a
    # trailing backslash continues the line.
    assume(not command[-1].isspace() and not command.endswith('\\'))
    # What the real shell makes of it: printf prints each argument NUL-terminated.
    shell_words = subprocess.run(
        ['/bin/sh', '-c', "printf '%s\\0' " + command[len('prog '):]],
        capture_output=True, check=True, env={'PATH': '/usr/bin:/bin'},
    ).stdout.decode().split('\0')[:-1]
    assert shell_words == words  # the generator quotes correctly
    analysis = analyze(command)
    assert analysis.argv == ('prog', *words)
    argv, kept_shell = _fixed_argv(command)
    assert not kept_shell
    assert argv == ('prog', *words)


@settings(max_examples=200, deadline=None)
@given(words=_words, styles=st.lists(st.integers(0, 2), min_size=5, max_size=5))
def test_literal_fast_path_agrees_with_the_grammar(words: list[str], styles: list[int]) -> None:
    """Provably literal commands skip tree-sitter; where tree-sitter reads them
    reliably, both paths give the same words at the same places."""
    from modcon.readers.shell.shell_form import _TreeAnalysis

    command = 'prog ' + ' '.join(_quote(w, s) for w, s in zip(words, styles))
    assume(not command[-1].isspace())
    fast = analyze(command)
    slow = _TreeAnalysis(command, posix=True).run()
    if fast.argv is not None and slow.problem is None:
        assert fast.argv == slow.argv
        assert fast.spans == slow.spans


def test_sh_is_dash_or_ash() -> None:
    """These tests mean something only where /bin/sh does not exec a lone command."""
    real = os.path.realpath('/bin/sh')
    assert os.path.basename(real) in ('dash', 'busybox', 'ash'), real
