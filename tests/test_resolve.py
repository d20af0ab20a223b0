"""Following a Dockerfile's command into the build context."""
from __future__ import annotations

import pathlib

import pytest

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.resolve import resolve
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
    pytest.param('FROM debian:12\nCOPY start.bash /start.bash\nCMD ["/start.bash"]\n',
                 {'start.bash': 'exec app\n'}, [('start.bash', 'shell')], None,
                 id='no #! line: the kind by the extension, .bash as everywhere'),
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


PY = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n'
NODE = 'FROM node:20-slim\nWORKDIR /app\nCOPY . .\n'
SERVER = {'server.py': 'x'}
ENTRY = {'server.py': 'x', 'app.js': 'x'}

# The command as the shell reads it: variables, sh -c strings, entrypoint scripts.
SHELL_CASES = [
    pytest.param(PY + 'CMD python server.py --port $PORT\n', SERVER, [('server.py', 'python')],
                 id='$PORT after the script'),
    pytest.param(PY + 'CMD python server.py --port ${PORT:-8080}\n', SERVER,
                 [('server.py', 'python')], id='${PORT:-8080}'),
    pytest.param(PY + 'CMD python server.py --port "${PORT}"\n', SERVER,
                 [('server.py', 'python')], id='"${PORT}"'),
    pytest.param(NODE + 'CMD node server.js $PORT\n', {'server.js': 'x'},
                 [('server.js', 'javascript')], id='node server.js $PORT'),
    pytest.param(PY + 'CMD ["/bin/sh", "-c", "exec python server.py --port $PORT"]\n', SERVER,
                 [('server.py', 'python')], id='MC101 output: sh -c "exec ... $PORT"'),
    pytest.param(PY + 'ENV APP=server.py OPTS="-u -B"\nCMD python $OPTS $APP\n', SERVER,
                 [('server.py', 'python')], id='script name and options from ENV'),
    pytest.param(PY + 'CMD python $APP\n', SERVER, [], id='script name only known at run time'),
    pytest.param(PY + 'CMD python $OPTS server.py\n', SERVER, [],
                 id='unknown word before the script: no guess'),
    pytest.param(PY + 'CMD $PYTHON server.py\n', SERVER, [], id='program only known at run time'),
    pytest.param(PY + 'CMD ["sh", "-c", "cd /app/src && exec python main.py \\"$@\\"", "--"]\n',
                 {'src/main.py': 'x'}, [('src/main.py', 'python')], id='cd in sh -c'),
    pytest.param(PY + 'ENTRYPOINT ["/app/entry.sh"]\n',
                 {**ENTRY, 'entry.sh': '#!/bin/sh\nset -e\necho start\nexec python /app/server.py\n'},
                 [('entry.sh', 'shell'), ('server.py', 'python')],
                 id='script ending in a literal exec python'),
    pytest.param(NODE + 'ENTRYPOINT ["./entry.sh"]\n',
                 {**ENTRY, 'entry.sh': '#!/bin/sh\nnpm run migrate\nnode app.js --port "$PORT"\n'},
                 [('entry.sh', 'shell'), ('app.js', 'javascript')],
                 id='script ending in node app.js without exec'),
    pytest.param(PY + 'ENTRYPOINT ["/app/entry.sh"]\nCMD ["python", "server.py"]\n',
                 {**ENTRY, 'entry.sh': '#!/bin/bash\nset -euo pipefail\nif [ "${1:-}" = shell ]; '
                                       'then exec bash; fi\nexec gosu app "$@"\n'},
                 [('entry.sh', 'shell'), ('server.py', 'python')], id='exec gosu app "$@"'),
    pytest.param(PY + 'ENTRYPOINT ["/app/entry.sh"]\n',
                 {**ENTRY, 'entry.sh': '#!/bin/sh\nAPP_DIR=/app\nSCRIPT=server.py\n'
                                       'cd "$APP_DIR"\nexec python "$SCRIPT"\n'},
                 [('entry.sh', 'shell'), ('server.py', 'python')],
                 id='values and cd set at the script top level'),
    pytest.param(PY + 'ENTRYPOINT ["/app/entry.sh"]\n',
                 {**ENTRY, 'entry.sh': '#!/bin/sh\nif [ "$MODE" = web ]; then\n'
                                       '  exec python server.py\nfi\nexec python worker.py\n'},
                 [('entry.sh', 'shell')], id='a branch is not the final command; worker.py absent'),
    pytest.param(PY + 'ENTRYPOINT ["/app/entry.sh"]\n',
                 {**ENTRY, 'entry.sh': '#!/bin/sh\nSCRIPT=server.py\n[ -n "$1" ] && '
                                       'SCRIPT=$1\nexec python "$SCRIPT"\n'},
                 [('entry.sh', 'shell')], id='a value set twice is not known'),
    pytest.param(PY + 'RUN pip install .\nCMD ["python", "-m", "svc", "--port", "$PORT"]\n',
                 {'pyproject.toml': '', 'src/svc/__main__.py': 'x', 'src/svc/__init__.py': ''},
                 [('src/svc/__main__.py', 'python')], id='python -m pkg of a src layout'),
    pytest.param(PY + 'CMD ["uv", "run", "--with", "x", "server.py"]\n', SERVER,
                 [('server.py', 'python')], id='uv run script.py'),
]


