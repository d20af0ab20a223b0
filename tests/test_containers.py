"""Real containers: each app built, run and stopped with `podman stop -t GRACE`.

`podman stop` is `docker stop` (same command line, same runc underneath): the
image's STOPSIGNAL to PID 1, SIGKILL when the grace period runs out, exit
137. Every app is stopped before and after `modcon fix --unsafe-fixes`, and
the same apps run through the PID-namespace emulation: a pass that the real
container contradicts fails the test.
"""
from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.project import LocalProject
from modcon.source import SourceFile
from modcon.verify.check import Verification
from modcon.verify.check import verify
from tests.containerkit import NODE_BASE
from tests.containerkit import PYTHON_BASE
from tests.containerkit import engine
from tests.containerkit import stand_in
from tests.containerkit import write_tree

GRACE = 2.0
SETTLE = 1.5

PY_LOOP = '''\
import time

print("up", flush=True)
try:
    while True:
        time.sleep(0.1)
finally:
    print("finally ran", flush=True)
'''

HTTP_SERVER = '''\
from http.server import HTTPServer, SimpleHTTPRequestHandler

server = HTTPServer(("0.0.0.0", 0), SimpleHTTPRequestHandler)
print("up", flush=True)
try:
    server.serve_forever()
finally:
    server.server_close()
    print("finally ran", flush=True)
'''

ASYNCIO_SERVICE = '''\
import asyncio


async def handle(reader, writer):
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "0.0.0.0", 0)
    print("up", flush=True)
    try:
        async with server:
            await server.serve_forever()
    finally:
        print("finally ran", flush=True)


asyncio.run(main())
'''

NODE_SERVER = ("const http = require('http');\n"
               "const server = http.createServer((req, res) => res.end('ok'));\n"
               "server.listen(0, () => console.log('up'));\n")

# name: (files, public base images the Dockerfile names, fixer families the fix must touch)
APPS: dict[str, tuple[dict[str, str], tuple[str, ...], set[str]]] = {
    'python loop, shell-form CMD': ({
        'Dockerfile': 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY app.py .\nCMD python app.py\n',
        'app.py': PY_LOOP,
    }, ('python:3.12-slim',), {'dockerfile', 'python'}),
    'http.server, exec form': ({
        'Dockerfile': 'FROM python:3.12-slim\nCOPY server.py /srv/\nCMD ["python", "/srv/server.py"]\n',
        'server.py': HTTP_SERVER,
    }, ('python:3.12-slim',), {'python'}),
    'asyncio service': ({
        'Dockerfile': 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY service.py .\n'
                      'CMD ["python", "service.py"]\n',
        'service.py': ASYNCIO_SERVICE,
    }, ('python:3.12-slim',), {'python'}),
    'shell entrypoint without exec': ({
        'Dockerfile': ('FROM python:3.12-slim\nCOPY docker-entrypoint.sh /usr/local/bin/\n'
                       'COPY app.py /srv/app.py\nENTRYPOINT ["docker-entrypoint.sh"]\n'
                       'CMD ["python", "/srv/app.py"]\n'),
        'docker-entrypoint.sh': '#!/bin/sh\nset -e\necho "starting $1"\n"$@"\n',
        'app.py': PY_LOOP,
    }, ('python:3.12-slim',), {'shell', 'python'}),
    'exec-form sh -c with $PORT': ({
        'Dockerfile': 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY app.py .\nENV PORT=8080\n'
                      'CMD ["sh", "-c", "python app.py --port $PORT"]\n',
        'app.py': PY_LOOP,
    }, ('python:3.12-slim',), {'dockerfile', 'python'}),
    'node server, shell-form CMD': ({
        'Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY server.js .\nCMD node server.js\n',
        'server.js': NODE_SERVER,
    }, ('node:20-slim',), {'dockerfile', 'javascript'}),
    'npm start': ({
        'Dockerfile': 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\nCMD ["npm", "start"]\n',
        'package.json': json.dumps({'name': 'app', 'version': '1.0.0',
                                    'scripts': {'start': 'node server.js'}}),
        'server.js': NODE_SERVER,
    }, ('node:20-slim',), {'dockerfile', 'javascript'}),
}


