"""MC101's shell form -> exec form rewrite, against a real dash and bash.

Commands are generated from a small shell grammar (literal and quoted words,
expansions, command substitutions, `&&`/`;`/`||`/`|`/`&` lists, redirections,
assignments, comments, reserved words and job specs). Whenever MC101 offers a
safe fix, the original runs as Docker runs shell form (``dash -c`` or, under
``SHELL ["/bin/bash", "-c"]``, ``bash -c``) and the fixed command as Docker runs
exec form (its JSON argv as BuildKit reads it). The programs are recording
stubs. Both runs must start the same programs with the same argv in the same
folder, print the same output and exit with the same status; BuildKit must
parse the fixed file, and fixing it again must change nothing.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest
from hypothesis import strategies as st

from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.model import Applicability
from modcon.source import SourceFile
from tests.fuzz.budget import run_for_budget
from tests.oracle import buildkit_instructions

STUB = f'''#!{sys.executable}
import json, os, sys, time
name = os.path.basename(sys.argv[0])
with open(os.path.join(os.environ["RECORD_DIR"], "%d-%d" % (time.monotonic_ns(), os.getpid())),
          "w") as f:
    json.dump([name, sys.argv[1:], os.getcwd()], f)
sys.exit(3 if name == "fail" else 0)
'''
PROGRAMS = ('prog', 'server', 'fail', 'migrate')
SHELLS = {'dash': ('/bin/sh', '-c'), 'bash': ('/bin/bash', '-c')}
_SHELL_NOTES = (b'/bin/sh: ', b'/bin/bash: ', b'sh: ', b'bash: ', b'dash: ')

_plain = st.text('abcXYZ019_./:@%+,=-', min_size=1, max_size=6)
_odd = st.text(' \t\'"\\$`*?[]{}~#;&|<>()=!%^,:@+-ab', min_size=0, max_size=5)


def _single(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def _double(word: str) -> str:
    return '"' + ''.join('\\' + c if c in '\\"$`' else c for c in word) + '"'


_word = st.one_of(
    _plain,
    _odd.map(_single),
    _odd.map(_double),
    st.sampled_from(['$PORT', '"$HOME"', '${PORT:-80}', '$EMPTY', '"$EMPTY"', '`true`',
                     '$(true)', '$(fail)', '`9`', '*.conf', '~', '-#', 'a#b', '%x', '}', '{',
                     '!', '\\#', "''", '""', 'a\\ b', '$1', '"$@"', '$$']),
)
_name = st.one_of(
    st.sampled_from(PROGRAMS + ('missing', './migrate.sh', 'exec prog', 'exec fail', 'cd sub',
                                'true', 'false', 'echo', ':', 'exit 4', '`9`', '$(echo prog)',
                                '$EMPTY', '%x', '%1', '}', '{', '!', 'prog a; }', 'fi', 'then')),
    _plain,
)
_redirect = st.sampled_from(['>out.log', '2>&1', '<&-', '<&-# x', '>/dev/null', '2>err',
                             '<missing-file', '>&2', '1>&-', '<a.conf'])
_assignment = st.sampled_from(['A=1', 'B="x y"', 'PORT=9', 'C=$(fail)', 'D=`9`'])


@st.composite
def _simple(draw: st.DrawFn) -> str:
    parts = []
    if draw(st.integers(0, 4)) == 0:
        parts.append(draw(_assignment))
    parts.append(draw(_name))
    parts.extend(draw(st.lists(_word, max_size=3)))
    parts.extend(draw(st.lists(_redirect, max_size=2)))
    return ' '.join(parts)


@st.composite
def commands(draw: st.DrawFn) -> str:
    command = draw(_simple())
    for _ in range(draw(st.integers(0, 2))):
        operator = draw(st.sampled_from([' && ', '; ', ' || ', ' | ', ' & ', ';', '&&']))
        command += operator + draw(_simple())
    if draw(st.integers(0, 5)) == 0:
        command += draw(st.sampled_from([' # note', '# x', ' #', '\t# a "b"']))
    return command


def _sandbox() -> pathlib.Path:
    root = pathlib.Path(tempfile.mkdtemp(prefix='modcon-fuzz-'))
    (root / 'bin').mkdir()
    for name in PROGRAMS:
        (root / 'bin' / name).write_text(STUB)
        (root / 'bin' / name).chmod(0o755)
    work = root / 'work'
    (work / 'sub').mkdir(parents=True)
    (work / 'a.conf').write_text('')
    (work / 'migrate.sh').write_text(STUB)
    (work / 'migrate.sh').chmod(0o755)
    (root / 'home').mkdir()
    return root


def _run(argv: list[str], root: pathlib.Path, label: str) -> tuple[int, bytes, list[list]]:
    """Run ``argv`` as the container would; exit status, output, programs started."""
    records = root / f'records-{label}'
    records.mkdir()
    work = root / f'work-{label}'
    shutil.copytree(root / 'work', work, symlinks=True)
    env = {'PATH': f'{root / "bin"}:/usr/bin:/bin', 'HOME': str(root / 'home'), 'PORT': '8000',
           'EMPTY': '', 'RECORD_DIR': str(records)}
    pid = None
    try:
        with subprocess.Popen(argv, env=env, cwd=work, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
            pid = str(proc.pid)
            output = proc.communicate(timeout=20)[0]
            status = proc.returncode
    except FileNotFoundError:
        status, output = 127, b''  # what Docker reports for a program it cannot find
    except PermissionError:
        status, output = 126, b''
    started = [json.loads(p.read_text()) for p in sorted(records.iterdir())]
    for record in started:  # the folder as the command saw it, not where the run was
        record[2] = os.path.relpath(record[2], work)
        # `$$`: the started process's PID, 1 in a container either way
        record[1] = [arg.replace(pid, 'PID') if pid else arg for arg in record[1]]
    if pid:
        output = output.replace(pid.encode(), b'PID')
    # The shell's own diagnostics ("sh: 1: x: not found") are worded differently
    # with and without `exec`; what programs print must be the same.
    shown = b''.join(line for line in output.replace(str(work).encode(), b'WORK')
                     .splitlines(keepends=True) if not line.startswith(_SHELL_NOTES))
    return status, shown, started


def _fixed(dockerfile: str) -> str | None:
    result = fix_source(SourceFile('Dockerfile', dockerfile), 'dockerfile',
                        Config(select=('MC101',)), Applicability.SAFE)
    return result.fixed if result.fixed != dockerfile else None


def check_rewrite(command: str, shell: str) -> None:
    """The property, for one command under one shell."""
    if '\n' in command or command.endswith('\\'):
        return  # a Dockerfile cannot carry it as one CMD line
    shell_line = 'SHELL ["/bin/bash", "-c"]\n' if shell == 'bash' else ''
    dockerfile = f'FROM debian:12-slim\n{shell_line}CMD {command}\n'
    try:
        before = buildkit_instructions(dockerfile)
    except Exception:  # noqa: BLE001 - BuildKit refuses it: nothing to compare
        return
    fixed = _fixed(dockerfile)
    if fixed is None:
        return
    after = buildkit_instructions(fixed)  # BuildKit still parses the fix
    cmd = after[-1]
    assert cmd.cmd == 'CMD' and cmd.json, fixed
    assert _fixed(fixed) is None, f'a second fix changed {fixed!r}'  # idempotent
    original = before[-1].value[0]
    root = _sandbox()
    try:
        old = _run([*SHELLS[shell], original], root, 'before')
        new = _run(list(cmd.value), root, 'after')
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert new[2] == old[2], f'programs started differ\n{dockerfile}{fixed}'
    assert new[1] == old[1], f'output differs\n{dockerfile}{fixed}'
    assert new[0] == old[0], f'exit status {old[0]} became {new[0]}\n{dockerfile}{fixed}'


def test_the_rewrite_keeps_what_dash_runs() -> None:
    run_for_budget(lambda command: check_rewrite(command, 'dash'), command=commands())


def test_the_rewrite_keeps_what_bash_runs() -> None:
    run_for_budget(lambda command: check_rewrite(command, 'bash'), command=commands())


@pytest.mark.parametrize(('command', 'shell'), [
    ('prog a; }', 'dash'),  # dash: syntax error; tree-sitter read a command `}`
    ('prog && prog <&-# x', 'dash'),  # `-#` is one word: dash rejects the fd
    ('`9`', 'dash'),  # 127 before; `exec` with no words exits 0
    ('- # note', 'dash'),  # `sh -c -` takes the command as options
    ('A=1 -0 # note', 'bash'),  # `exec -0`: an option of exec
    ('A=1 prog && A=1 prog && A=1 0 2>&1', 'bash'),  # shell diagnostics differ in wording
    ('%x', 'bash'),  # bash resumes job %x
    ('C=$(fail) $EMPTY', 'dash'),  # status of the substitution, or 0 with exec
    ('prog "$HOME" # note', 'dash'),  # harness bugs a fresh seed found: HOME and
    ('echo $$ && A=1 prog', 'bash'),  # the shell's PID differed between the two runs
    ('prog $$ # note', 'dash'),
    ("$EMPTY '' # note", 'dash'),  # 127 before, `exec ''` 126 after (FUZZ_SEED=13, round 11)
])
def test_counterexamples_stay_fixed(command: str, shell: str) -> None:
    """What the fuzzer found, kept as regression cases."""
    check_rewrite(command, shell)
