"""Language package installs and whether they name exact versions.

Each reader takes one simple command and returns the packages it installs
without an exact version (``[]`` when all are pinned, or when the versions
come from a lock or constraints file). Words that the shell expands
(``pip install "app==$VERSION"``) are taken as pinned by the build: the value
is chosen elsewhere.

Distribution packages (``apt-get``, ``apk``, ``dnf``) are not read here on
purpose: within a release their versions only receive fixes, the base image's
tag is their pin (MC160), and pinning exact Debian or Alpine versions breaks
the build as soon as the mirror drops the old version.
"""
from __future__ import annotations

import posixpath
from collections.abc import Callable

from modcon.knowledge.interpreters import is_pip
from modcon.knowledge.interpreters import is_python
from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple
from modcon.project import Project
from modcon.readers.dockerfile.stages import Stage
from modcon.readers.dockerfile.stages import Stages
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.dockerfile.syntax import copies_from_context
from modcon.readers.dockerfile.syntax import copy_words
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import Word
from modcon.readers.shell.simple_commands import subcommand

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.layered import Layered

_PIP_WITH_VALUE = frozenset((
    '-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url',
    '--extra-index-url', '-f', '--find-links', '-t', '--target', '--prefix', '--root',
    '--platform', '--python-version', '--implementation', '--abi', '--src', '--progress-bar',
    '--upgrade-strategy', '--only-binary', '--no-binary', '--config-settings', '-C',
    '--global-option', '--report', '--log', '--python', '--proxy', '--retries', '--timeout',
    '--trusted-host', '--cert', '--client-cert', '--cache-dir', '--exists-action',
    '--use-feature', '--use-deprecated', '--group',
))
_PIP_BEFORE = frozenset(('--python', '--log', '--proxy', '--retries', '--timeout',
                         '--exists-action', '--trusted-host', '--cert', '--client-cert',
                         '--cache-dir', '--use-feature', '--use-deprecated'))
_EXACT = lazy_compile(r'===?|\s@\s|@\s*(https?|git\+|file:)')
_NPM_INSTALL = frozenset(('install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt',
                          'isnta', 'isntal', 'isntall', 'add'))
_NPM_WITH_VALUE = frozenset(('--prefix', '-C', '--workspace', '-w', '--cache', '--userconfig',
                             '--registry', '--tag'))
_FLOATING_VERSIONS = frozenset(('', 'latest', 'next', 'beta', 'canary', 'alpha', 'rc', '*', 'x'))


class Unpinned(NamedTuple):
    """Packages one command installs without an exact version."""

    tool: str  # 'pip', 'npm', 'yarn', 'pnpm', 'gem', 'go', 'cargo'
    packages: tuple[str, ...]
    hint: str  # how to pin, for the message


def pip_install(command: Command) -> tuple[int, Word] | None:
    """``pip install`` / ``python -m pip install``: the index in ``args`` of the first
    argument after ``install``, and the ``install`` word."""
    name = command.name
    args = command.args
    start = 0
    if name is None:
        return None
    if is_python(name):
        values = [w.value for w in args]
        for i, value in enumerate(values[:-1]):
            if value == '-m' and values[i + 1] == 'pip':
                start = i + 2
                break
        else:
            return None
    elif not is_pip(name):
        return None
    found = subcommand(command, _PIP_BEFORE, start)
    if found is None or found[1] != 'install':
        return None
    return found[0] + 1, args[found[0]]


def _is_location(value: str) -> bool:
    """A path, URL or archive: the exact file is what gets installed."""
    return (value.startswith(('.', '/', '~')) or '://' in value or value.startswith('git+')
            or value.endswith(('.whl', '.tar.gz', '.zip', '.tgz')) or value.startswith('file:'))


def requirement_pinned(spec: str) -> bool:
    """``name==1.2``, ``name===1.2``, ``name @ https://...``, or a location."""
    spec = spec.split(';', 1)[0].strip()  # environment markers
    return bool(_EXACT.search(spec)) or _is_location(spec)


