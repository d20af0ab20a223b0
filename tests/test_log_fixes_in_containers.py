"""MC131 and MC132 judged by what the container then does, on inputs where a link
or a `-` does not reach `podman logs` (a COPY over the link, a VOLUME, a `cd`, a
gunicorn daemon).

Each case builds or runs the program the way the Dockerfile would, and checks
that modcon's fix brings the log lines to the container's streams, or that,
where it could not, modcon offers no fix (the fix the rules offered before
these cases was measured to lose the lines or to break the build).
"""
from __future__ import annotations

import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.model import Applicability
from modcon.project import MappingProject
from modcon.source import SourceFile
from tests.containerkit import PYTHON_BASE
from tests.containerkit import engine
from tests.containerkit import stand_in
from tests.containerkit import write_tree

APP = '''\
import logging
import time

logging.basicConfig(filename="/var/log/app/app.log", level=logging.INFO,
                    format="%(message)s")
logging.info("probe-line")
logging.getLogger().handlers[0].flush()
while True:
    time.sleep(0.2)
'''


def _findings(dockerfile: str, files: dict[str, str], rule: str = 'MC131') -> list:
    return check_source(SourceFile('Dockerfile', dockerfile), 'dockerfile',
                        Config(select=(rule,)), (), MappingProject(files))


def _fixed(dockerfile: str, files: dict[str, str], rule: str = 'MC131') -> str:
    return fix_source(SourceFile('Dockerfile', dockerfile), 'dockerfile', Config(select=(rule,)),
                      Applicability.UNSAFE, (), MappingProject(files)).fixed


def _logs(root: pathlib.Path) -> str:
    """Build ``root``, run it until the probe line shows (or 20 s), return its logs;
    'BUILD FAILED: ...' when the build fails."""
    found = engine()
    build = found.build(str(root))
    if build.image is None:
        return f'BUILD FAILED: {build.error}'
    try:
        container = found.start(build.image)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                logs = found.logs(container)
                if 'probe-line' in logs or not found.state(container).get('Running'):
                    return logs
                time.sleep(0.2)
            return found.logs(container)
        finally:
            found.remove(container)
    finally:
        found.remove_image(build.image)


# -- a later COPY replaces the link: the finding must stay, the new link go after it --

COPIED_OVER = ('FROM python:3.12-slim\n'
               'RUN mkdir -p /var/log/app && ln -sf /dev/stdout /var/log/app/app.log\n'
               'COPY app.py /srv/app.py\n'
               'COPY logs/ /var/log/app/\n'
               'CMD ["python", "/srv/app.py"]\n')


def test_a_link_that_a_later_copy_replaces_is_reported_and_linked_again(
        tmp_path: pathlib.Path) -> None:
    stand_in('python:3.12-slim', PYTHON_BASE)
    files = {'app.py': APP, 'logs/app.log': ''}
    # podman: the COPY puts a plain file where the link was, so the line never shows.
    assert 'probe-line' not in _logs(write_tree(tmp_path / 'before',
                                                {**files, 'Dockerfile': COPIED_OVER}))
    (finding,) = _findings(COPIED_OVER, files)
    assert 'line 4 replaces the link made at line 2' in finding.message
    fixed = _fixed(COPIED_OVER, files)
    assert fixed == COPIED_OVER.replace(
        'COPY logs/ /var/log/app/\n',
        'COPY logs/ /var/log/app/\nRUN ln -sf /dev/stdout /var/log/app/app.log\n')
    assert 'probe-line' in _logs(write_tree(tmp_path / 'after', {**files, 'Dockerfile': fixed}))
    assert _findings(fixed, files) == []


# -- a VOLUME before the place of the links: no fix (podman drops the RUN's links) --

VOLUME_FIRST = ('FROM python:3.12-slim\n'
                'VOLUME /var/log/app\n'
                'COPY app.py /srv/app.py\n'
                'CMD ["python", "/srv/app.py"]\n')
# What MC131 offered before it knew about volumes.
VOLUME_FIRST_OLD_FIX = VOLUME_FIRST.replace(
    'CMD', 'RUN mkdir -p /var/log/app \\\n && ln -sf /dev/stdout /var/log/app/app.log\nCMD')


def test_links_after_a_volume_are_lost_so_no_fix_is_offered(tmp_path: pathlib.Path) -> None:
    stand_in('python:3.12-slim', PYTHON_BASE)
    files = {'app.py': APP}
    logs = _logs(write_tree(tmp_path / 'old-fix', {**files, 'Dockerfile': VOLUME_FIRST_OLD_FIX}))
    assert 'probe-line' not in logs, logs
    (finding,) = _findings(VOLUME_FIRST, files)
    assert finding.fix is None
    assert '`VOLUME /var/log/app` (line 2) comes first' in finding.message
    # The same link made before the VOLUME works, and MC133 says to move it there.
    moved = VOLUME_FIRST_OLD_FIX.replace('VOLUME /var/log/app\n', '').replace(
        'CMD', 'VOLUME /var/log/app\nCMD')
    assert 'probe-line' in _logs(write_tree(tmp_path / 'moved', {**files, 'Dockerfile': moved}))
    (pitfall,) = _findings(VOLUME_FIRST_OLD_FIX, files, 'MC133')
    assert 'after `VOLUME /var/log/app` (line 2)' in pitfall.message


# -- a relative path and a `cd` in the command: the file is not under WORKDIR --------

