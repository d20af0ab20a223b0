"""The Node rows of the servers table, measured: each program really runs as PID 1.

``modcon.knowledge.servers.SERVERS`` says what each server does with SIGTERM as PID 1;
graceful rows (status 0, in the grace period) are left alone. Each Node row is
started here from its npm package (installed once into a cache outside the
repository, tests/npmcache.py) as PID 1 of a new PID namespace and stopped
the way ``docker stop`` does; the row's claim is checked against what
happened. A small app is generated for each (a Next.js page, built once; a
Vue entry point; a server for nodemon whose own close code writes a marker).
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

from modcon.containers.pid1 import StopResult
from modcon.containers.pid1 import stop_like_docker
from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.resolve import resolve
from modcon.knowledge.servers import SERVERS
from modcon.project import MappingProject
from modcon.source import SourceFile
from tests import npmcache

NODE = shutil.which('node')
pytestmark = pytest.mark.skipif(NODE is None or shutil.which('unshare') is None,
                                reason='needs `node` and `unshare` to run Node as PID 1')
ENV = {'PATH': os.pathsep.join(p for p in (os.path.dirname(NODE or ''), '/usr/bin', '/bin') if p),
       'HOME': '/nonexistent', 'NEXT_TELEMETRY_DISABLED': '1', 'CI': '1'}
# The rows this file measures: program -> (exit status on SIGTERM, stops at once).
MEASURED = {'next': 0, 'vue-cli-service': 0, 'nodemon': 143}

NODEMON_SERVER = """\
const fs = require('fs');
const http = require('http');

const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('up'));
server.on('close', () => fs.writeFileSync('closed', 'closed\\n'));
process.on('SIGTERM', () => server.close());
"""


def _stop(argv: list[str], cwd: pathlib.Path, ready: str, timeout: float = 120) -> StopResult:
    result = stop_like_docker(argv, cwd=str(cwd), env=ENV, grace=10.0,
                              ready=lambda out: ready in out, ready_timeout=timeout)
    assert result.verified, f'{result.reason}\n{result.output[-2000:]}'
    return result


def test_every_node_row_is_measured() -> None:
    for program, status in MEASURED.items():
        row = SERVERS[program]
        assert row.measured and row.graceful == (status == 0), row
        assert status == 0 or str(status) in row.behaviour, row


@pytest.fixture(scope='module')
def next_app() -> pathlib.Path:
    """A one-page Next.js app, built once inside the package cache."""
    root = npmcache.installed('next@14', 'react@18', 'react-dom@18')
    app = root / 'app'
    if not (app / '.next' / 'BUILD_ID').exists():
        (app / 'pages').mkdir(parents=True, exist_ok=True)
        (app / 'pages' / 'index.js').write_text("export default function Home() { return 'ok'; }\n")
        if not (app / 'node_modules').exists():
            (app / 'node_modules').symlink_to(root / 'node_modules')
        build = subprocess.run([str(root / 'node_modules' / '.bin' / 'next'), 'build'], cwd=app,
                               env=ENV, capture_output=True, text=True, timeout=600)
        assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    return app


def test_next_start_exits_zero_on_sigterm(next_app: pathlib.Path) -> None:
    result = _stop([str(next_app / 'node_modules' / '.bin' / 'next'), 'start', '-p', '0'],
                   next_app, ready='Ready')
    assert result.exited_in_grace and result.exit_code == MEASURED['next']
    assert result.seconds < 2


def test_vue_cli_service_serve_exits_zero_on_sigterm(tmp_path: pathlib.Path) -> None:
    root = npmcache.installed('@vue/cli-service@5', 'vue@3')
    (tmp_path / 'node_modules').symlink_to(root / 'node_modules')
    (tmp_path / 'src').mkdir()
    (tmp_path / 'src' / 'main.js').write_text(
        "import { createApp, h } from 'vue';\ncreateApp({ render: () => h('p', 'ok') })"
        ".mount('#app');\n")
    (tmp_path / 'public').mkdir()
    (tmp_path / 'public' / 'index.html').write_text(
        '<!DOCTYPE html><html><body><div id="app"></div></body></html>\n')
    (tmp_path / 'package.json').write_text('{"name": "web", "private": true}\n')
    result = _stop([str(tmp_path / 'node_modules' / '.bin' / 'vue-cli-service'), 'serve',
                    '--port', '0'], tmp_path, ready='App running at')
    assert result.exited_in_grace and result.exit_code == MEASURED['vue-cli-service']
    assert result.seconds < 2


def test_nodemon_passes_sigterm_on_and_exits_143(tmp_path: pathlib.Path) -> None:
    root = npmcache.installed('nodemon@3')
    (tmp_path / 'server.js').write_text(NODEMON_SERVER)
    result = _stop([str(root / 'node_modules' / '.bin' / 'nodemon'), '--watch', 'nothing',
                    'server.js'], tmp_path, ready='up', timeout=30)
    assert result.exited_in_grace and result.exit_code == MEASURED['nodemon']
    assert result.seconds < 2
    assert (tmp_path / 'closed').read_text() == 'closed\n'  # the program's own close ran


@pytest.mark.parametrize(('script', 'program'), (
    ('next start -p 3000', 'next'),
    ('npx next start', 'next'),
    ('vue-cli-service serve', 'vue-cli-service'),
    ('nodemon server.js', 'nodemon'),
    ('cross-env NODE_ENV=development nodemon server.js', 'nodemon'),
))
def test_a_package_script_is_followed_down_to_the_program(script: str, program: str) -> None:
    dockerfile = ('FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n'
                  'CMD ["yarn", "run", "go"]\n')
    files = {'package.json': '{"scripts": {"go": "%s"}}' % script, 'server.js': 'x'}
    document = DockerfileDocument(SourceFile('Dockerfile', dockerfile))
    resolution = resolve(document, 'Dockerfile', MappingProject(files))
    assert resolution.server == SERVERS[program], [s.text for s in resolution.steps]
    assert resolution.handled_by == (program if SERVERS[program].graceful else None)
    assert not resolution.targets
