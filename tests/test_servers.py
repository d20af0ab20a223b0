"""The servers table says what each server really does with SIGTERM as PID 1.

Every row marked ``measured`` is run here: the server starts as PID 1 of a
new PID namespace (``stop_like_docker``), gets SIGTERM as ``docker stop``
sends it, and must behave as its row says: graceful rows exit 0 within the
grace period, the others are still running when it ends. Rows that stop on
SIGINT are sent SIGINT too (what ``STOPSIGNAL SIGINT`` makes ``docker stop``
send) and must then stop in time, with status 0 when the row's remedy is
that STOPSIGNAL. The programs are the real ones, installed by the dev extras.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import signal
import sys

import pytest

from modcon.containers.pid1 import stop_like_docker
from modcon.knowledge.servers import SERVERS
from modcon.knowledge.servers import server_for

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which('unshare') is None, reason='needs unshare')]

APPS = pathlib.Path(__file__).parent / 'servers'
BIN = pathlib.Path(sys.executable).parent
# Docker's default grace period for the rows that stop (they return as soon as they
# do); a shorter one is enough to see that the others do not.
GRACE = 10.0
SHORT_GRACE = 3.0


def _program(name: str) -> str:
    return str(BIN / name)


# row -> (the command as a Dockerfile writes it, text the server prints once it serves)
PROBES: dict[str, tuple[list[str], str]] = {
    'gunicorn': (['gunicorn', '-b', '127.0.0.1:0', 'app:app'], 'Booting worker'),
    'uvicorn': (['uvicorn', '--port', '0', 'app:asgi'], 'Application startup complete'),
    'hypercorn': (['hypercorn', '-b', '127.0.0.1:0', 'app:asgi'], 'Running on'),
    'daphne': (['daphne', '-b', '127.0.0.1', '-p', '0', 'app:asgi'], 'Listening on'),
    'celery': (['celery', '-A', 'tasks', 'worker', '--pool', 'solo', '--loglevel', 'INFO'],
               'ready.'),
    'flask run': (['flask', '--app', 'app', 'run', '--port', '0'], 'Running on'),
    'flask run --reload': (['flask', '--app', 'app', 'run', '--reload', '--port', '0'],
                           'Restarting with'),
    'http.server': (['http.server', '0', '--bind', '127.0.0.1'], 'Serving HTTP'),
    'grpc': (['grpc_server.py'], 'grpc server started'),
}
_MODULES = frozenset(('http.server',))  # run as `python -m`
_SCRIPTS = frozenset(('grpc_server.py',))  # run as `python script`


def _argv(words: list[str]) -> list[str]:
    if words[0] in _MODULES:
        return [sys.executable, '-m', *words]
    if words[0] in _SCRIPTS:
        return [sys.executable, *words]
    return [_program(words[0]), *words[1:]]


def _stop(key: str, signum: int) -> object:
    words, ready = PROBES[key]
    env = {**os.environ, 'PYTHONUNBUFFERED': '1'}
    env.pop('FLASK_DEBUG', None)
    grace = GRACE if SERVERS[key].graceful or signum != signal.SIGTERM else SHORT_GRACE
    return stop_like_docker(_argv(words), cwd=str(APPS), env=env, grace=grace,
                            ready=lambda out: ready in out, ready_timeout=60,
                            stop_signal=signum)


def test_every_measured_row_has_a_probe() -> None:
    from tests.test_node_servers import MEASURED as NODE_ROWS  # npm packages, run there

    measured = {key for key, server in SERVERS.items() if server.measured}
    assert measured == set(PROBES) | set(NODE_ROWS)


@pytest.mark.parametrize('key', sorted(PROBES))
def test_the_probe_command_is_the_row(key: str) -> None:
    words, _ = PROBES[key]
    if key == 'grpc':  # a library in the program's own code, never a command
        assert server_for(words, {}) is None
        return
    found = server_for(words, {})
    assert found is not None and found[0] == key


@pytest.mark.parametrize('key', sorted(PROBES))
def test_sigterm_as_pid1_does_what_the_row_says(key: str) -> None:
    server = SERVERS[key]
    result = _stop(key, signal.SIGTERM)
    assert result.verified, (result.reason, result.output[-2000:])  # type: ignore[attr-defined]
    if server.graceful:
        assert result.exited_in_grace and result.exit_code == 0, result.output[-2000:]  # type: ignore[attr-defined]
    else:
        assert result.killed, result.describe()  # type: ignore[attr-defined]


@pytest.mark.parametrize('key', sorted(k for k in PROBES if SERVERS[k].stops_on == 'SIGINT'))
def test_the_stop_signal_it_stops_on(key: str) -> None:
    server = SERVERS[key]
    result = _stop(key, signal.SIGINT)
    assert result.verified and result.exited_in_grace, result.describe()  # type: ignore[attr-defined]
    if 'STOPSIGNAL SIGINT' in server.remedy:
        assert result.exit_code == 0, result.describe()  # type: ignore[attr-defined]
