"""Programs that ignore SIGTERM as PID 1: `exec` does not help, an init or a trap does.

Each program of ``modcon.knowledge.ignores_sigterm.IGNORES_SIGTERM`` is started
as PID 1 of a new PID namespace, with and without a shell that `exec`s it,
and stopped the way ``docker stop`` does. Then the remedies that MC101 and
MC301 name instead of `exec` are run the same way: the trap taken from the
finding's own text, and an init (catatonit, which `docker run --init`'s tini
stands for here).
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil

import pytest

from modcon.containers.pid1 import stop_like_docker
from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.entrypoints.invocation import Invocation
from modcon.knowledge.ignores_sigterm import IGNORES_SIGTERM
from modcon.source import SourceFile

pytestmark = pytest.mark.skipif(shutil.which('unshare') is None, reason='needs unshare')

GRACE = 0.5
# One measured command per program; `cat` waits on a FIFO nobody writes to
# (stdin is /dev/null here, as in a container started without -i).
COMMANDS = {
    'tail -f': ('tail', '-f', '/dev/null'),
    'tail --pid': ('tail', '--pid=1', '-f', '/dev/null'),
    'sleep inf': ('sleep', 'inf'),
    'sleep infinity': ('sleep', 'infinity'),
    'sleep N': ('sleep', '3600'),
    'cat': ('cat', 'fifo'),
}
INITS = [init for init in ('tini', 'catatonit', 'dumb-init') if shutil.which(init)]


@pytest.fixture
def workdir(tmp_path: pathlib.Path) -> pathlib.Path:
    os.mkfifo(tmp_path / 'fifo')
    return tmp_path


def test_every_listed_program_was_measured() -> None:
    assert {argv[0] for argv in COMMANDS.values()} == IGNORES_SIGTERM


@pytest.mark.parametrize('argv', COMMANDS.values(), ids=COMMANDS.keys())
@pytest.mark.parametrize('how', ('direct', 'exec'))
def test_still_running_when_the_grace_period_ends(workdir: pathlib.Path, argv: tuple[str, ...],
                                                  how: str) -> None:
    command = list(argv) if how == 'direct' else ['/bin/sh', '-c', 'exec ' + ' '.join(argv)]
    result = stop_like_docker(command, cwd=str(workdir), grace=GRACE)
    assert result.verified, result.reason
    assert result.killed and result.exit_code == 137


def _remedy(text: str, name: str) -> str:
    """The trap command a finding offers instead of `exec`."""
    kind = 'shell' if name.endswith('.sh') else 'dockerfile'
    invocations = (Invocation('Dockerfile', 3, ('/entrypoint.sh',), True),) \
        if kind == 'shell' else ()
    findings = check_source(SourceFile(name, text), kind, Config(select=('MC101', 'MC301')),
                            invocations)
    assert len(findings) == 1 and findings[0].fix is None, findings
    match = re.search(r"with a trap: `(trap 'exit 0' TERM; .* & wait)`$", findings[0].message)
    assert match, findings[0].message
    return match[1]


@pytest.mark.parametrize(('name', 'text'), (
    ('Dockerfile', 'FROM debian:12-slim\nCMD tail -f /dev/null\n'),
    ('Dockerfile', 'FROM debian:12-slim\nCMD true && sleep inf\n'),
    ('entrypoint.sh', '#!/bin/sh\nset -e\ntrue\nsleep infinity\n'),
    ('entrypoint.sh', '#!/bin/sh\ncat fifo\n'),
), ids=('MC101-tail', 'MC101-sleep', 'MC301-sleep', 'MC301-cat'))
def test_the_trap_the_finding_offers_stops_at_once(workdir: pathlib.Path, name: str,
                                                    text: str) -> None:
    script = _remedy(text, name)
    result = stop_like_docker(['/bin/sh', '-c', script], cwd=str(workdir), grace=5.0)
    assert result.verified, result.reason
    assert result.exited_in_grace and result.exit_code == 0 and result.seconds < 2


@pytest.mark.skipif(not INITS, reason='no init (tini, catatonit, dumb-init) installed')
@pytest.mark.parametrize('argv', COMMANDS.values(), ids=COMMANDS.keys())
def test_under_an_init_it_stops_at_once(workdir: pathlib.Path, argv: tuple[str, ...]) -> None:
    result = stop_like_docker([INITS[0], '--', *argv], cwd=str(workdir), grace=5.0)
    assert result.verified, result.reason
    assert result.exited_in_grace and result.seconds < 2
    assert result.exit_code == 143  # the child's default action, passed on by the init
