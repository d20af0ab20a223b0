"""MC121's SHELL reaches only the RUN lines it means to, by Docker's rules.

A ``SHELL`` instruction applies to every later shell-form ``RUN``, ``CMD`` and
``ENTRYPOINT`` of its stage (BuildKit puts the shell in front of their command
when it reads them), becomes the image config's ``Shell``, which stages built
``FROM`` the stage start with, and is the shell the runtime starts a
shell-form ``HEALTHCHECK`` (``CMD-SHELL``) and an ``ONBUILD`` trigger under,
wherever their lines are. ``effective_shells`` computes that from BuildKit's
own parse of a Dockerfile; the tests compare it before and after the fix: the
flagged ``RUN``s gain ``-o pipefail``, and nothing else changes shell unless
the fix's title says so.
"""
from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.model import Applicability
from modcon.source import SourceFile
from tests.oracle import buildkit_instructions

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'MC121'
DEFAULT_SHELL = ('/bin/sh', '-c')
_RUNS_NOW = ('RUN', 'CMD', 'ENTRYPOINT')  # BuildKit fixes their shell where they stand
_RUNS_LATER = ('HEALTHCHECK', 'ONBUILD')  # the runtime, or a later build, reads the config


def effective_shells(text: str) -> dict[tuple[int, str], tuple[str, ...]]:
    """The shell each shell-form instruction runs under, and each stage's config shell.

    Keys are ``(n, original)``: ``n`` counts the instructions other than
    SHELL, so a Dockerfile and its fixed version (which only adds SHELL
    lines) share keys; ``(-1 - i, 'stage')`` is stage ``i``'s config. External
    base images are taken to set no SHELL (Docker's default, ``/bin/sh -c``).
    """
    found: dict[tuple[int, str], tuple[str, ...]] = {}
    finals: list[tuple[str, ...]] = []
    names: dict[str, int] = {}
    shell = DEFAULT_SHELL
    later: list[tuple[int, str]] = []  # run under the stage's config shell

    def end_stage() -> None:
        for key in later:
            found[key] = shell
        found[(-1 - len(finals), 'stage')] = shell
        finals.append(shell)
        later.clear()

    count = 0
    started = False
    for ins in buildkit_instructions(text):
        name = ins.cmd.upper()
        if name == 'SHELL':
            shell = tuple(ins.value)
            continue
        count += 1
        key = (count, ins.original)
        if name == 'FROM':
            if started:
                end_stage()
            started = True
            base = ins.value[0].lower()
            parent = names.get(base, int(base) if base.isdigit() else None)
            shell = finals[parent] if parent is not None else DEFAULT_SHELL
            if len(ins.value) >= 3 and ins.value[1].lower() == 'as':
                names[ins.value[2].lower()] = len(finals)
        elif name in _RUNS_NOW and not ins.json:
            found[key] = shell
        elif name == 'HEALTHCHECK' and not ins.json and ins.value[0].upper() == 'CMD':
            later.append(key)
        elif name == 'ONBUILD' and (ins.sub_cmd or '').upper() in (*_RUNS_NOW, 'HEALTHCHECK'):
            later.append(key)
    end_stage()
    return found


def _with_pipefail(shell: tuple[str, ...]) -> tuple[str, ...]:
    return (*shell[:-1], '-o', 'pipefail', shell[-1])


def _fixed(text: str) -> str:
    result = fix_source(SourceFile('Dockerfile', text), 'dockerfile', Config(select=('MC121',)),
                        Applicability.UNSAFE)
    return result.fixed


def _changes(before: str, after: str) -> dict[tuple[int, str], tuple[tuple[str, ...], ...]]:
    old, new = effective_shells(before), effective_shells(after)
    assert old.keys() == new.keys(), 'the fix changed more than SHELL lines'
    return {key: (old[key], new[key]) for key in old if old[key] != new[key]}


def test_effective_shells_follow_dockers_rules() -> None:
    text = ('FROM alpine:3 AS base\n'
            'HEALTHCHECK CMD probe | grep ok\n'
            'RUN a | b\n'
            'SHELL ["/bin/ash", "-c"]\n'
            'CMD app | tee log\n'
            'ONBUILD RUN c | d\n'
            'FROM base\n'
            'RUN e | f\n'
            'FROM debian:12\n'
            'ENTRYPOINT ["app"]\n')
    ash = ('/bin/ash', '-c')
    assert effective_shells(text) == {
        (2, 'HEALTHCHECK CMD probe | grep ok'): ash,  # the image's SHELL, not the line's
        (3, 'RUN a | b'): DEFAULT_SHELL,
        (4, 'CMD app | tee log'): ash,
        (5, 'ONBUILD RUN c | d'): ash,
        (-1, 'stage'): ash,
        (7, 'RUN e | f'): ash,  # FROM base: its config
        (-2, 'stage'): ash,
        (-3, 'stage'): DEFAULT_SHELL,
    }


def test_the_reported_shell_form_cmd_keeps_its_shell() -> None:
    before = 'FROM alpine:3\nRUN wget -qO- https://x/install.sh | sh\nCMD app | tee /tmp/log\n'
    after = _fixed(before)
    assert after == ('FROM alpine:3\n'
                     'SHELL ["/bin/sh", "-o", "pipefail", "-c"]\n'
                     'RUN wget -qO- https://x/install.sh | sh\n'
                     'SHELL ["/bin/sh", "-c"]\n'
                     'CMD app | tee /tmp/log\n')
    assert _changes(before, after) == {
        (2, 'RUN wget -qO- https://x/install.sh | sh'):
            (DEFAULT_SHELL, _with_pipefail(DEFAULT_SHELL)),
    }


