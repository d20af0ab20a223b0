"""MC101's rewrites run for real where the shell itself matters.

* A login or interactive shell (``SHELL ["/bin/bash", "--login", "-c"]``, as
  conda and nvm images write it) and bash with ``BASH_ENV`` read start-up
  files that set ``PATH`` before the command runs: dropping the shell starts
  another program. The fix keeps the shell and adds ``exec``.
* ``CMD sh -c "..."``: without the outer shell the inner one is PID 1, and
  dash runs even a lone command as its child; the fix puts ``exec`` inside.

Each case runs the original command as Docker runs shell form and the fixed
one as BuildKit reads it, with recording stubs: the same program must run
with the same argv and environment, as the process Docker started; and the
``sh -c`` case is stopped as PID 1 of a PID namespace, as ``docker stop`` does.
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import pytest

from modcon.containers.pid1 import stop_like_docker
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.model import Applicability
from modcon.model import Kind
from modcon.source import SourceFile
from tests.oracle import buildkit_instructions

STUB = f'''#!{sys.executable}
import json, os, sys
record = {{"program": sys.argv[0], "argv": sys.argv[1:], "pid": os.getpid(),
          "env": {{k: v for k, v in os.environ.items() if k not in ("PWD", "SHLVL", "_")}}}}
with open(os.path.join(os.environ["RECORD_DIR"], "%d.json" % os.getpid()), "w") as f:
    json.dump(record, f)
'''


def _fixed_argv(dockerfile: str) -> tuple[str, ...]:
    result = fix_source(SourceFile('Dockerfile', dockerfile), Kind.DOCKERFILE,
                        Config(select=('MC101',)), Applicability.SAFE)
    assert result.changed, dockerfile
    again = fix_source(SourceFile('Dockerfile', result.fixed), Kind.DOCKERFILE,
                       Config(select=('MC101',)), Applicability.SAFE)
    assert not again.changed
    cmd = buildkit_instructions(result.fixed)[-1]
    assert cmd.cmd == 'CMD' and cmd.json, result.fixed
    return tuple(cmd.value)


def _stub(path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STUB)
    path.chmod(0o755)


def _run(argv: tuple[str, ...], env: dict[str, str], tmp: pathlib.Path,
         label: str) -> dict[str, Any]:
    records = tmp / f'records-{label}'
    records.mkdir()
    proc = subprocess.run(argv, env={**env, 'RECORD_DIR': str(records)}, cwd=tmp,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    found = [json.loads(p.read_text()) for p in records.iterdir()]
    assert len(found) == 1, proc
    record = found[0]
    record['env'].pop('RECORD_DIR')
    return record


@pytest.fixture
def home(tmp_path: pathlib.Path) -> pathlib.Path:
    """A home whose start-up files put ``env/bin`` first on PATH, as conda does."""
    _stub(tmp_path / 'bin' / 'python')
    _stub(tmp_path / 'env' / 'bin' / 'python')
    home = tmp_path / 'home'
    home.mkdir()
    startup = f'export PATH="{tmp_path}/env/bin:$PATH"\n'
    for name in ('.profile', '.bash_profile', '.bashrc', 'bash_env'):
        (home / name).write_text(startup)
    return home


@pytest.mark.parametrize('dockerfile', [
    'FROM debian:12\nSHELL ["/bin/bash", "--login", "-c"]\nCMD python app.py --port 8000\n',
    'FROM debian:12\nSHELL ["/bin/bash", "-lc"]\nCMD python app.py --port 8000\n',
    'FROM debian:12\nSHELL ["/bin/sh", "-l", "-c"]\nCMD python app.py --port 8000\n',
    'FROM debian:12\nENV BASH_ENV=/home/bash_env\nSHELL ["/bin/bash", "-c"]\n'
    'CMD python app.py --port 8000\n',
])
def test_a_shell_with_start_up_files_stays(dockerfile: str, home: pathlib.Path,
                                           tmp_path: pathlib.Path) -> None:
    fixed = _fixed_argv(dockerfile)
    shell = next(c for c in buildkit_instructions(dockerfile) if c.cmd == 'SHELL').value
    assert fixed == (*shell, 'exec python app.py --port 8000')
    env = {'PATH': f'{tmp_path}/bin:/usr/bin:/bin', 'HOME': str(home)}
    if 'BASH_ENV' in dockerfile:
        env['BASH_ENV'] = str(home / 'bash_env')
    before = _run((*shell, 'python app.py --port 8000'), env, tmp_path, 'before')
    after = _run(fixed, env, tmp_path, 'after')
    # The program the start-up files chose, not the one first on the image's PATH.
    assert before['program'] == after['program'] == f'{tmp_path}/env/bin/python'
    assert before['argv'] == after['argv'] == ['app.py', '--port', '8000']
    assert before['env'] == after['env']


def test_sh_c_gets_exec_inside(tmp_path: pathlib.Path) -> None:
    dockerfile = "FROM debian:12\nCMD sh -c 'cd sub && prog --port $PORT'\n"
    fixed = _fixed_argv(dockerfile)
    assert fixed == ('sh', '-c', 'cd sub && exec prog --port $PORT')
    _stub(tmp_path / 'bin' / 'prog')
    (tmp_path / 'sub').mkdir()
    env = {'PATH': f'{tmp_path}/bin:/usr/bin:/bin', 'PORT': '8000', 'HOME': str(tmp_path)}
    before = _run(('/bin/sh', '-c', "sh -c 'cd sub && prog --port $PORT'"), env, tmp_path,
                     'before')
    records = tmp_path / 'records-after'
    records.mkdir()
    proc = subprocess.Popen(fixed, env={**env, 'RECORD_DIR': str(records)}, cwd=tmp_path)
    assert proc.wait(timeout=30) == 0
    after = json.loads(next(records.iterdir()).read_text())
    after['env'].pop('RECORD_DIR')
    assert before['argv'] == after['argv'] == ['--port', '8000']
    assert before['env'] == after['env']
    assert after['pid'] == proc.pid  # the program is the process Docker started


SERVER = '''import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
time.sleep(60)
'''


def _ready(output: str) -> bool:
    return 'ready' in output


@pytest.mark.skipif(not pathlib.Path('/usr/bin/unshare').exists(), reason='needs unshare')
def test_sh_c_program_receives_sigterm_as_pid1(tmp_path: pathlib.Path) -> None:
    (tmp_path / 'server.py').write_text(SERVER)
    command = f'sh -c "{sys.executable} server.py"'
    fixed = _fixed_argv(f'FROM debian:12\nCMD {command}\n')
    assert fixed == ('sh', '-c', f'exec {sys.executable} server.py')
    before = stop_like_docker(['/bin/sh', '-c', command], cwd=str(tmp_path), grace=2.0,
                              ready=_ready)
    unfixed_inner = stop_like_docker(['sh', '-c', f'{sys.executable} server.py'],
                                     cwd=str(tmp_path), grace=2.0, ready=_ready)
    after = stop_like_docker(list(fixed), cwd=str(tmp_path), grace=2.0, ready=_ready)
    if not after.verified:
        pytest.skip(after.reason)
    assert before.killed  # dash as PID 1 ignores SIGTERM
    assert unfixed_inner.killed  # so does the inner dash, without `exec`
    assert after.exited_in_grace and after.exit_code == 0
