"""benchmarks/real_apps.py --engine podman: which apps can run in a real container.

The stand-ins are local images of an official python or node image (any tag); every
other base image, or one whose tag is a build variable, leaves the app to the
PID-namespace emulation, with the reason.
"""
from __future__ import annotations

import importlib.util
import json
import pathlib
import socket
import subprocess
import sys
import time

import pytest

BENCHMARK = pathlib.Path(__file__).resolve().parents[1] / 'benchmarks' / 'real_apps.py'


@pytest.fixture(scope='module')
def real_apps():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location('real_apps', BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules['real_apps'] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules['real_apps']
    return module


@pytest.mark.parametrize(('image', 'kind'), [
    ('python:3.14-slim', 'python'),
    ('python', 'python'),
    ('docker.io/library/python:3.11-bookworm', 'python'),
    ('node:20-slim', 'node'),
    ('node@sha256:' + '0' * 64, 'node'),
    ('gcr.io/google_appengine/python', None),
    ('gcr.io/google_appengine/nodejs', None),
    ('pypy:3', None),
    ('nginx:alpine', None),
    ('python:${PYTHON_VERSION}-slim', None),
    ('localhost:5000/python:3.12', None),
])
def test_stand_in_kind(real_apps, image: str, kind: str | None) -> None:  # type: ignore[no-untyped-def]
    assert real_apps.stand_in_kind(image) == kind


def test_container_plan(real_apps) -> None:  # type: ignore[no-untyped-def]
    plan = real_apps.container_plan
    assert plan(['node:20-slim'], '') == ({'node:20-slim': 'node'}, '')
    assert plan(['node:20', 'scratch'], '') == ({'node:20': 'node'}, '')
    # one stage on an image without a stand-in sends the whole app to the emulation
    assert plan(['python:3.12', 'gcr.io/distroless/python3'], '') == \
        ({}, 'no local stand-in for the base image gcr.io/distroless/python3')
    assert plan(['scratch'], '') == ({}, 'no base image to stand in')
    assert plan(['python:3.12'], 'podman is not installed') == ({}, 'podman is not installed')


def test_settle_counts_from_the_running_container(real_apps) -> None:  # type: ignore[no-untyped-def]
    # Nothing listens on the port. However long the build took before the first look,
    # the first look is not yet "settled": the app has had no time at all.
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    seen = {'listened': False, 'ready_after': 0.0, 'port': None}
    ready = real_apps.port_readiness(port, 0.5, 1.0, seen)
    time.sleep(1.0)  # the build
    assert ready('') is False
    assert seen['ready_after'] < 0.5


def test_a_failed_build_says_which_step_and_why(real_apps) -> None:  # type: ignore[no-untyped-def]
    log = '''STEP 4/6: RUN npm install --omit=dev
npm error code SELF_SIGNED_CERT_IN_CHAIN
npm error errno SELF_SIGNED_CERT_IN_CHAIN
npm error request to https://registry.npmjs.org/express failed, reason: self-signed certificate in certificate chain
npm error A complete log of this run can be found in: /home/node/.npm/_logs/debug-0.log
Error: building at STEP "RUN npm install --omit=dev": while running runtime: exit status 1
'''
    assert real_apps.build_failure(log) == (
        '`RUN npm install --omit=dev`: npm error request to https://registry.npmjs.org/express '
        'failed, reason: self-signed certificate in certificate chain')
    apt = '''STEP 2/3: RUN apk add graphviz
/bin/sh: 1: apk: not found
Error: building at STEP "RUN apk add graphviz": while running runtime: exit status 127
'''
    assert real_apps.build_failure(apt) == '`RUN apk add graphviz`: /bin/sh: 1: apk: not found'
    copy = '''STEP 5/7: COPY ./certs /app/certs
Error: building at STEP "COPY ./certs /app/certs": checking on sources under "/tmp/stage/before": copier: stat: "/certs": no such file or directory
'''
    assert real_apps.build_failure(copy) == (
        '`COPY ./certs /app/certs`: copier: stat: "/certs": no such file or directory')


def test_an_app_runs_before_and_after_the_fix(tmp_path: pathlib.Path) -> None:
    """The whole benchmark on one app that needs nothing installed: it hangs as
    published (shell form, no handler) and stops on SIGTERM after ``modcon fix``.
    Run as a script, as documented, so a change in what it imports breaks this test."""
    app = tmp_path / 'apps' / 'tiny'
    app.mkdir(parents=True)
    (app / 'Dockerfile').write_text('FROM python:3.11-slim\nWORKDIR /app\nCOPY app.py .\n'
                                    'STOPSIGNAL $SIGNAL\nARG SIGNAL=SIGTERM\n'
                                    'CMD python app.py\n')
    (app / 'app.py').write_text(
        'import http.server, os\n'
        "server = http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])),\n"
        '                                http.server.SimpleHTTPRequestHandler)\n'
        'server.serve_forever()\n')
    records = tmp_path / 'records.json'
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), '--apps', str(tmp_path / 'apps'), '--cache',
         str(tmp_path / 'cache'), '--grace', '2', '--settle', '10', '--json', str(records)],
        capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    [record] = json.loads(records.read_text())['records']
    runs = record['runs']
    assert runs['before']['killed'] and runs['before']['exit_code'] == 137, runs
    assert runs['safe']['stopped'] and runs['safe']['exit_code'] == 0, runs
