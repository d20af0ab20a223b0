"""One table of inits, and every user of it agrees with what each init does.

The resolver, the start-command reading (MC150/MC152/MC153), MC201 and
MC401 each kept a list of init names, and the lists had drifted apart
(`docker-init` unknown to the resolver and MC401, `s6-svscan` unknown to
MC201, s6-overlay's `/init` known to MC150 only). These tests run every user
over every row, so a user that goes its own way again fails here.
"""
from __future__ import annotations

import pathlib
import re

import pytest

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.invocation import Invocation
from modcon.entrypoints.resolve import resolve
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.knowledge.inits import INITS
from modcon.knowledge.inits import Init
from modcon.model import Kind
from modcon.model import Severity
from modcon.project import MappingProject
from modcon.source import SourceFile

ROOT = pathlib.Path(__file__).parent.parent
EVERY_INIT = [pytest.param(init, id=name) for name, init in INITS.items()]
PYTHON_LOOP = 'import time\n\nwhile True:\n    time.sleep(1)\n'
NODE_SERVER = "const http = require('http');\nconst s = http.createServer();\ns.listen(3000);\n"


def _dockerfile(init: Init) -> DockerfileDocument:
    text = (f'FROM python:3.12-slim\nCOPY app.py /app/app.py\n'
            f'ENTRYPOINT ["/usr/bin/{init.name}", "-v"]\n'
            f'CMD ["python", "/app/app.py", "&"]\n')
    return DockerfileDocument(SourceFile('Dockerfile', text), MappingProject({'app.py': 'x'}))


@pytest.mark.parametrize('init', EVERY_INIT)
def test_the_resolver_follows_an_init_exactly_when_it_runs_a_command(init: Init) -> None:
    document = _dockerfile(init)
    resolution = resolve(document, 'Dockerfile', MappingProject({'app.py': 'x'}))
    targets = [(t.path, t.kind) for t in resolution.targets]
    if init.runs_command:
        assert targets == [('app.py', Kind.PYTHON)]
    else:  # s6-svscan: `/app/app.py` would be read as its scan directory
        assert targets == []
        assert any('not follow' in step.text for step in resolution.steps)


@pytest.mark.parametrize('init', EVERY_INIT)
def test_the_start_command_has_an_init_exactly_when_it_reaps(init: Init) -> None:
    start = start_command(_dockerfile(init))
    assert (start.init == init.name) is init.reaps
    assert (start.program is not None) is init.runs_command


@pytest.mark.parametrize('init', EVERY_INIT)
def test_mc201_names_an_init_exactly_when_it_passes_sigterm_on(init: Init) -> None:
    runs = (Invocation('Dockerfile', 4, (f'/sbin/{init.name}', '--', 'python', 'app.py')),)
    [finding] = check_source(SourceFile('app.py', PYTHON_LOOP), Kind.PYTHON,
                             Config(select=('MC201',)), runs)
    named = f'`{init.name}` passes `docker stop`\'s SIGTERM on' in finding.message
    assert named is init.forwards_sigterm
    assert (finding.severity is Severity.INFO) is init.forwards_sigterm


@pytest.mark.parametrize('init', EVERY_INIT)
def test_mc401_names_an_init_exactly_when_it_passes_sigterm_on(init: Init) -> None:
    runs = (Invocation('Dockerfile', 4, (init.name, '--', 'node', 'server.js')),)
    [finding] = check_source(SourceFile('server.js', NODE_SERVER), Kind.JAVASCRIPT,
                             Config(select=('MC401',)), runs)
    assert (f'under `{init.name}`' in finding.message) is init.forwards_sigterm
    assert (finding.severity is Severity.INFO) is init.forwards_sigterm


def test_no_module_keeps_a_list_of_init_names_of_its_own() -> None:
    # a second init's name in quotes: a list, not a message naming `tini`
    names = re.compile(r"""['"](dumb-init|catatonit|tini-static|docker-init)['"]""")
    table = ROOT / 'src' / 'modcon' / 'knowledge' / 'inits.py'
    keepers = [str(p.relative_to(ROOT)) for folder in ('src', 'fixers')
               for p in (ROOT / folder).rglob('*.py') if p != table and names.search(p.read_text())]
    assert keepers == []


def test_every_row_says_what_the_init_is() -> None:
    for name, init in INITS.items():
        assert init.name == name and init.what, name
