"""Following a command through wrappers whose options take a value.

``tini -e 143 /start.sh``, ``dumb-init --rewrite 15:2 /start.sh``,
``env -u DEBUG /start.sh``, ``chpst -u app /start.sh`` and
``setpriv --reuid 1000 /start.sh`` run ``/start.sh``: the option's value is
not the program. Before, the resolver read ``143``, ``15:2``, ``DEBUG``,
``app`` or ``1000`` as the program and never reached the script, so MC301
did not see it; and ``dumb-init node server.js -- x`` was cut at the
program's own ``--``.
"""
from __future__ import annotations

import pytest

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.resolve import resolve
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.project import MappingProject
from modcon.source import SourceFile

SCRIPT = '#!/bin/sh\nset -e\nchown app /data\nserver --port 80\n'
WRAPPERS = [
    ['tini', '-e', '143', '--'],
    ['tini', '-e', '143'],
    ['tini', '-s', '-p', 'SIGTERM'],
    ['dumb-init', '--rewrite', '15:2'],
    ['dumb-init', '-r', '15:2', '--single-child'],
    ['env', '-u', 'DEBUG', 'MODE=prod'],
    ['env', '-C', '/srv', '-i'],
    ['gosu', 'app'],
    ['chpst', '-u', 'app'],
    ['setpriv', '--reuid', '1000', '--regid', '1000', '--init-groups'],
]


def _document(argv: list[str], files: dict[str, str]) -> DockerfileDocument:
    words = ', '.join(f'"{w}"' for w in argv)
    text = f'FROM debian:12\nCOPY start.sh /start.sh\nENTRYPOINT [{words}]\n'
    return DockerfileDocument(SourceFile('Dockerfile', text), MappingProject(files))


@pytest.mark.parametrize('wrapper', WRAPPERS, ids=' '.join)
def test_the_script_behind_the_wrapper_is_followed(wrapper: list[str]) -> None:
    document = _document([*wrapper, '/start.sh'], {'start.sh': SCRIPT})
    resolution = resolve(document, 'Dockerfile', MappingProject({'start.sh': SCRIPT}))
    assert [(t.path, t.kind) for t in resolution.targets] == [('start.sh', 'shell')]
    start = start_command(document)
    assert start.program is not None
    assert [w.raw for w in start.program.command.words] == ['server', '--port', '80']


def test_the_programs_own_double_dash_stays() -> None:
    files = {'server.js': 'require("http").createServer().listen(80)\n'}
    text = ('FROM node:20\nCOPY server.js /app/server.js\nWORKDIR /app\n'
            'ENTRYPOINT ["dumb-init", "node", "server.js", "--", "--verbose"]\n')
    document = DockerfileDocument(SourceFile('Dockerfile', text), MappingProject(files))
    resolution = resolve(document, 'Dockerfile', MappingProject(files))
    assert [t.path for t in resolution.targets] == ['server.js']
    start = start_command(document)
    assert start.program is not None
    assert [w.raw for w in start.program.command.words] == [
        'node', 'server.js', '--', '--verbose']
