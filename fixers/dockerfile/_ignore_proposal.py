"""The ``.dockerignore`` modcon proposes for a build that copies its whole context.

Usual entries (version control, caches, virtualenvs, editor folders, local
``.env`` files), minus every entry the build may need:

* an entry that would exclude a path some ``COPY``/``ADD`` names (or one of
  the files a glob source matches), in any stage;
* an entry a ``RUN``, ``CMD``, ``ENTRYPOINT``, ``ENV`` or ``HEALTHCHECK``
  mentions (``cp .env.example .env`` keeps ``.env``, ``git describe`` keeps
  ``.git``);
* ``.git`` when the project takes its version from git (setuptools-scm,
  hatch-vcs, versioneer, ...), which needs ``.git`` in the context;
* ``node_modules`` unless the build installs the Node packages itself
  (otherwise the copied folder may be what the program runs with);
* ``.venv`` when something mentions it and the build does not create it.
"""
from __future__ import annotations

import functools
import re

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._dockerignore import Pattern
from modcon.fixers.dockerfile._dockerignore import compile_pattern
from modcon.fixers.dockerfile._dockerignore import excluded
from modcon.fixers.dockerfile._dockerignore import expand
from modcon.fixers.dockerfile._dockerignore import sources
from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple
from modcon.readers.shell.simple_commands import read_commands

HEADER = ('# Created by modcon (MC185): keeps these out of the build context, so\n'
          '# `COPY . .` does not put them in the image. The image must not need\n'
          '# any of them at run time; delete a line if it does.\n')


class Entry(NamedTuple):
    pattern: str
    mentions: tuple[str, ...]  # names whose mention means the build may use it


ENTRIES = (
    Entry('.git', ('.git',)),
    Entry('.hg', ('.hg',)),
    Entry('.svn', ('.svn',)),
    Entry('**/__pycache__', ('__pycache__',)),
    Entry('**/*.py[cod]', ('.pyc', '.pyo')),
    Entry('.venv', ('.venv',)),
    Entry('**/.pytest_cache', ('.pytest_cache',)),
    Entry('**/.mypy_cache', ('.mypy_cache',)),
    Entry('**/.ruff_cache', ('.ruff_cache',)),
    Entry('.tox', ('.tox',)),
    Entry('.nox', ('.nox',)),
    Entry('.coverage', ('.coverage',)),
    Entry('htmlcov', ('htmlcov',)),
    Entry('**/node_modules', ('node_modules',)),
    Entry('npm-debug.log*', ('npm-debug.log',)),
    Entry('yarn-error.log*', ('yarn-error.log',)),
    Entry('.idea', ('.idea',)),
    Entry('.vscode', ('.vscode',)),
    Entry('**/.DS_Store', ('.DS_Store',)),
    Entry('.env', ('.env',)),
    Entry('.env.local', ('.env.local', '.env')),
    Entry('.env.*.local', ('.env.',)),
)
_VERSION_FROM_GIT = ('setuptools_scm', 'setuptools-scm', 'hatch-vcs', 'hatch_vcs', 'versioneer',
                     'dunamai', 'poetry-dynamic-versioning', 'pbr', 'vcs-versioning',
                     'setuptools-git-versioning', 'pdm-backend')
_PROJECT_FILES = ('pyproject.toml', 'setup.cfg', 'setup.py')
_NODE_INSTALLS = frozenset(('install', 'i', 'ci', 'add'))
_VENV_MAKERS = lazy_compile(r'\b(venv|virtualenv|uv\s+sync|uv\s+venv|poetry\s+install|pipenv)\b')


@functools.lru_cache(maxsize=64)
def _mention(name: str) -> re.Pattern[str]:
    return re.compile(rf'(^|[^\w.-]){re.escape(name)}($|[^\w-])')


def _mentioned(text: str, name: str) -> bool:
    return name in text and _mention(name).search(text) is not None


def _texts(document: DockerfileDocument) -> str:
    """What the build and the container run, as one text to search for mentions."""
    parts = []
    for ins in document.instructions:
        command = ins.command
        if command.name in ('RUN', 'CMD', 'ENTRYPOINT', 'ENV', 'HEALTHCHECK', 'ARG', 'WORKDIR'):
            parts.append(command.args.text)
            for heredoc in command.heredocs:
                parts.append(document.source.text[heredoc.body_start:heredoc.body_end])
    return '\n'.join(parts)


def _installs_node_packages(document: DockerfileDocument) -> bool:
    for ins in document.instructions:
        if ins.command.name != 'RUN' or not any(t in ins.args.text for t in ('npm', 'yarn', 'pnpm')):
            continue
        for command in read_commands(ins.command.args.text).commands:
            values = [w.value for w in command.args]
            if command.name == 'yarn' and (not values or values[0] in ('install', None)):
                return True
            if command.name in ('npm', 'pnpm', 'yarn') and values and values[0] in _NODE_INSTALLS:
                return True
    return False


def _runs_git(document: DockerfileDocument) -> bool:
    for ins in document.instructions:
        if ins.command.name == 'RUN' and 'git' in ins.args.text and \
                read_commands(ins.command.args.text).named('git'):
            return True
    return False


def _versions_from_git(document: DockerfileDocument) -> bool:
    project = document.project
    if project is None:
        return False
    for name in _PROJECT_FILES:
        text = project.read(name)
        if text and any(tool in text for tool in _VERSION_FROM_GIT):
            return True
    return False


def proposal(document: DockerfileDocument) -> tuple[str, list[str]]:
    """The file's content, and the usual entries left out because the build needs them."""
    texts = _texts(document)
    copied = [path for source in sources(document) if source.path != '.'
              for path in expand(document, source)]
    kept: list[str] = []
    left_out: list[str] = []
    for entry in ENTRIES:
        pattern = Pattern(entry.pattern, compile_pattern(entry.pattern), False)
        reason = None
        if any(excluded([pattern], path) for path in copied):
            reason = 'copied explicitly'
        elif entry.pattern == '**/node_modules':
            if not _installs_node_packages(document):
                reason = 'the build does not install the Node packages itself'
        elif entry.pattern == '.venv':
            if _mentioned(texts, '.venv') and not _VENV_MAKERS.search(texts):
                reason = 'mentioned, and the build does not create it'
        elif any(_mentioned(texts, name) for name in entry.mentions):
            reason = 'mentioned by the build or the command'
        elif entry.pattern == '.git' and (_runs_git(document) or _versions_from_git(document)):
            reason = 'the build runs git or takes its version from git'
        if reason is None:
            kept.append(entry.pattern)
        else:
            left_out.append(f'{entry.pattern} ({reason})')
    return HEADER + ''.join(f'{p}\n' for p in kept), left_out
