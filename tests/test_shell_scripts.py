"""MC301 on real processes: the fixed entrypoint script hands SIGTERM to its program.

The fixtures prove the text of each fix; these tests prove what it does. A
script that ends with ``"$@"`` runs as PID 1 of a new PID namespace, the way
a container runs it, and is stopped the way ``docker stop`` stops it: before
the fix the shell swallows SIGTERM and is killed at the end of the grace
period; after it, the program gets SIGTERM and exits 0 at once. Then a
recording stub shows that the fixed script starts the same program with the
same argv, environment, working directory and exit status, only now as the
shell's own process.
"""
from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from modcon.containers.pid1 import StopResult
from modcon.containers.pid1 import stop_like_docker
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.model import Applicability
from modcon.source import SourceFile

SHELLS = [pytest.param(shell, id=shell) if shutil.which(shell) else
          pytest.param(shell, id=shell, marks=pytest.mark.skip(reason=f'no {shell}'))
          for shell in ('sh', 'bash')]
APP = '''\
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
print("up", flush=True)
time.sleep(60)
'''
ENTRYPOINT = '''\
#!/bin/sh
set -e
# prepare, then hand over to CMD
mkdir -p "$PWD/cache"
"$@"
'''


def _fix(text: str, name: str = 'entrypoint.sh') -> str:
    invocations = (Invocation('Dockerfile', 3, ('/entrypoint.sh', 'python3', 'app.py')),)
    result = fix_source(SourceFile(name, text), 'shell', Config(select=('MC301',)),
                        Applicability.SAFE, invocations)
    return result.fixed


@pytest.mark.skipif(shutil.which('unshare') is None, reason='needs unshare')
@pytest.mark.parametrize('shell', SHELLS)
def test_the_fix_lets_sigterm_reach_the_program(tmp_path: pathlib.Path, shell: str) -> None:
    (tmp_path / 'app.py').write_text(APP)
    fixed = _fix(ENTRYPOINT)
    assert fixed == ENTRYPOINT.replace('\n"$@"\n', '\nexec "$@"\n')

    def stop(script: str) -> StopResult:
        (tmp_path / 'entrypoint.sh').write_text(script)
        result = stop_like_docker([shell, 'entrypoint.sh', sys.executable, 'app.py'],
                                  cwd=str(tmp_path), grace=1.5, ready=lambda out: 'up' in out)
        if not result.verified and result.reason.startswith('no PID namespace'):
            pytest.skip(result.reason)
        assert result.verified, result.reason
        return result

    before = stop(ENTRYPOINT)
    assert before.killed and before.exit_code == 137, before.describe()

    after = stop(fixed)
    assert after.exited_in_grace and after.exit_code == 0, after.describe()
    assert after.seconds < 1.0


STUB = f'''#!{sys.executable}
import json, os, sys
with open(os.environ["RECORD"], "w") as f:
    json.dump({{"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd(),
               "pid": os.getpid(), "ppid": os.getppid()}}, f)
print("stub output")
sys.exit(int(os.environ.get("STUB_STATUS", "0")))
'''
ARGS = ('one', 'two words', '', '*', '$HOME', 'ünïcödé')
# name: (script, the container's arguments before ARGS)
SCRIPTS = {
    'dollar-at': ('#!/bin/sh\nset -e\n"$@"\n', ('stub',)),
    'program-and-args': ('#!/bin/sh\nstub --flag "$@"\n', ()),
    'env-assignments': ('#!/bin/sh\nexport BASE=1\nAPP_ENV=production EMPTY= stub "$@"\n', ()),
    'and-chain': ('#!/bin/sh\ncd sub && stub "$@"\n', ()),
    'redirections': ('#!/bin/sh\nstub "$@" >out.log 2>&1\n', ()),
    'leading-redirection': ('#!/bin/sh\n>out.log LEVEL=2 stub "$@"\n', ()),
    'exit-passthrough': ('#!/bin/sh\n"$@"\nexit $?\n', ('stub',)),
    'after-if': ('#!/bin/sh\nif [ "$1" = server ]; then exec server; fi\nstub "$@"\n', ()),
    'non-ascii': ('#!/bin/sh\n# démarrage ✓ 🚀\nstub "$@"  # fin\n', ()),
}


def _record(tmp_path: pathlib.Path, shell: str, script: str, args: tuple[str, ...],
            status: int) -> tuple[dict[str, object], int, int]:
    (tmp_path / 'entrypoint.sh').write_text(script)
    record = tmp_path / 'record.json'
    record.unlink(missing_ok=True)
    (tmp_path / 'out.log').unlink(missing_ok=True)
    env = {'PATH': f'{tmp_path / "bin"}:/usr/bin:/bin', 'HOME': '/nonexistent',
           'RECORD': str(record), 'STUB_STATUS': str(status), 'LANG': 'C.UTF-8'}
    proc = subprocess.Popen([shell, 'entrypoint.sh', *args], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL)
    returncode = proc.wait(timeout=10)
    data = json.loads(record.read_text())
    log = tmp_path / 'out.log'
    data['log'] = log.read_text() if log.exists() else None
    return data, returncode, proc.pid