CD_APP = APP.replace('/var/log/app/app.log', 'app.log')
CD_FIRST = ('FROM python:3.12-slim\n'
            'WORKDIR /app\n'
            'COPY app.py /srv/app.py\n'
            'CMD ["sh", "-c", "cd /srv && exec python app.py"]\n')
CD_FIRST_OLD_FIX = CD_FIRST.replace('CMD', 'RUN ln -sf /dev/stdout /app/app.log\nCMD')


def test_a_relative_log_path_after_cd_gets_no_fix(tmp_path: pathlib.Path) -> None:
    stand_in('python:3.12-slim', PYTHON_BASE)
    files = {'app.py': CD_APP}
    # The link MC131 used to add, under WORKDIR, is not where the program writes.
    logs = _logs(write_tree(tmp_path / 'old-fix', {**files, 'Dockerfile': CD_FIRST_OLD_FIX}))
    assert 'probe-line' not in logs, logs
    (finding,) = _findings(CD_FIRST, files)
    assert finding.fix is None and 'changes folder (`cd`)' in finding.message


# -- gunicorn: `-` only reaches the container when gunicorn's stream is its own ----

WSGI = 'def app(environ, start_response):\n    start_response("200 OK", [])\n    return [b"ok"]\n'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port: int = s.getsockname()[1]
        return port


def _gunicorn_stdout(tmp_path: pathlib.Path, *flags: str) -> str:
    """Run the venv's gunicorn with ``flags`` and stdout on a pipe, make one request,
    stop it; what reached the pipe."""
    pytest.importorskip('gunicorn')
    tmp_path.mkdir(parents=True)
    (tmp_path / 'app.py').write_text(WSGI)
    port = _free_port()
    pidfile = tmp_path / 'gunicorn.pid'
    command = [sys.executable, '-m', 'gunicorn', *flags, '--pid', str(pidfile),
               '-b', f'127.0.0.1:{port}', 'app:app']
    with subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as process:
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    urllib.request.urlopen(f'http://127.0.0.1:{port}/probe-request', timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            time.sleep(0.5)
        finally:
            if pidfile.exists():  # the daemon is not our child: stop it by its pid file
                subprocess.run(['kill', pidfile.read_text().strip()], check=False)
            if process.poll() is None:
                process.terminate()
        out, _ = process.communicate(timeout=30)
    return out


def test_a_gunicorn_daemon_sends_dash_to_dev_null_so_no_fix_is_offered(
        tmp_path: pathlib.Path) -> None:
    assert 'probe-request' in _gunicorn_stdout(tmp_path / 'foreground', '--access-logfile', '-')
    # What MC132's unsafe fix used to write: the daemon's stdout is /dev/null.
    assert 'probe-request' not in _gunicorn_stdout(tmp_path / 'daemon', '--daemon',
                                                   '--access-logfile', '-')
    # -R keeps the streams it was given.
    assert 'probe-request' in _gunicorn_stdout(tmp_path / 'daemon-R', '--daemon', '-R',
                                               '--access-logfile', '-')
    dockerfile = ('FROM python:3.12-slim\nCMD ["sh", "-c", "gunicorn --daemon --access-logfile '
                  '/tmp/access.log app:app && tail -f /tmp/access.log"]\n')
    (finding,) = _findings(dockerfile, {}, 'MC132')
    assert finding.fix is None and 'runs as a daemon' in finding.message
    kept = dockerfile.replace('--daemon', '--daemon -R')
    (finding,) = _findings(kept, {}, 'MC132')
    assert finding.fix is not None


def test_gunicorn_cmd_args_is_the_only_variable_of_its_env_that_is_edited() -> None:
    dockerfile = ('FROM python:3.12-slim\n'
                  'ENV OTHER="--access-logfile /var/log/other.log" '
                  'GUNICORN_CMD_ARGS="--access-logfile /var/log/a.log"\n'
                  'CMD ["gunicorn", "app:app"]\n')
    assert _fixed(dockerfile, {}, 'MC132') == dockerfile.replace('/var/log/a.log', '-')


# -- a folder made later by a relative `mkdir`: the links go after it ----------------

RELATIVE_APP = APP.replace('/var/log/app/app.log', 'logs/app.log')
MKDIR_LATER = ('FROM python:3.12-slim\n'
               'WORKDIR /app\n'
               'COPY app.py .\n'
               'RUN mkdir logs\n'
               'CMD ["python", "app.py"]\n')


def test_the_links_go_after_a_relative_mkdir_of_their_folder(tmp_path: pathlib.Path) -> None:
    # The old fix's RUN, then the Dockerfile's, by a real /bin/sh under a scratch root
    # (a podman build of it fails the same way, and leaves its first layers behind).
    root = tmp_path / 'root'
    (root / 'app').mkdir(parents=True)
    made = subprocess.run(['/bin/sh', '-c', f'mkdir -p {root}/app/logs && '
                           f'ln -sf /dev/stdout {root}/app/logs/app.log && '
                           f'cd {root}/app && mkdir logs'], capture_output=True, text=True)
    assert made.returncode != 0 and 'File exists' in made.stderr, made.stderr
    stand_in('python:3.12-slim', PYTHON_BASE)
    files = {'app.py': RELATIVE_APP}
    fixed = _fixed(MKDIR_LATER, files)
    assert fixed == MKDIR_LATER.replace(
        'CMD', 'RUN ln -sf /dev/stdout /app/logs/app.log\nCMD')
    assert 'probe-line' in _logs(write_tree(tmp_path / 'after', {**files, 'Dockerfile': fixed}))
