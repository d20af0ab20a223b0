"""Shell-script fixes judged by what the script then does, under dash, bash and BusyBox ash.

Each case is a script on which an earlier modcon offered a fix that changed
what the script does, or reported nothing while the shell stayed PID 1. The
tests run the scripts with real shells (as PID 1 where signals matter) and
check modcon's answer against what happens.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from modcon.containers.pid1 import stop_like_docker
from modcon.engine.config import Config
from modcon.engine.fixloop import FileResult
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.model import Applicability
from modcon.source import SourceFile

SHELLS = ('dash', 'bash', 'busybox')
WORKER = f'''#!{sys.executable}
import os, signal, sys, time
def stop(*_):
    print("worker: clean shutdown", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("worker up", flush=True)
if not os.environ.get("STOP_AT_ONCE"):
    time.sleep(60)
'''


def _fix(text: str, threshold: Applicability, *, direct: bool = False,
         rules: tuple[str, ...] = ('MC301',)) -> FileResult:
    argv = ('/entrypoint.sh',) if direct else ('sh', 'entrypoint.sh')
    return fix_source(SourceFile('entrypoint.sh', text), 'shell', Config(select=rules),
                      threshold, (Invocation('Dockerfile', 3, argv, direct=direct),))


def _shell(shell: str, tmp_path: pathlib.Path) -> str:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f'no {shell}')
    if shell != 'busybox':
        return path
    ash = tmp_path / 'ash'  # BusyBox runs its ash when called so
    ash.symlink_to(path)
    return str(ash)


def _bin(tmp_path: pathlib.Path) -> dict[str, str]:
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'worker').write_text(WORKER)
    (bin_dir / 'worker').chmod(0o755)
    return {'PATH': f'{bin_dir}:/usr/bin:/bin', 'LANG': 'C.UTF-8'}


def _run(shell: str, script: str, tmp_path: pathlib.Path,
         env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    (tmp_path / 'entrypoint.sh').write_text(script)
    return subprocess.run([shell, 'entrypoint.sh'], cwd=tmp_path, env=env, text=True,
                          capture_output=True, timeout=20, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize('shell', SHELLS)
def test_exit_with_the_saved_status_is_reported(tmp_path: pathlib.Path, shell: str) -> None:
    # `exit "$rc"` after the program used to count as the script's own status,
    # so nothing was reported, while the shell stays PID 1 and swallows SIGTERM.
    script = ('#!/bin/sh\nworker "$@"\nrc=$?\necho "worker exited with $rc"\n'
              'exit "$rc"\n')
    result = _fix(script, Applicability.UNSAFE)
    [finding] = result.findings
    assert result.fixed == script and finding.fix is None
    assert 'ends with `exit "$rc"`' in finding.message

    program = _shell(shell, tmp_path)
    (tmp_path / 'entrypoint.sh').write_text(script)
    stopped = stop_like_docker([program, 'entrypoint.sh'], cwd=str(tmp_path),
                               env=_bin(tmp_path), grace=1.0,
                               ready=lambda out: 'worker up' in out)
    if not stopped.verified:
        pytest.skip(stopped.reason)
    assert stopped.killed and 'clean shutdown' not in stopped.output, stopped.describe()


@pytest.mark.parametrize('shell', SHELLS)
def test_a_function_defined_by_eval_makes_the_fix_unsafe(tmp_path: pathlib.Path,
                                                         shell: str) -> None:
    script = ('#!/bin/sh\neval \'worker() { echo "wrapper ran"; }\'\nworker\n')
    assert _fix(script, Applicability.SAFE).fixed == script
    unsafe = _fix(script, Applicability.UNSAFE)
    assert unsafe.fixed == script.replace('\nworker\n', '\nexec worker\n')
    [applied] = unsafe.applied
    assert applied.fix is not None and 'code the script `eval`s' in applied.fix.title

    program = _shell(shell, tmp_path)
    env = _bin(tmp_path)
    before = _run(program, script, tmp_path, env)
    after = _run(program, unsafe.fixed, tmp_path, env | {'STOP_AT_ONCE': '1'})
    assert before.stdout == 'wrapper ran\n'
    assert 'wrapper ran' not in after.stdout  # `exec` skipped the function: not safe


@pytest.mark.parametrize('shell', SHELLS)
def test_a_trap_from_a_sourced_script_makes_the_fix_unsafe(tmp_path: pathlib.Path,
                                                           shell: str) -> None:
    (tmp_path / 'lib.sh').write_text('trap \'echo "cleanup ran"\' EXIT\n')
    script = f'#!/bin/sh\n. ./lib.sh\n{shutil.which("true")}\n'
    assert _fix(script, Applicability.SAFE).fixed == script
    unsafe = _fix(script, Applicability.UNSAFE).fixed
    assert unsafe == script.replace('\n/', '\nexec /')

    program = _shell(shell, tmp_path)
    env = {'PATH': '/usr/bin:/bin'}
    assert _run(program, script, tmp_path, env).stdout == 'cleanup ran\n'
    assert _run(program, unsafe, tmp_path, env).stdout == ''  # the trap is gone


HEREDOCS = {
    'blank-after-delimiter': 'cat <<EOF\nport=8080\nEOF \nworker\nEOF\n',
    'blank-before-delimiter': 'cat <<EOF\nport=8080\n EOF\nworker\nEOF\n',
    'spaces-with-dash': 'cat <<-EOF\n\tport=8080\n  EOF\nworker\nEOF\n',
    'quoted-tab-after': 'cat <<"EOF"\nport=8080\nEOF\t\nworker\nEOF\n',
}


@pytest.mark.parametrize('shell', SHELLS)
@pytest.mark.parametrize('case', sorted(HEREDOCS))
def test_a_line_tree_sitter_takes_for_a_heredoc_end_is_not_edited(
        tmp_path: pathlib.Path, shell: str, case: str) -> None:
    # tree-sitter-bash ends these here-documents early and read `worker` as the
    # last command; the shells print it as data. `exec ` went into the data.
    script = '#!/bin/sh\n' + HEREDOCS[case]
    result = _fix(script, Applicability.UNSAFE, rules=('MC301', 'MC320'))
    assert result.fixed == script
    [finding] = result.findings
    assert finding.code == 'MC301' and 'ends a here-document on line 4' in finding.message

    done = _run(_shell(shell, tmp_path), script, tmp_path, _bin(tmp_path))
    assert done.returncode == 0 and done.stdout.endswith('\nworker\n')


@pytest.mark.parametrize('shell', SHELLS)
def test_set_e_goes_after_a_shebang_behind_a_byte_order_mark(tmp_path: pathlib.Path,
                                                             shell: str) -> None:
    # MC320 put `set -e` before the mark: the `#!` line was no longer first
    # (MC351 could not remove the mark any more), and run by a shell the
    # marked line failed under `set -e`: the script stopped at line 2.
    script = '\ufeff#!/bin/sh\nmkdir -p data/cache\nexec worker\n'
    fixed = _fix(script, Applicability.UNSAFE, direct=True, rules=('MC320', 'MC351')).fixed
    assert fixed == '#!/bin/sh\nset -e\nmkdir -p data/cache\nexec worker\n'

    env = _bin(tmp_path) | {'STOP_AT_ONCE': '1'}
    program = _shell(shell, tmp_path)
    for text in (script, _fix(script, Applicability.UNSAFE, rules=('MC320',)).fixed):
        done = _run(program, text.replace('exec worker', 'exec echo started'), tmp_path, env)
        assert done.returncode == 0 and done.stdout == 'started\n', done.stderr
    entrypoint = tmp_path / 'entrypoint.sh'
    entrypoint.write_text(fixed.replace('exec worker', 'exec echo started'))
    entrypoint.chmod(0o755)
    direct = subprocess.run([str(entrypoint)], cwd=tmp_path, env=env, text=True,
                            capture_output=True, timeout=20)
    assert direct.returncode == 0 and direct.stdout == 'started\n'
    assert os.path.isdir(tmp_path / 'data' / 'cache')


def test_exec_into_dash_c_without_exec_is_reported(tmp_path: pathlib.Path) -> None:
    # `exec sh -c '...'` used to count as handing over; dash then stays PID 1
    # with the program as its child, and SIGTERM stays with it.
    dash = shutil.which('dash')
    if dash is None:
        pytest.skip('no dash')
    script = "#!/bin/sh\nexec dash -c 'cd . && worker'\n"
    result = _fix(script, Applicability.UNSAFE)
    [finding] = result.findings
    assert finding.fix is None and 'ends in `exec dash -c`' in finding.message
    fine = script.replace('&& worker', '&& exec worker')
    assert not _fix(fine, Applicability.UNSAFE).findings

    env = _bin(tmp_path)
    for text, stops in ((script, False), (fine, True)):
        (tmp_path / 'entrypoint.sh').write_text(text)
        stopped = stop_like_docker([dash, 'entrypoint.sh'], cwd=str(tmp_path), env=env,
                                   grace=1.0, ready=lambda out: 'worker up' in out)
        if not stopped.verified:
            pytest.skip(stopped.reason)
        assert ('clean shutdown' in stopped.output) is stops, stopped.describe()
        assert stopped.killed is not stops
