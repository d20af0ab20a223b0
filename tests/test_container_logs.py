"""Log files linked to the container's streams (MC131), in real containers.

The links MC131's fix adds are built into the image and the program's log
lines must then show in `podman logs`. The safety of that fix for non-root
programs was an assumption ("a non-root process may be denied /dev/stdout
with a TTY"); it is measured here instead, with and without `-t`:
runc hands the container's stdout and stderr (pipes, or the TTY) to the
image's USER, so a `USER app` image writes through the links either way,
while a program that starts as root and switches user itself is denied them.
MC131 marks its fix safe exactly where the measurement says it works.
"""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time

import pytest

from tests.containerkit import PYTHON_BASE
from tests.containerkit import engine
from tests.containerkit import stand_in
from tests.containerkit import write_tree

APP = '''\
import logging
import os
import time

try:
    handler = logging.FileHandler("/var/log/app/app.log")
except OSError as exc:
    os.write(2, f"cannot open the log: {exc}\\n".encode())
    raise SystemExit(1)
log = logging.getLogger("app")
log.addHandler(handler)
log.setLevel(logging.INFO)
log.info("probe-line")
handler.flush()
while True:
    time.sleep(0.2)
'''

USER_IMAGE = ('FROM python:3.12-slim\nRUN useradd --uid 1000 app\nCOPY app.py /srv/app.py\n'
              'USER app\nCMD ["python", "/srv/app.py"]\n')
# Starts as root; gosu's job done by setpriv, which Debian's util-linux has.
SWITCHING_IMAGE = ('FROM python:3.12-slim\nRUN useradd --uid 1000 app\nCOPY app.py /srv/app.py\n'
                   'CMD ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", '
                   '"python", "/srv/app.py"]\n')


def _mc131(root: pathlib.Path) -> dict:
    result = subprocess.run([sys.executable, '-m', 'modcon', 'check', '--select', 'MC131',
                             '--format', 'json', '.'], cwd=root, capture_output=True, text=True)
    report = json.loads(result.stdout)
    findings = report['findings'] if isinstance(report, dict) else report
    [finding] = findings
    return finding


def _fixed(tmp: pathlib.Path, dockerfile: str) -> pathlib.Path:
    root = write_tree(tmp, {'Dockerfile': dockerfile, 'app.py': APP})
    result = subprocess.run([sys.executable, '-m', 'modcon', 'fix', '--unsafe-fixes',
                             '--select', 'MC131', '.'], cwd=root, capture_output=True, text=True)
    assert 'ln -sf /dev/stdout /var/log/app/app.log' in (root / 'Dockerfile').read_text(), \
        result.stdout + result.stderr
    return root


def _logs_of(root: pathlib.Path, *, tty: bool) -> str:
    found = engine()
    build = found.build(str(root))
    assert build.image is not None, build.log
    try:
        container = found.start(build.image, options=['-t'] if tty else [])
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                logs = found.logs(container)
                if 'probe-line' in logs or 'cannot open' in logs:
                    return logs
                if not found.state(container).get('Running'):
                    return found.logs(container)
                time.sleep(0.2)
            return found.logs(container)
        finally:
            found.remove(container)
    finally:
        found.remove_image(build.image)


def test_a_log_file_shows_in_podman_logs_once_the_fix_links_it(tmp_path: pathlib.Path) -> None:
    stand_in('python:3.12-slim', PYTHON_BASE)
    dockerfile = 'FROM python:3.12-slim\nCOPY app.py /srv/app.py\nCMD ["python", "/srv/app.py"]\n'
    before = write_tree(tmp_path / 'before', {'Dockerfile': dockerfile, 'app.py': APP})
    (tmp_path / 'before-dir').mkdir()
    # The original needs the folder to exist to run at all; the fix creates it.
    (before / 'Dockerfile').write_text(dockerfile.replace(
        'COPY app.py', 'RUN mkdir -p /var/log/app\nCOPY app.py'))
    assert 'probe-line' not in _logs_of(before, tty=False)
    after = _fixed(tmp_path / 'after', dockerfile)
    assert 'probe-line' in _logs_of(after, tty=False)


@pytest.mark.parametrize('tty', (False, True), ids=('no tty', 'docker run -t'))
@pytest.mark.parametrize(('dockerfile', 'works'), (
    pytest.param(USER_IMAGE, True, id='USER app'),
    pytest.param(SWITCHING_IMAGE, False, id='root, then setpriv to app'),
))
def test_non_root_writers_and_the_dev_stdout_link(
        tmp_path: pathlib.Path, dockerfile: str, works: bool, tty: bool) -> None:
    stand_in('python:3.12-slim', PYTHON_BASE)
    finding = _mc131(write_tree(tmp_path / 'checked', {'Dockerfile': dockerfile, 'app.py': APP}))
    logs = _logs_of(_fixed(tmp_path / 'fixed', dockerfile), tty=tty)
    assert ('probe-line' in logs) is works, logs
    if not works:
        assert 'Permission denied' in logs, logs
    # The fix is safe exactly where the link was measured to work.
    assert finding['fix']['applicability'] == ('safe' if works else 'unsafe'), finding