@pytest.mark.parametrize('shell', SHELLS)
@pytest.mark.parametrize('case', sorted(SCRIPTS))
def test_the_fixed_script_runs_the_same_program_in_place_of_the_shell(
        tmp_path: pathlib.Path, shell: str, case: str) -> None:
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    stub = bin_dir / 'stub'
    stub.write_text(STUB)
    stub.chmod(0o755)
    (tmp_path / 'sub').mkdir()
    script, program = SCRIPTS[case]
    fixed = _fix(script)
    assert fixed != script and fixed.count('exec ') == script.count('exec ') + 1
    args = (*program, *ARGS)

    before, before_status, shell_pid = _record(tmp_path, shell, script, args, status=3)
    after, after_status, fixed_shell_pid = _record(tmp_path, shell, fixed, args, status=3)

    assert before['ppid'] == shell_pid  # a child of the shell
    assert after['pid'] == fixed_shell_pid  # the shell's own process: exec'd
    for record in (before, after):
        del record['pid'], record['ppid']
    if shell == 'bash':
        # bash's own bookkeeping, as with every `exec` in bash: it lowers
        # SHLVL for the program that replaces it and sets no `_` for it.
        before_env, after_env = before['env'], after['env']
        assert isinstance(before_env, dict) and isinstance(after_env, dict)
        assert before_env.pop('_') == str(tmp_path / 'bin' / 'stub') and '_' not in after_env
        assert (before_env.pop('SHLVL'), after_env.pop('SHLVL')) == ('1', '0')
    assert after == before
    assert after_status == before_status == 3


def test_scripts_a_container_does_not_run_are_left_alone() -> None:
    result = fix_source(SourceFile('helper.sh', ENTRYPOINT), 'shell',
                        Config(select=('MC301',)), Applicability.SAFE,
                        (Invocation('Dockerfile', 3, ('python3', 'app.py'), as_main=False),))
    assert not result.changed and not result.findings


def _shell_path(shell: str, tmp_path: pathlib.Path) -> str:
    """The program to start ``shell`` with; BusyBox runs its ash as ``ash``."""
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f'no {shell}')
    if shell != 'busybox':
        return path
    ash = tmp_path / 'ash'
    ash.symlink_to(path)
    return str(ash)


ALIAS_SHELLS = ('sh', 'dash', 'bash', 'busybox')


@pytest.mark.parametrize('shell', ALIAS_SHELLS)
def test_a_command_named_by_an_alias_gets_no_exec(tmp_path: pathlib.Path, shell: str) -> None:
    # dash and BusyBox ash expand aliases in scripts (bash only under `shopt -s
    # expand_aliases` or as sh); `exec` never does: `exec n` looks for a program
    # called `n`. So modcon leaves the script alone and says why.
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'stub').write_text(STUB)
    (bin_dir / 'stub').chmod(0o755)
    script = '#!/bin/sh\nalias a=true n=\'stub --flag\'\nn "$@"\n'
    result = fix_source(SourceFile('entrypoint.sh', script), 'shell', Config(select=('MC301',)),
                        Applicability.UNSAFE,
                        (Invocation('Dockerfile', 3, ('/entrypoint.sh', 'one')),))
    assert result.fixed == script
    [finding] = result.findings
    assert finding.fix is None and 'ends in `n`, an alias' in finding.message

    program = _shell_path(shell, tmp_path)
    record = tmp_path / 'record.json'
    env = {'PATH': f'{bin_dir}:/usr/bin:/bin', 'RECORD': str(record)}

    def run(text: str) -> tuple[int, object]:
        (tmp_path / 'entrypoint.sh').write_text(text)
        record.unlink(missing_ok=True)
        done = subprocess.run([program, 'entrypoint.sh', 'one'], cwd=tmp_path, env=env,
                              capture_output=True, timeout=10)
        return done.returncode, json.loads(record.read_text())['argv'] if record.exists() else None

    status, argv = run(script)
    naive_status, naive_argv = run(script.replace('\nn "$@"', '\nexec n "$@"'))
    assert naive_status == 127 and naive_argv is None  # `exec n`: not found, in every shell
    if argv is not None:  # the shell expanded the alias: the naive fix breaks the script
        assert status == 0 and argv == ['--flag', 'one']
    else:  # bash: no alias expansion, so the script never ran the program
        assert shell == 'bash' and status == 127
    if shell in ('dash', 'busybox'):
        assert argv is not None


@pytest.mark.parametrize('shell', ALIAS_SHELLS)
def test_an_alias_for_another_name_does_not_stop_the_fix(tmp_path: pathlib.Path,
                                                        shell: str) -> None:
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'stub').write_text(STUB)
    (bin_dir / 'stub').chmod(0o755)
    (tmp_path / 'sub').mkdir()
    program = _shell_path(shell, tmp_path)
    script = '#!/bin/sh\nalias ll=\'ls -l\'\nstub "$@"\n'
    fixed = _fix(script)
    assert fixed == script.replace('\nstub', '\nexec stub')
    before, before_status, shell_pid = _record(tmp_path, program, script, ARGS, status=3)
    after, after_status, fixed_pid = _record(tmp_path, program, fixed, ARGS, status=3)
    assert before['ppid'] == shell_pid and after['pid'] == fixed_pid
    assert before['argv'] == after['argv'] == list(ARGS)
    assert before_status == after_status == 3