def requirements_unpinned(text: str) -> list[str]:
    """The requirement lines of a requirements file that name no exact version.

    Returns [] when the file uses hashes (pip then demands exact pins), or
    refers to other files (``-r``, ``-c``) that decide the versions.
    """
    unpinned = []
    for raw in text.splitlines():
        line = raw.split(' #', 1)[0].strip()
        if not line or line.startswith('#'):
            continue
        if '--hash' in line or line.startswith(('-r', '-c', '--requirement', '--constraint')):
            return []
        if line.startswith('-'):
            continue  # -e path, --index-url, ...
        if not requirement_pinned(line):
            unpinned.append(line.split(';', 1)[0].strip())
    return unpinned


def pip_unpinned(command: Command, read: Callable[[str], str | None]) -> Unpinned | None:
    found = pip_install(command)
    if found is None:
        return None
    args = command.args[found[0]:]
    packages: list[str] = []
    values = [w.plain for w in args]
    for value in values:
        if value in ('--require-hashes', '--no-index', '-c', '--constraint') or (
                value or '').startswith('--constraint='):
            return None  # hashes, local wheels or a constraints file decide the versions
    i = 0
    while i < len(values):
        value = values[i]
        if value is None:
            i += 1
            continue
        if value in ('-r', '--requirement') and i + 1 < len(values):
            path = values[i + 1]
            text = read(path) if path else None
            if text is not None:
                packages.extend(requirements_unpinned(text))
            i += 2
            continue
        if value.startswith('--requirement='):
            text = read(value.split('=', 1)[1])
            if text is not None:
                packages.extend(requirements_unpinned(text))
            i += 1
            continue
        if value.startswith('-'):
            i += 2 if value in _PIP_WITH_VALUE else 1
            continue
        if not requirement_pinned(value):
            packages.append(value)
        i += 1
    if not packages:
        return None
    return Unpinned('pip', tuple(packages), '`name==version`, or a lock file with '
                                           '`--require-hashes`')


def _npm_pinned(spec: str) -> bool:
    if _is_location(spec) or spec.startswith(('github:', 'git@', 'npm:')) or \
            ('/' in spec and not spec.startswith('@')):
        return True
    at = spec.find('@', 1)  # `@scope/name@1.2.3`: the version follows the second `@`
    if at == -1:
        return False
    version = spec[at + 1:]
    return version.lower() not in _FLOATING_VERSIONS and not version.startswith(('^', '~', '>', '<'))


def node_unpinned(command: Command) -> Unpinned | None:
    tool = command.name
    if tool not in ('npm', 'yarn', 'pnpm'):
        return None
    values = [w.plain for w in command.args]
    i = 0
    sub: str | None = None
    positional: list[str] = []
    while i < len(values):
        value = values[i]
        if value is None:
            i += 1
            continue
        if value.startswith('-'):
            i += 2 if value in _NPM_WITH_VALUE else 1
            continue
        if sub is None:
            sub = value
        elif tool == 'yarn' and sub == 'global' and value == 'add' and not positional:
            sub = 'add'
        else:
            positional.append(value)
        i += 1
    if sub is None:
        return None
    installs = (tool == 'npm' and sub in _NPM_INSTALL) or (tool != 'npm' and sub == 'add')
    if not installs:
        return None
    packages = [p for p in positional if not _npm_pinned(p)]
    if not packages:
        return None
    return Unpinned(tool, tuple(packages), '`name@1.2.3`, or a lock file and `npm ci`')


def gem_unpinned(command: Command) -> Unpinned | None:
    if command.name != 'gem':
        return None
    values = [w.plain for w in command.args]
    if not values or values[0] != 'install':
        return None
    if any(v in ('-v', '--version') or (v or '').startswith('--version=') for v in values):
        return None
    packages = [v for v in values[1:] if v and not v.startswith('-') and ':' not in v
                and not _is_location(v)]
    return Unpinned('gem', tuple(packages), '`gem install name:1.2.3` or `-v 1.2.3`') \
        if packages else None