# case: the RUN lines (of the input) the fix puts under pipefail, and whether the
# image config of the stage the fix is in keeps the new SHELL (the title says so).
CASES = {
    'later-shell-form-cmd': ({2}, False),
    'healthcheck-shell-form': ({2}, False),
    'healthcheck-before-run': ({3}, False),
    'exec-form-cmd': ({2, 3}, True),
    'stage-built-from-it': ({2, 5, 8}, True),  # stage `other` (line 7) keeps it
    'existing-shell-before': ({3}, False),
    'several-runs-one-shell': ({2, 4}, False),
    'entrypoint-between-runs': ({2, 4}, True),
    'own-shell-later': ({2, 3}, False),
    'heredoc-run-later': ({2}, False),
    'sigpipe-reader-later': ({2}, False),
    'onbuild-run': ({2}, False),
    'crlf-restore': ({2}, False),
    'crlf': ({2}, True),
    'plain-comment-above': ({3}, True),
    'alpine-download': ({2}, True),
    'bash-shell': ({3}, True),
}


def _fixed_cases() -> list[str]:
    return sorted(p.name.split('.')[0] for p in FIXTURES.glob('*.unsafe-fixed.Dockerfile'))


def test_every_fixed_case_is_checked_here() -> None:
    assert set(_fixed_cases()) <= set(CASES), 'add the new MC121 fix case to CASES'


@pytest.mark.parametrize('case', sorted(CASES))
def test_only_the_flagged_runs_gain_pipefail(case: str) -> None:
    before = (FIXTURES / f'{case}.input.Dockerfile').read_bytes().decode()
    after = (FIXTURES / f'{case}.unsafe-fixed.Dockerfile').read_bytes().decode()
    assert _fixed(before) == after
    runs, image_keeps = CASES[case]
    lines = {ins.start_line: ins.original for ins in buildkit_instructions(before)}
    changes = _changes(before, after)
    changed_runs = {line for line, original in lines.items()
                    if any(key[1] == original and key[0] > 0 for key in changes)}
    assert changed_runs == runs
    for key, (old, new) in changes.items():
        assert new == _with_pipefail(old), key
        assert key[1] == 'stage' or key[1].startswith('RUN '), f'{key} changed shell'
    assert any(key[1] == 'stage' for key in changes) == image_keeps
    titles = [f.fix.title for f in check_source(SourceFile('Dockerfile', before), 'dockerfile',
                                                Config(select=('MC121',))) if f.fix]
    assert any('the image keeps this `SHELL`' in t for t in titles) == image_keeps


def _status(argv: list[str], tmp_path: pathlib.Path) -> int:
    env = {'PATH': f'{tmp_path}:/usr/bin:/bin'}
    return subprocess.run(argv, env=env, capture_output=True, timeout=10).returncode


@pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')
def test_under_bash_the_run_fails_and_the_cmd_keeps_its_status(tmp_path: pathlib.Path) -> None:
    # The RUN's download fails; the CMD's program fails too, and its status
    # is still tee's, as before the fix: the container's exit code is the same.
    for name, status in (('curl', 22),):  # bash, the real one, runs the empty script: 0
        (tmp_path / name).write_text(f'#!/bin/sh\ncat >/dev/null 2>&1; exit {status}\n')
        (tmp_path / name).chmod(0o755)
    before = (FIXTURES / 'existing-shell-before.input.Dockerfile').read_text()
    after = _fixed(before)
    old, new = effective_shells(before), effective_shells(after)
    run = next(key for key in old if key[1].startswith('RUN '))
    cmd = next(key for key in old if key[1].startswith('CMD '))
    script = run[1].removeprefix('RUN ')
    assert _status([*old[run], script], tmp_path) == 0  # the failure went unnoticed
    assert _status([*new[run], script], tmp_path) == 22  # now the build stops
    command = cmd[1].removeprefix('CMD ').replace('/tmp/log', str(tmp_path / 'log'))
    assert _status([*old[cmd], command], tmp_path) == _status([*new[cmd], command], tmp_path) == 0


@pytest.mark.skipif(shutil.which('busybox') is None, reason='needs busybox')
def test_busybox_ash_fails_the_pipeline_only_under_the_new_shell(tmp_path: pathlib.Path) -> None:
    # What /bin/sh is on Alpine: the new SHELL's options work there, and the
    # restored one leaves a shell-form CMD's pipeline status as it was.
    before = (FIXTURES / 'later-shell-form-cmd.input.Dockerfile').read_text()
    new = effective_shells(_fixed(before))
    run, cmd = sorted(key for key in new if key[0] > 0)
    busybox = shutil.which('busybox') or 'busybox'
    as_busybox = {shell: [busybox, 'sh', *shell[1:]] for shell in (new[run], new[cmd])}
    assert _status([*as_busybox[new[run]], 'false | cat'], tmp_path) == 1
    assert _status([*as_busybox[new[cmd]], 'false | cat'], tmp_path) == 0
