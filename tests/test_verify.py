"""`modcon verify`: containers stopped the way `docker stop` does, before and after `modcon fix`.

Real processes run as PID 1 of a new PID namespace (`--engine namespace`; the
same runs with a real engine are in test_containers.py); the grace period is
cut to 1.5 s to keep the tests fast.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.containerkit import write_tree as project

pytestmark = pytest.mark.skipif(shutil.which('unshare') is None, reason='needs unshare')
GRACE = '1.5'


def modcon(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, '-m', 'modcon', *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def verify(cwd: pathlib.Path) -> list[dict]:
    result = modcon('verify', '--engine', 'namespace', '--grace', GRACE, '--settle', '0.8',
                    '--format', 'json', '.', cwd=cwd)
    return json.loads(result.stdout)


PY_LOOP = ('import time\nprint("up", flush=True)\ntry:\n    while True:\n        time.sleep(0.1)\n'
           'finally:\n    print("cleanup ran", flush=True)\n')


def before_and_after(root: pathlib.Path) -> tuple[dict, dict]:
    before = verify(root)
    assert len(before) == 1
    fixed = modcon('fix', '.', cwd=root)
    assert fixed.returncode in (0, 1), fixed.stdout + fixed.stderr
    after = verify(root)
    return before[0], after[0]


def test_a_python_loop(tmp_path: pathlib.Path) -> None:
    root = project(tmp_path, {
        'Dockerfile': 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY app.py .\nCMD python app.py\n',
        'app.py': PY_LOOP,
    })
    before, after = before_and_after(root)
    assert before['verified'] and before['killed'] and before['exit_code'] == 137
    assert after['verified'] and after['stopped_in_grace'] and after['exit_code'] == 0
    assert after['seconds'] < 1.0
    assert 'ignored SIGTERM' in before['summary'] and 'exited 0' in after['summary']


def test_a_shell_entrypoint_wrapping_python(tmp_path: pathlib.Path) -> None:
    root = project(tmp_path, {
        'Dockerfile': ('FROM python:3.12-slim\nCOPY docker-entrypoint.sh /usr/local/bin/\n'
                       'COPY app.py /srv/app.py\nENTRYPOINT ["docker-entrypoint.sh"]\n'
                       'CMD ["python", "/srv/app.py"]\n'),
        'docker-entrypoint.sh': '#!/bin/sh\nset -e\necho "starting $1"\n"$@"\n',
        'app.py': PY_LOOP,
    })
    before, after = before_and_after(root)
    assert before['killed']
    assert after['stopped_in_grace'] and after['exit_code'] == 0
    script = (root / 'docker-entrypoint.sh').read_text()
    assert script.endswith('exec "$@"\n')


def test_one_fix_run_is_enough_when_a_script_fix_changes_the_dockerfiles_need(
        tmp_path: pathlib.Path) -> None:
    """Once the script `exec`s Python, Python is PID 1 and ignores SIGTERM (no handler of its
    own: the server is the standard library's), so the Dockerfile needs `STOPSIGNAL SIGINT`
    too. One run fixed only the script and said "no findings"; the container still hung."""
    root = project(tmp_path, {
        'Dockerfile': ('FROM python:3.12-slim\nCOPY entry.sh /entry.sh\n'
                       'ENTRYPOINT ["/entry.sh"]\nCMD ["python", "-m", "http.server", "0"]\n'),
        'entry.sh': '#!/bin/sh\necho starting\n"$@"\n',
    })
    (root / 'entry.sh').chmod(0o755)
    before, after = before_and_after(root)
    assert before['killed']
    assert after['stopped_in_grace'] and after['exit_code'] == 0, after
    assert 'STOPSIGNAL SIGINT' in (root / 'Dockerfile').read_text()
    again = modcon('fix', '--diff', '.', cwd=root)
    assert again.stdout == '' and '0 fixes' in again.stderr


@pytest.mark.skipif(shutil.which('node') is None, reason='needs node')
def test_a_node_http_server(tmp_path: pathlib.Path) -> None:
    root = project(tmp_path, {
        'Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY server.js .\nCMD node server.js\n',
        'server.js': ("const http = require('http');\n"
                      "const server = http.createServer((req, res) => res.end('ok'));\n"
                      "server.listen(0, () => console.log('up'));\n"),
    })
    before, after = before_and_after(root)
    assert before['killed']
    assert after['stopped_in_grace'] and after['exit_code'] == 0


@pytest.mark.skipif(shutil.which('node') is None or shutil.which('npm') is None,
                    reason='needs node and npm')
def test_npm_start(tmp_path: pathlib.Path) -> None:
    root = project(tmp_path, {
        'Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD ["npm", "start"]\n',
        'package.json': json.dumps({'name': 'app', 'version': '1.0.0',
                                    'scripts': {'start': 'node server.js'}}),
        'server.js': ("process.on('SIGINT', () => {});\n"
                      "setInterval(() => {}, 1000);\nconsole.log('up');\n"),
    })
    before, after = before_and_after(root)
    # npm (11, measured) passes SIGTERM only to the `sh -c` it started: the
    # server dies without its handler, and npm reports a failure, or, slower
    # than the grace period on a busy machine, is killed (as in a real
    # container: docs/benchmarks.md). Either way not a clean stop.
    assert before['verified'] and before['exit_code'] not in (0, None)
    assert after['command'] == ['node', 'server.js']
    assert after['stopped_in_grace'] and after['exit_code'] == 0


def test_what_cannot_be_reproduced_is_not_verified(tmp_path: pathlib.Path) -> None:
    root = project(tmp_path, {
        'a/Dockerfile': 'FROM python:3.12-slim\nCOPY . /app\nCMD ["gunicorn-not-here", "app:app"]\n',
        'b/Dockerfile': 'FROM python:3.12-slim\nCOPY app.py /app.py\nCMD ["python", "/app.py"]\n',
        'b/app.py': 'raise SystemExit(3)\n',
        'c/Dockerfile': 'FROM ruby:3\nCMD ["ruby", "app.rb"]\n',
    })
    result = modcon('verify', '--engine', 'namespace', '--grace', GRACE, '--format', 'json', '.',
                    cwd=root)
    assert result.returncode == 3
    reasons = {r['dockerfile']: r['reason'] for r in json.loads(result.stdout)}
    assert all(not r['verified'] for r in json.loads(result.stdout))
    assert 'exited with 3 before it was stopped' in reasons['b/Dockerfile']
    assert 'no file of the repository' in reasons['c/Dockerfile']
    assert reasons['a/Dockerfile']


def test_verify_never_writes_into_the_project(tmp_path: pathlib.Path) -> None:
    root = project(tmp_path, {
        'Dockerfile': 'FROM python:3.12-slim\nCOPY app.py /app.py\nCMD ["python", "/app.py"]\n',
        'app.py': 'open("written.txt", "w").write("x")\n' + PY_LOOP,
    })
    before = sorted(p.name for p in root.iterdir())
    verify(root)
    assert sorted(p.name for p in root.iterdir()) == before
    assert not os.path.exists('/app.py')


def test_every_result_says_how_it_was_obtained(tmp_path: pathlib.Path) -> None:
    root = project(tmp_path, {
        'Dockerfile': 'FROM python:3.12-slim\nCOPY app.py /app.py\nCMD ["python", "/app.py"]\n',
        'app.py': PY_LOOP,
    })
    [result] = verify(root)
    assert result['method'] == 'namespace' and result['note'] == ''
    text = modcon('verify', '--engine', 'namespace', '--grace', GRACE, '--settle', '0.5', '.',
                  cwd=root)
    assert text.stdout.rstrip().endswith('[PID-namespace emulation]'), text.stdout


def test_auto_without_an_engine_falls_back_to_the_emulation(tmp_path: pathlib.Path) -> None:
    root = project(tmp_path, {
        'Dockerfile': 'FROM python:3.12-slim\nCOPY app.py /app.py\nCMD ["python", "/app.py"]\n',
        'app.py': PY_LOOP,
    })
    bin_dir = tmp_path / 'bin'  # what the emulation needs, and no docker or podman
    bin_dir.mkdir()
    (bin_dir / 'unshare').symlink_to(shutil.which('unshare'))
    (bin_dir / 'python').symlink_to(sys.executable)
    no_engine = {**os.environ, 'PATH': str(bin_dir)}
    result = subprocess.run([sys.executable, '-m', 'modcon', 'verify', '--grace', GRACE,
                             '--settle', '0.5', '--format', 'json', '.'], cwd=root, env=no_engine,
                            capture_output=True, text=True, timeout=120)
    [found] = json.loads(result.stdout)
    assert found['method'] == 'namespace' and found['killed'], found
    named = subprocess.run([sys.executable, '-m', 'modcon', 'verify', '--engine', 'podman', '.'],
                           cwd=root, env=no_engine,
                           capture_output=True, text=True, timeout=60)
    assert named.returncode == 2 and named.stderr.startswith('modcon: error: podman is not usable')


def test_a_script_the_runtime_cannot_execute_does_not_start(tmp_path: pathlib.Path) -> None:
    """The runtime execs an exec-form command's program itself: a script whose `#!` comes
    after a byte order mark cannot start (unshare's execvp would hand it to /bin/sh, so
    the emulation checks the first bytes as the kernel does). After the fix it runs."""
    root = project(tmp_path, {
        'Dockerfile': ('FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\n'
                       'COPY docker/entry.sh /usr/local/bin/entry\nCOPY app.py /srv/app.py\n'
                       'ENTRYPOINT ["entry"]\nCMD ["python", "/srv/app.py"]\n'),
        'docker/entry.sh': '\ufeff#!/bin/sh\nset -e\nexec "$@"\n',
        'app.py': PY_LOOP,
    })
    before, after = before_and_after(root)
    assert not before['verified']
    assert 'cannot start: exec format error' in before['summary']
    assert 'after a byte order mark' in before['summary']
    assert after['verified'] and after['stopped_in_grace'] and after['exit_code'] == 0, after


@pytest.mark.parametrize('stop', ('SIGKILL', '9'))
def test_stopsignal_sigkill_is_a_kill_not_an_exit(tmp_path: pathlib.Path, stop: str) -> None:
    """unshare, whose child died of SIGKILL, exits 1 ("sigprocmask unblock failed"): that
    read as the program exiting 1 in grace. Docker reports 137, and nothing ran."""
    root = project(tmp_path, {
        'Dockerfile': (f'FROM python:3.12-slim\nSTOPSIGNAL {stop}\nCOPY app.py /app.py\n'
                       'CMD ["python", "/app.py"]\n'),
        'app.py': PY_LOOP,
    })
    result = modcon('verify', '--engine', 'namespace', '--grace', GRACE, '--settle', '0.8',
                    '--format', 'json', '.', cwd=root)
    [run] = json.loads(result.stdout)
    assert run['verified'] and run['killed'] and not run['stopped_in_grace'], run
    assert run['exit_code'] == 137 and 'SIGKILL' in run['summary']
    assert 'cleanup ran' not in run['output']
    assert result.returncode == 1


KEYBOARD_INTERRUPT_LOOP = ('import time\ntry:\n    while True:\n        time.sleep(0.1)\n'
                           'except KeyboardInterrupt:\n    print("stopped on SIGINT", flush=True)\n')


@pytest.mark.parametrize(('stop', 'verified'), (
    pytest.param('ARG S=2\nSTOPSIGNAL $S', True, id='a build argument'),
    pytest.param('ENV SIG=SIGINT\nSTOPSIGNAL ${SIG}', True, id='an ENV value'),
    pytest.param('STOPSIGNAL 999', False, id='no such signal'),
    pytest.param('STOPSIGNAL SIGBOGUS', False, id='no such name'),
))
def test_the_stop_signal_is_read_as_docker_reads_it(tmp_path: pathlib.Path, stop: str,
                                                    verified: bool) -> None:
    """Docker substitutes build arguments and ENV values in STOPSIGNAL: the program stops
    on the SIGINT it asks for (it got SIGTERM and was killed). A signal that does not
    exist is no result (it was 'ignored SIGTERM')."""
    root = project(tmp_path, {
        'Dockerfile': (f'FROM python:3.12-slim\n{stop}\nCOPY app.py /app.py\n'
                       'CMD ["python", "/app.py"]\n'),
        'app.py': KEYBOARD_INTERRUPT_LOOP,
    })
    [run] = verify(root)
    if verified:
        assert run['verified'] and run['stopped_in_grace'] and run['exit_code'] == 0, run
        assert 'stopped on SIGINT' in run['output']
    else:
        assert not run['verified'] and 'names no signal Docker can send' in run['reason'], run


PY_HANDLES_SIGTERM = ('import signal, sys, time\n'
                      'def stop(*_):\n    print("shutdown ran", flush=True)\n    sys.exit(0)\n'
                      'signal.signal(signal.SIGTERM, stop)\nprint("up", flush=True)\n'
                      'while True:\n    time.sleep(0.1)\n')


@pytest.mark.parametrize('command', [
    pytest.param('CMD ["sh", "-c", "python3 app.py --port $PORT"]', id='sh-c'),
    pytest.param('ENTRYPOINT ["/bin/sh", "-c"]\nCMD ["python3 app.py --port ${PORT:-80}"]',
                 id='script-in-cmd'),
])
def test_an_exec_form_sh_c_keeps_dash_in_front_until_mc105_adds_exec(
        tmp_path: pathlib.Path, command: str) -> None:
    """The program handles SIGTERM itself, but dash runs it as a child and, as PID 1,
    ignores the signal: nothing reached the program before MC105's `exec`."""
    root = project(tmp_path, {
        'Dockerfile': f'FROM python:3.12-slim\nWORKDIR /srv\nCOPY app.py .\nENV PORT=8080\n'
                      f'{command}\n',
        'app.py': PY_HANDLES_SIGTERM,
    })
    before, after = before_and_after(root)
    assert 'exec python3 app.py' in (root / 'Dockerfile').read_text()
    assert before['verified'] and before['killed'] and before['exit_code'] == 137, before
    assert after['verified'] and after['stopped_in_grace'] and after['exit_code'] == 0, after


def test_a_shell_form_sh_c_is_one_shell_with_exec_after_the_unsafe_fix(
        tmp_path: pathlib.Path) -> None:
    """`CMD sh -c "python3 app.py --port $PORT"`: two shells, dash outermost as PID 1.
    MC101 once wrote `exec sh -c "..."`: the finding went, and the inner dash still
    kept the program as its child (SIGKILL). Its fix is now one shell with `exec`."""
    root = project(tmp_path, {
        'Dockerfile': 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY app.py .\nENV PORT=8080\n'
                      'CMD sh -c "python3 app.py --port $PORT"\n',
        'app.py': PY_HANDLES_SIGTERM,
    })
    before = verify(root)[0]
    safe = modcon('fix', '.', cwd=root)
    assert safe.returncode == 1, safe.stdout + safe.stderr  # the safe fixes leave it reported
    assert 'sh -c "python3 app.py --port $PORT"' in (root / 'Dockerfile').read_text()
    modcon('fix', '--unsafe-fixes', '.', cwd=root)
    after = verify(root)[0]
    assert before['killed'] and before['exit_code'] == 137, before
    assert after['stopped_in_grace'] and after['exit_code'] == 0, after