def go_unpinned(command: Command) -> Unpinned | None:
    """``go install path@latest`` (or a branch), and ``go get path`` without a version.

    ``go install path`` without ``@`` builds the version the main module's go.mod
    requires (Go 1.16 and later refuse it outside a module), or the GOPATH copy an
    earlier step fetched, and ``go install tool`` the go.mod's tools: pinned there.
    ``go get path`` fetches the newest release (the default branch in GOPATH mode).
    """
    if command.name != 'go':
        return None
    values = [w.plain for w in command.args]
    if not values or values[0] not in ('install', 'get'):
        return None
    packages = []
    for value in values[1:]:
        if value is None or value.startswith('-') or value == 'tool':
            continue
        if value.startswith(('.', '/')):
            continue  # a package of the build context
        _, at, version = value.partition('@')
        if version in ('latest', 'master', 'main', 'HEAD') or (not at and values[0] == 'get'):
            packages.append(value)
    hint = f'`go {values[0]} path@v1.2.3`'
    return Unpinned('go', tuple(packages), hint) if packages else None


def cargo_unpinned(command: Command) -> Unpinned | None:
    if command.name != 'cargo':
        return None
    values = [w.plain for w in command.args]
    if not values or values[0] != 'install':
        return None
    if any(v in ('--version', '--vers', '--path', '--rev', '--tag') or
           (v or '').startswith(('--version=', '--vers=', '--path=', '--rev=', '--tag='))
           for v in values):
        return None
    packages = []
    skip = False
    for value in values[1:]:
        if skip:
            skip = False
            continue
        if value is None:
            continue
        if value.startswith('-'):
            skip = value in ('--root', '--git', '--branch', '--index', '--registry', '--target',
                             '--features', '-F', '--profile', '-j', '--jobs', '--bin',
                             '--example', '--target-dir', '--config', '-Z', '--color')
            continue
        if '@' not in value:
            packages.append(value)
    return Unpinned('cargo', tuple(packages), '`cargo install name@1.2.3`') if packages else None


def unpinned(command: Command, read: Callable[[str], str | None]) -> Unpinned | None:
    """What ``command`` installs without an exact version, if anything."""
    for reader in (node_unpinned, gem_unpinned, go_unpinned, cargo_unpinned):
        found = reader(command)
        if found is not None:
            return found
    return pip_unpinned(command, read)


def context_reader(project: Project | None, workdir: str, copies: Layered
                   ) -> Callable[[str], str | None]:
    """Read a file the build copied into the image, from the build context.

    ``copies`` maps image paths to context paths (``COPY requirements.txt .``);
    a relative path is taken from the ``WORKDIR``.
    """
    def read(path: str) -> str | None:
        if project is None:
            return None
        image_path = posixpath.normpath(posixpath.join(workdir, path))
        source = copies.get(image_path)
        if source is None:
            for dest, src in copies.items():
                if image_path.startswith(dest.rstrip('/') + '/') and project.is_dir(src):
                    source = posixpath.join(src, posixpath.relpath(image_path, dest))
                    break
        return project.read(source) if source is not None else None
    return read


def image_files(stages: Stages, stage: Stage, before: Instruction, project: Project | None,
                ) -> tuple[str, Layered]:
    """The ``WORKDIR`` before ``before`` and the files copied from the context so far
    (image path -> context path; folders map folder to folder), in the order first
    copied: one layer per ``COPY``, shared by the ``RUN`` lines after it."""
    from modcon.layered import Layered  # only RUN lines that read a copied file ask

    def step(state: tuple[str, Layered], ins: Instruction) -> tuple[str, Layered]:
        workdir, copies = state
        if ins.name == 'WORKDIR':
            return posixpath.normpath(posixpath.join(workdir, ins.args.text.strip('"\''))), copies
        if not copies_from_context(ins):
            return state
        words = copy_words(ins.args.text)
        if len(words) < 2:
            return state
        added: dict[str, str] = {}
        *sources, dest = words
        target = posixpath.normpath(posixpath.join(workdir, dest))
        into = dest.endswith('/') or len(sources) > 1 or dest in ('.', './')
        for source in sources:
            clean = posixpath.normpath(source.lstrip('/'))
            is_dir = project is not None and project.is_dir(clean)
            if is_dir or clean == '.':
                added[target] = clean
            elif into or target == workdir:
                added[posixpath.join(target, posixpath.basename(clean))] = clean
            else:
                added[target] = clean
        return workdir, copies.with_layer(added)

    return stages.state_before(stage, before, (image_files, project), step, ('/', Layered()))
