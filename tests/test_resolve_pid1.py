"""Commands followed the way the shell reads them, proven on real processes as PID 1.

Each project hangs on `docker stop` before `modcon fix` (still running when
the grace period ends) because the program behind the command ignores
SIGTERM; modcon used to stop following at `$PORT`, a script's final `exec`,
`COPY --from`, a Compose file or `flask run`, and reported the file clean.
After the fix the program's own shutdown code runs (it writes a marker file)
and the container exits 0 within the grace period.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import sys

import pytest

from tests.test_verify import modcon
from tests.test_verify import project

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which('unshare') is None, reason='needs unshare')]
# SIGTERM goes out once the program had time to start (and install its handler),
# even on a loaded machine; the grace period only has to outlast a clean stop.
SETTLE, GRACE = '3', '2'


def verify(root: pathlib.Path, settle: str = SETTLE) -> list[dict]:
    result = modcon('verify', '--engine', 'namespace', '--grace', GRACE, '--settle', settle,
                    '--format', 'json', '.',
                    cwd=root)
    return json.loads(result.stdout)


def before_and_after(root: pathlib.Path, settle: str = SETTLE) -> tuple[dict, dict]:
    before = verify(root, settle)
    assert len(before) == 1, before
    fixed = modcon('fix', '.', cwd=root)
    assert fixed.returncode in (0, 1), fixed.stdout + fixed.stderr
    return before[0], verify(root, settle)[0]


def _server(marker: pathlib.Path) -> str:
    """A server loop whose shutdown path (`finally`) writes ``marker``."""
    return ('import sys\nimport time\n\nprint("listening", sys.argv[1:], flush=True)\n'
            'try:\n    while True:\n        time.sleep(0.1)\n'
            f'finally:\n    with open({str(marker)!r}, "w") as f:\n        f.write("closed")\n')


def _assert_fixed(root: pathlib.Path, marker: pathlib.Path) -> None:
    before = verify(root)
    assert len(before) == 1 and before[0]['verified'] and before[0]['killed'], before
    assert not marker.exists(), 'the shutdown code ran before the fix'
    fixed = modcon('fix', '.', cwd=root)
    assert fixed.returncode in (0, 1), fixed.stdout + fixed.stderr
    after = verify(root)[0]
    assert after['verified'] and after['stopped_in_grace'] and after['exit_code'] == 0, after
    assert marker.read_text() == 'closed'


@pytest.mark.parametrize('command', [
    pytest.param('CMD python server.py --port $PORT', id='shell form with $PORT'),
    pytest.param('CMD ["/bin/sh", "-c", "exec python server.py --port \\"${PORT}\\""]',
                 id="MC101's own output"),
])
def test_a_variable_after_the_script(tmp_path: pathlib.Path, command: str) -> None:
    marker = tmp_path / 'marker'
    root = project(tmp_path / 'app', {
        'Dockerfile': f'FROM python:3.12-slim\nWORKDIR /app\nCOPY server.py .\n{command}\n',
        'server.py': _server(marker),
    })
    _assert_fixed(root, marker)


def test_an_entrypoint_script_that_execs_python(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / 'marker'
    root = project(tmp_path / 'app', {
        'Dockerfile': ('FROM python:3.12-slim\nWORKDIR /app\nCOPY entrypoint.sh server.py ./\n'
                       'ENTRYPOINT ["./entrypoint.sh"]\n'),
        # (verify moves the image's paths in the command, not those inside scripts)
        'entrypoint.sh': '#!/bin/sh\nset -e\necho "migrating"\nexec python server.py\n',
        'server.py': _server(marker),
    })
    _assert_fixed(root, marker)


def test_copy_from_a_build_stage(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / 'marker'
    root = project(tmp_path / 'app', {
        'Dockerfile': ('FROM python:3.12 AS build\nWORKDIR /src\nCOPY . .\n'
                       'RUN python -m compileall .\n\nFROM python:3.12-slim\n'
                       'COPY --from=build /src /srv\nWORKDIR /srv\n'
                       'CMD ["python", "server.py"]\n'),
        'server.py': _server(marker),
    })
    _assert_fixed(root, marker)


def test_a_compose_file_with_context_and_target(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / 'marker'
    root = project(tmp_path / 'app', {
        'compose.yaml': ('services:\n  api:\n    build:\n      context: .\n'
                         '      dockerfile: deploy/Dockerfile\n      target: prod\n'),
        'deploy/Dockerfile': ('FROM python:3.12-slim AS base\nWORKDIR /srv\nCOPY src/ ./\n\n'
                              'FROM base AS prod\nCMD ["python", "server.py"]\n\n'
                              'FROM base AS test\nCMD ["python", "-m", "unittest"]\n'),
        'src/server.py': _server(marker),
    })
    _assert_fixed(root, marker)


def test_flask_run_stops_on_the_stop_signal_it_declares(tmp_path: pathlib.Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # the Flask installed with the dev extras, as the image's `pip install flask`
    monkeypatch.setenv('PATH', f'{pathlib.Path(sys.executable).parent}{os.pathsep}'
                               f'{os.environ.get("PATH", "")}')
    root = project(tmp_path / 'app', {
        'Dockerfile': ('FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\n'
                       'CMD ["flask", "--app", "app", "run", "--port", "0"]\n'),
        'app.py': 'from flask import Flask\n\napp = Flask(__name__)\n',
    })
    # Flask takes a while to import; SIGINT before it serves is a KeyboardInterrupt (130)
    before, after = before_and_after(root, settle='6')
    assert before['verified'] and before['killed'], before
    assert 'STOPSIGNAL SIGINT' in (root / 'Dockerfile').read_text()
    assert after['verified'] and after['stopped_in_grace'] and after['exit_code'] == 0, after


def test_python2_code_is_reported_not_skipped(tmp_path: pathlib.Path) -> None:
    root = project(tmp_path / 'app', {
        'Dockerfile': 'FROM python:2.7-slim\nCOPY server.py /\nCMD python /server.py --port $PORT\n',
        'server.py': 'import time\nprint "up"\nwhile True:\n    time.sleep(1)\n',
    })
    result = modcon('check', '--select', 'MC002,MC201', '.', cwd=root)
    assert 'MC002' in result.stdout and 'server.py' in result.stdout, result.stdout
    assert "Missing parentheses in call to 'print'" in result.stdout
