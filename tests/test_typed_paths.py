"""The code paths that changed to make `mypy --strict` clean keep what they do.

Issue 14 named three of mypy's findings as bugs. On reading, each was a type
that said less than the code: a name reused with two types (MC103's edits, the
start-up fetch classifier's words) and a stub wider than the library
(dockerfile-parse's `WordSplitter.split()` yields only whole words). These
tests pin the behaviour of the rewritten lines, at their edge cases; MC103's two
branches are pinned by its fixtures (unquoted-variable, single-quotes).
"""
from __future__ import annotations

import pytest

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.resolve import resolve
from modcon.fixers._startup_fetches import startup_fetches
from modcon.project import MappingProject
from modcon.readers.shell.simple_commands import read_commands
from modcon.source import SourceFile


@pytest.mark.parametrize(('script', 'fetches'), [
    pytest.param('uv pip install flask', ['Python packages'], id='uv pip install'),
    pytest.param('uv tool install ruff', ['Python packages'], id='uv tool install'),
    pytest.param('uv $VERB install flask', [], id='uv with a computed word'),
    pytest.param('uv run app.py', [], id='uv run'),
    pytest.param('npx -y cowsay hi', ['a Node package'], id='npx -y'),
    pytest.param('npx cowsay@1.5 hi', ['a Node package'], id='npx name@version'),
    pytest.param('npx $TOOL@1.5', [], id='npx with a computed package'),
    pytest.param('npx cowsay', [], id='npx of a tool that may be installed'),
    pytest.param('curl -o /tmp/x $URL', ['files'], id='curl to a file, computed URL'),
])
def test_startup_fetches_of_words_that_may_not_be_literal(script: str,
                                                          fetches: list[str]) -> None:
    assert [f.what for f in startup_fetches(read_commands(script))] == fetches


@pytest.mark.parametrize(('dockerfile', 'targets'), [
    pytest.param('FROM python:3.12\nENV NAME=app\nCOPY ${NAME}.py /srv/\n'
                 'CMD ["python", "/srv/app.py"]\n', ['app.py'], id='variable in a COPY source'),
    pytest.param('FROM python:3.12\nENV EMPTY=\nCOPY app.py $EMPTY /srv/\n'
                 'CMD ["python", "/srv/app.py"]\n', ['app.py'], id='variable that is empty'),
    pytest.param('FROM python:3.12\nCOPY "app.py" \'/srv/\'\nCMD ["python", "/srv/app.py"]\n',
                 ['app.py'], id='quoted words'),
])
def test_copy_words_with_substitution(dockerfile: str, targets: list[str]) -> None:
    document = DockerfileDocument(SourceFile('Dockerfile', dockerfile))
    resolution = resolve(document, 'Dockerfile', MappingProject({'app.py': 'print(1)\n'}))
    assert [t.path for t in resolution.targets] == targets

