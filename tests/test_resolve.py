"""Following a Dockerfile's command into the build context."""
from __future__ import annotations

import pytest

from modcon.dockerfile.document import DockerfileDocument
from modcon.dockerfile.resolve import resolve
from modcon.project import MappingProject
from modcon.source import SourceFile


def run(dockerfile: str, files: dict[str, str]) -> tuple[list[tuple[str, str]], str | None, str]:
    document = DockerfileDocument(SourceFile('Dockerfile', dockerfile))
    resolution = resolve(document, 'Dockerfile', MappingProject(files))
    steps = '\n'.join(step.text for step in resolution.steps)
    return [(t.path, t.kind) for t in resolution.targets], resolution.handled_by, steps


CASES = [
    pytest.param('FROM python:3.12\nWORKDIR /app\nCOPY . .\nCMD ["python", "-u", "app.py"]\n',
                 {'app.py': 'x'}, [('app.py', 'python')], None, id='python script, -u, COPY . .'),
    pytest.param('FROM python:3.12\nWORKDIR /srv\nCOPY src/ ./\nCMD python3.12 -m svc.main\n',
                 {'src/svc/main.py': 'x', 'src/svc/__init__.py': ''},
                 [('src/svc/main.py', 'python')], None, id='python -m module in a copied folder'),
    pytest.param('FROM python:3.12\nWORKDIR /srv\nCOPY pkg /srv/pkg\nCMD ["python", "-m", "pkg"]\n',
                 {'pkg/__main__.py': 'x', 'pkg/__init__.py': ''}, [('pkg/__main__.py', 'python')],
                 None, id='python -m package runs __main__'),
    pytest.param('FROM python:3.12\nCOPY run.sh /usr/local/bin/run\nCMD ["run"]\n',
                 {'run.sh': '#!/bin/sh\nexec app\n'}, [('run.sh', 'shell')], None,
                 id='bare name through PATH to a copied script'),
    pytest.param('FROM python:3.12\nCOPY bin/ /opt/bin/\nENV PATH=/opt/bin:$PATH\nCMD tool\n',
                 {'bin/tool': '#!/usr/bin/env python3\nprint(1)\n'}, [('bin/tool', 'python')],
                 None, id='PATH set by ENV, shebang decides the kind'),
    pytest.param('FROM node:20\nWORKDIR /app\nCOPY package.json index.js ./\nCMD ["node", "--enable-source-maps", "index"]\n',
                 {'package.json': '{}', 'index.js': 'x'}, [('index.js', 'javascript')], None,
                 id='node with flags, extension added'),
    pytest.param('FROM node:20\nWORKDIR /app\nCOPY . .\nCMD ["yarn", "start"]\n',
                 {'package.json': '{"scripts": {"start": "node server.js"}}', 'server.js': 'x'},
                 [('server.js', 'javascript')], None, id='yarn start through package.json'),
    pytest.param('FROM python:3.12\nCOPY . /app\nCMD ["gunicorn", "-b", ":8000", "app:app"]\n',
                 {'app.py': 'x'}, [], 'gunicorn', id='gunicorn handles SIGTERM itself'),
    pytest.param('FROM python:3.12\nCOPY . /app\nCMD ["python", "-m", "uvicorn", "app:app"]\n',
                 {'app.py': 'x'}, [], 'uvicorn', id='python -m uvicorn'),
    pytest.param('FROM nginx:1.27\nCMD ["nginx", "-g", "daemon off;"]\n', {}, [], 'nginx',
                 id='nginx'),
    pytest.param('FROM python:3.12\nCOPY entry.sh /entry.sh\nCOPY app.py /app/app.py\n'
                 'ENTRYPOINT ["/usr/bin/tini", "--", "/entry.sh"]\nCMD ["python", "/app/app.py"]\n',
                 {'entry.sh': '#!/bin/sh\nset -e\nexec gosu app "$@"\n', 'app.py': 'x'},
                 [('entry.sh', 'shell'), ('app.py', 'python')], None,
                 id='tini, an entrypoint script passing "$@" on, then the CMD'),
    pytest.param('FROM python:3.12\nCOPY app.py /app.py\nENTRYPOINT python /app.py\nCMD ["--debug"]\n',
                 {'app.py': 'x'}, [('app.py', 'python')], None,
                 id='shell-form ENTRYPOINT ignores CMD'),
    pytest.param('FROM python:3.12 AS build\nCOPY . /src\nRUN make\n\nFROM python:3.12-slim\n'
                 'COPY --from=build /src/app.py /app.py\nCMD ["python", "/app.py"]\n',
                 {'app.py': 'x'}, [('app.py', 'python')], None,
                 id='COPY --from a stage that copied the file from the context'),
    pytest.param('FROM python:3.12 AS build\nRUN echo "print(1)" > /app.py\n\nFROM python:3.12-slim\n'
                 'COPY --from=build /app.py /app.py\nCMD ["python", "/app.py"]\n',
                 {'app.py': 'x'}, [], None, id='a file another stage made is not the repository\'s'),
    pytest.param('FROM python:3.12-slim\nCOPY --from=ghcr.io/org/tool:1 /app.py /app.py\n'
                 'CMD ["python", "/app.py"]\n',
                 {'app.py': 'x'}, [], None, id='COPY --from an image is not the repository'),
    pytest.param('FROM python:3.12 AS base\nCMD ["python", "/app.py"]\n\nFROM base\n'
                 'COPY app.py /app.py\n', {'app.py': 'x'}, [('app.py', 'python')], None,
                 id='CMD inherited from a parent stage'),
    pytest.param('FROM python:3.12 AS base\nCMD ["python", "/old.py"]\n\nFROM base\n'
                 'COPY app.py /app.py\nENTRYPOINT ["python"]\n', {'app.py': 'x'}, [], None,
                 id='an ENTRYPOINT resets the inherited CMD'),
    pytest.param('FROM python:3.12\nCOPY ["my app/run.py", "/app/"]\nCMD cd /app && exec python run.py\n',
                 {'my app/run.py': 'x'}, [('my app/run.py', 'python')], None,
                 id='JSON COPY with a space, sh -c with cd and exec'),
]


@pytest.mark.parametrize(('dockerfile', 'files', 'targets', 'server'), CASES)
def test_resolution(dockerfile: str, files: dict[str, str], targets: list[tuple[str, str]],
                    server: str | None) -> None:
    found, handled_by, steps = run(dockerfile, files)
    assert found == targets, steps
    assert handled_by == server, steps