@pytest.mark.parametrize(('dockerfile', 'files', 'targets'), SHELL_CASES)
def test_commands_are_read_as_the_shell_reads_them(
        dockerfile: str, files: dict[str, str], targets: list[tuple[str, str]]) -> None:
    found, _, steps = run(dockerfile, files)
    assert found == targets, steps


SERVER_CASES = [
    pytest.param('CMD flask run --host 0.0.0.0\n', 'flask run', False, id='flask run'),
    pytest.param('CMD ["python", "-m", "flask", "--app", "app", "run"]\n', 'flask run', False,
                 id='python -m flask run'),
    pytest.param('CMD ["flask", "run", "--reload"]\n', 'flask run --reload', True,
                 id='flask run --reload'),
    pytest.param('ENV FLASK_DEBUG=1\nCMD ["flask", "run"]\n', 'flask run --reload', True,
                 id='FLASK_DEBUG turns the reloader on'),
    pytest.param('ENV FLASK_DEBUG=1\nCMD ["flask", "run", "--no-reload"]\n', 'flask run', False,
                 id='--no-reload turns it off'),
    pytest.param('CMD python3 -m http.server $PORT\n', 'http.server', False, id='http.server'),
    pytest.param('CMD ["python", "-m", "celery", "-A", "tasks", "worker"]\n', 'celery', True,
                 id='python -m celery'),
    pytest.param('CMD ["flask", "db", "upgrade"]\n', None, False, id='flask db is not a server'),
]


@pytest.mark.parametrize(('command', 'key', 'graceful'), SERVER_CASES)
def test_servers_are_recognised(command: str, key: str | None, graceful: bool) -> None:
    from modcon.knowledge.servers import SERVERS

    document = DockerfileDocument(SourceFile('Dockerfile', PY + command))
    resolution = resolve(document, 'Dockerfile', MappingProject({'app.py': 'x'}))
    steps = '\n'.join(step.text for step in resolution.steps)
    if key is None:
        assert resolution.server is None, steps
        return
    assert resolution.server == SERVERS[key], steps
    assert (resolution.handled_by == key) == graceful, steps


def test_explain_shows_each_step() -> None:
    from modcon.entrypoints.resolve import explain

    document = DockerfileDocument(SourceFile('Dockerfile', (
        'FROM python:3.12 AS build\nWORKDIR /src\nCOPY . .\n\nFROM python:3.12-slim\n'
        'COPY --from=build /src /app\nENTRYPOINT ["/app/entry.sh"]\n')))
    files = {'server.py': 'x', 'entry.sh': '#!/bin/sh\ncd /app\nexec python server.py --port $PORT\n'}
    text = explain(resolve(document, 'Dockerfile', MappingProject(files)))
    assert text == (
        'Dockerfile:\n'
        '  - final stage: FROM python:3.12-slim (line 5)\n'
        '  - ENTRYPOINT (exec form): ["/app/entry.sh"] (line 7)\n'
        '  - /app/entry.sh is /app/entry.sh, a shell script\n'
        '  - /app/entry.sh comes from entry.sh in the build context, through stage build '
        '(COPY --from) (line 6)\n'
        '  - entry.sh: cd /app (now in /app)\n'
        '  - entry.sh execs: exec python server.py --port $PORT\n'
        '  - known only at run time: $PORT\n'
        '  - python runs /app/server.py\n'
        '  - /app/server.py comes from server.py in the build context, through stage build '
        '(COPY --from) (line 6)\n'
        '  => runs entry.sh (shell) as the main program\n'
        '  => runs server.py (python) as the main program\n')


