"""Fixing entrypoint code: a repository with 200 Python and 100 Node entrypoints.

    python benchmarks/entrypoint_speed.py [--python 200] [--node 100] [--runs 3]

Each entrypoint has its own service folder with a Dockerfile that runs it.
``modcon fix`` runs in one process over the whole repository (a fresh copy
each run); the figure per file counts the Dockerfiles and the code files.
Also measured: a cold ``modcon check`` of a Dockerfile-only service against
one whose Dockerfile runs a Python file (the parsers load only then).
Uses the non-editable install that ``check_speed.py`` makes.
"""
from __future__ import annotations

import argparse
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from check_speed import WORK
from check_speed import _env
from check_speed import export
from check_speed import install_modcon
from check_speed import machine

PY_DOCKERFILE = ('FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /srv\nCOPY app.py .\n'
                 'CMD ["python", "app.py"]\n')
PY_APP = '''"""Service {i}."""
import json
import time


def handle(job):
    return json.dumps({{"job": job, "service": {i}}})


if __name__ == "__main__":
    while True:
        print(handle(time.time()))
        time.sleep(5)
'''
NODE_DOCKERFILE = 'FROM node:20-slim\nWORKDIR /app\nCOPY server.js .\nCMD ["node", "server.js"]\n'
NODE_APP = '''const http = require('http');

const server = http.createServer((req, res) => {{
  res.end('service {i}\\n');
}});

server.listen({port}, () => console.log('listening'));
'''


def build(root: pathlib.Path, python: int, node: int) -> int:
    for i in range(python):
        folder = root / 'python' / f'svc{i:03d}'
        folder.mkdir(parents=True)
        (folder / 'Dockerfile').write_text(PY_DOCKERFILE)
        (folder / 'app.py').write_text(PY_APP.format(i=i))
    for i in range(node):
        folder = root / 'node' / f'svc{i:03d}'
        folder.mkdir(parents=True)
        (folder / 'Dockerfile').write_text(NODE_DOCKERFILE)
        (folder / 'server.js').write_text(NODE_APP.format(i=i, port=3000 + i))
    return 2 * (python + node)


def timed(argv: list[str | pathlib.Path], cwd: pathlib.Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=_env())
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--python', type=int, default=200)
    parser.add_argument('--node', type=int, default=100)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='modcon-entrypoints-') as tmp:
        # HEAD as `pip install` leaves it (not editable), as check_speed.py installs it.
        head = export('HEAD', pathlib.Path(tmp) / 'src-HEAD')
        version = '%d.%d' % sys.version_info[:2]
        tool = install_modcon(pathlib.Path(tmp) / 'src-HEAD', WORK / f'venv-{version}',
                              sys.executable, head)
        modcon = pathlib.Path(tool.lint[0])
        template = pathlib.Path(tmp) / 'template'
        files = build(template, args.python, args.node)
        times = []
        for run in range(args.runs):
            work = pathlib.Path(tmp) / f'run{run}'
            shutil.copytree(template, work)
            times.append(timed([modcon, 'fix', '.'], work))
            fixed = (work / 'python' / 'svc000' / 'app.py').read_text()
            assert 'SIGTERM' in fixed, 'the fix did not run'
        fix_time = statistics.median(times)

        only_docker = pathlib.Path(tmp) / 'dockerfile-only'
        only_docker.mkdir()
        (only_docker / 'Dockerfile').write_text('FROM alpine:3.20\nCMD ["app", "--serve"]\n')
        with_python = template / 'python' / 'svc000'
        cold_docker = statistics.median(timed([modcon, 'check', '.'], only_docker)
                                        for _ in range(15))
        cold_python = statistics.median(timed([modcon, 'check', '.'], with_python)
                                        for _ in range(15))
    print(f'Machine: {machine(modcon.parent / "python")}')
    print()
    print('| measurement | time |')
    print('| --- | ---: |')
    print(f'| `modcon fix` of {args.python} Python + {args.node} Node services '
          f'({files} files), median of {args.runs} | {fix_time * 1000:.0f} ms |')
    print(f'| per file | {fix_time / files * 1000:.1f} ms |')
    print(f'| cold `modcon check`, Dockerfile only (median of 15) | {cold_docker * 1000:.1f} ms |')
    print(f'| cold `modcon check`, Dockerfile running a Python file | {cold_python * 1000:.1f} ms |')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