def _fix(root: pathlib.Path) -> set[str]:
    """`modcon fix --unsafe-fixes`; the fixer families of the fixes it applied."""
    report = subprocess.run([sys.executable, '-m', 'modcon', 'check', '--unsafe-fixes',
                             '--format', 'json', '.'], cwd=root, capture_output=True, text=True)
    findings = json.loads(report.stdout)
    result = subprocess.run([sys.executable, '-m', 'modcon', 'fix', '--unsafe-fixes', '.'],
                            cwd=root, capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    families = {'1': 'dockerfile', '2': 'python', '3': 'shell', '4': 'javascript'}
    return {families[f['code'][2]] for f in _as_list(findings) if f.get('fix')}


def _as_list(report: object) -> list[dict]:
    if isinstance(report, dict):
        return list(report.get('findings', []))
    return list(report)  # type: ignore[arg-type]


def _verify(root: pathlib.Path, *, real: bool) -> Verification:
    source = SourceFile('Dockerfile', (root / 'Dockerfile').read_text())
    project = LocalProject(str(root))
    document = DockerfileDocument(source, project)
    return verify(document, 'Dockerfile', project, grace=GRACE, settle=SETTLE,
                  engine=engine() if real else None, fallback=False)


def _passed(verification: Verification) -> bool:
    result = verification.result
    return result.verified and result.exited_in_grace and result.exit_code == 0


def _agree(real: Verification, emulated: Verification) -> None:
    """The emulation's verdict (stopped cleanly in the grace period, or not) is
    the real container's: it never claims a pass the container contradicts."""
    assert real.method == 'podman' and emulated.method == 'namespace'
    if not emulated.result.verified:
        return  # it said it could not tell; nothing claimed
    assert _passed(emulated) == _passed(real), (
        f'emulation: {emulated.describe()}; podman: {real.describe()}\n{real.result.output}')


@pytest.mark.parametrize('name', tuple(APPS))
def test_stopped_like_docker_stop_before_and_after_the_fix(
        tmp_path: pathlib.Path, name: str) -> None:
    files, bases, families = APPS[name]
    for base in bases:
        stand_in(base, NODE_BASE if base.startswith('node') else PYTHON_BASE)
    if any(b.startswith('node') for b in bases) and shutil.which('node') is None:
        pytest.skip('the emulation needs node on this machine')
    before_dir = write_tree(tmp_path / 'before', files)
    after_dir = write_tree(tmp_path / 'after', files)
    assert families <= _fix(after_dir), 'the fix did not come from the expected fixers'

    before = _verify(before_dir, real=True)
    assert before.result.verified, before.result.reason
    if name == 'npm start':
        # npm passes SIGTERM only to the `sh -c` it started: the server dies
        # without a handler and npm reports a failure, after writing its debug
        # log, which on a busy machine takes longer than the grace period.
        assert before.result.exit_code not in (0, None), before.describe()
    else:
        assert before.result.killed and before.result.exit_code == 137, before.describe()
        assert before.result.seconds >= GRACE, before.describe()
        assert 'finally ran' not in before.result.output

    after = _verify(after_dir, real=True)
    assert after.result.verified, after.result.reason
    assert after.result.exited_in_grace and after.result.exit_code == 0, (
        after.describe(), after.result.output)
    if PY_LOOP in files.values():
        assert 'finally ran' in after.result.output

    _agree(before, _verify(before_dir, real=False))
    _agree(after, _verify(after_dir, real=False))


def test_what_the_engine_cannot_build_falls_back_only_when_asked(tmp_path: pathlib.Path) -> None:
    engine()
    root = write_tree(tmp_path, {
        'Dockerfile': 'FROM localhost/modcon-test/no-such-image:1\nCOPY app.py /app.py\n'
                      'CMD ["python", "/app.py"]\n',
        'app.py': PY_LOOP,
    })
    source = SourceFile('Dockerfile', (root / 'Dockerfile').read_text())
    project = LocalProject(str(root))
    document = DockerfileDocument(source, project)
    strict = verify(document, 'Dockerfile', project, grace=GRACE, settle=SETTLE,
                    engine=engine(), fallback=False)
    assert strict.method == 'podman' and not strict.result.verified
    assert 'build failed' in strict.result.reason
    auto = verify(document, 'Dockerfile', project, grace=GRACE, settle=SETTLE,
                  engine=engine(), fallback=True)
    assert auto.method == 'namespace' and auto.note.startswith('podman: podman build failed')
    assert auto.result.verified and auto.result.killed
    assert auto.describe().endswith(f'[PID-namespace emulation; {auto.note}]')