def test_a_compose_file_gives_the_context_and_the_target(tmp_path: pathlib.Path) -> None:
    from modcon.engine.discover import Target
    from modcon.engine.scope import code_scope

    (tmp_path / 'docker' / 'web').mkdir(parents=True)
    (tmp_path / 'app').mkdir()
    (tmp_path / 'app' / 'server.py').write_text('import time\nwhile True:\n    time.sleep(1)\n')
    (tmp_path / 'app' / 'dev.py').write_text('x\n')
    (tmp_path / 'compose.yaml').write_text(
        'services:\n  web:\n    build:\n      context: .\n'
        '      dockerfile: docker/web/Dockerfile\n      target: prod\n  db:\n    image: postgres\n')
    dockerfile = tmp_path / 'docker' / 'web' / 'Dockerfile'
    dockerfile.write_text('FROM python:3.12-slim AS base\nWORKDIR /srv\nCOPY app/ ./app/\n\n'
                          'FROM base AS prod\nCMD python app/server.py --port $PORT\n\n'
                          'FROM base AS dev\nCMD ["python", "app/dev.py"]\n')
    scope = code_scope([Target(str(dockerfile), 'docker/web/Dockerfile', 'dockerfile')])
    assert [t.display for t in scope.targets] == ['app/server.py']
    steps = [s.text for s in scope.resolutions[0].steps]
    assert steps[0] == 'build context from compose.yaml (service web), target stage prod'


@pytest.mark.parametrize('compose', [
    pytest.param('services:\n  web:\n    build: ../elsewhere\n', id='context outside'),
    pytest.param('services: [oops\n', id='not YAML'),
    pytest.param('services:\n  web:\n    build:\n      context: .\n      dockerfile: Other\n',
                 id='another Dockerfile'),
])
def test_a_compose_file_that_does_not_apply_is_ignored(tmp_path: pathlib.Path,
                                                       compose: str) -> None:
    from modcon.engine.discover import Target
    from modcon.engine.scope import code_scope

    (tmp_path / 'svc').mkdir()
    (tmp_path / 'svc' / 'compose.yaml').write_text(compose)
    (tmp_path / 'svc' / 'main.py').write_text('x\n')
    dockerfile = tmp_path / 'svc' / 'Dockerfile'
    dockerfile.write_text('FROM python:3.12\nCOPY main.py /main.py\nCMD ["python", "/main.py"]\n')
    scope = code_scope([Target(str(dockerfile), 'svc/Dockerfile', 'dockerfile')])
    assert [t.display for t in scope.targets] == ['svc/main.py']


def test_a_script_that_cannot_be_read_is_not_taken_for_one_that_runs_nothing() -> None:
    """A script the project cannot read (unreadable, binary, too large) is not read as
    empty text: that explained it as one that 'ends without running a program'."""

    class Unreadable(MappingProject):
        def read(self, path: str) -> str | None:
            return None if path.lstrip('/') == 'entry.sh' else super().read(path)

        def is_file(self, path: str) -> bool:
            return path.lstrip('/') in self.files

    document = DockerfileDocument(SourceFile(
        'Dockerfile', 'FROM alpine:3\nCOPY entry.sh /entry.sh\nENTRYPOINT ["/entry.sh"]\n'
                      'CMD ["node", "server.js"]\n'))
    resolution = resolve(document, 'Dockerfile',
                         Unreadable({'entry.sh': '#!/bin/sh\nexec "$@"\n'}))
    steps = [step.text for step in resolution.steps]
    assert 'entry.sh cannot be read (unreadable, binary or over 1 MiB): not followed further' \
        in steps
    assert not any('without running a program' in step for step in steps)
