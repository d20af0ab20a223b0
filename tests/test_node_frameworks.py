"""MC401 on real express, koa and fastify servers run as PID 1.

Each program has shutdown code of its own: a listener on the server's (or
fastify's) close, which writes a marker file. Before the fix, Node as PID 1
ignores SIGTERM: it is still running when the grace period ends and the
marker is never written. After ``modcon fix`` the handler closes the server
the program keeps, whatever expression its ``.listen()`` was called on, so
the program's own close code runs and the exit status is 0. The frameworks
are installed from the npm registry into a cache outside the repository
(tests/npmcache.py).
"""
from __future__ import annotations

import pathlib
import shutil

import pytest

from modcon.containers.pid1 import stop_like_docker
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.model import Applicability
from modcon.source import SourceFile
from tests import npmcache

NODE = shutil.which('node')
pytestmark = pytest.mark.skipif(NODE is None or shutil.which('unshare') is None,
                                reason='needs `node` and `unshare` to run Node as PID 1')
PACKAGES = ('express@4', 'koa@2', 'fastify@4')

MARK = "const fs = require('fs');\nconst mark = () => fs.writeFileSync('closed', 'closed\\n');\n"
PROGRAMS = {
    # The server comes back from `.listen()` on a property, not on the app variable.
    'express-app-property': MARK + """\
const express = require('express');

const holder = { app: express() };
holder.app.get('/', (req, res) => res.send('ok'));
const server = holder.app.listen(0, '127.0.0.1', () => console.log('up'));
server.on('close', mark);
""",
    'koa-from-a-function': MARK + """\
const Koa = require('koa');

function makeApp() {
  const app = new Koa();
  app.use((ctx) => { ctx.body = 'ok'; });
  return app;
}
const server = makeApp().listen(0, '127.0.0.1', () => console.log('up'));
server.on('close', mark);
""",
    'fastify-instance': MARK + """\
const fastify = require('fastify')();

fastify.get('/', async () => 'ok');
fastify.addHook('onClose', async () => mark());
fastify.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('up'));
""",
}


@pytest.fixture(scope='module')
def node_modules() -> pathlib.Path:
    return npmcache.installed(*PACKAGES) / 'node_modules'


def _stop(tmp_path: pathlib.Path, text: str, node_modules: pathlib.Path, grace: float):
    (tmp_path / 'server.js').write_text(text)
    assert NODE is not None
    env = {'PATH': '/usr/bin:/bin', 'NODE_PATH': str(node_modules)}
    return stop_like_docker([NODE, 'server.js'], cwd=str(tmp_path), env=env, grace=grace,
                            ready=lambda out: 'up' in out, ready_timeout=20)


def _fixed(text: str) -> str:
    invocation = Invocation('Dockerfile', 5, ('node', 'server.js'), True)
    result = fix_source(SourceFile('server.js', text), 'javascript', Config(select=('MC401',)),
                        Applicability.SAFE, (invocation,))
    assert result.fixed != text
    return result.fixed


@pytest.mark.parametrize('name', PROGRAMS)
def test_before_the_fix_the_server_outlives_the_grace_period(
        tmp_path: pathlib.Path, node_modules: pathlib.Path, name: str) -> None:
    result = _stop(tmp_path, PROGRAMS[name], node_modules, grace=1.0)
    assert result.verified, result.reason
    assert result.killed and result.exit_code == 137
    assert not (tmp_path / 'closed').exists()


@pytest.mark.parametrize('name', PROGRAMS)
def test_after_the_fix_its_own_close_code_runs_and_it_exits_zero(
        tmp_path: pathlib.Path, node_modules: pathlib.Path, name: str) -> None:
    fixed = _fixed(PROGRAMS[name])
    assert '.close(() => process.exit(0))' in fixed  # it closes the server, not just exits
    result = _stop(tmp_path, fixed, node_modules, grace=10.0)
    assert result.verified, result.reason
    assert result.exited_in_grace and result.exit_code == 0, result.output
    assert (tmp_path / 'closed').read_text() == 'closed\n'
    assert result.seconds < 5  # closed at once, not by the fallback timer
