"""Find the files to check under the paths the user named.

Directories are walked for Dockerfiles, named as ``DOCKERFILE_NAMES`` says
(the pre-commit hooks use the same two patterns), skipping version-control
folders, dependency and virtualenv trees, whatever git ignores, and the
config's ``exclude`` patterns. A file named explicitly is always checked.
Symbolic links are followed only when they stay inside the tree being
scanned; one that leads out is an input error and is never read or written
through.
"""
from __future__ import annotations

import os
import stat

from modcon.engine.config import Config
from modcon.errors import InputError
from modcon.lazyregex import lazy_compile
from modcon.model import Kind
from modcon.named_tuple import NamedTuple
from modcon.project import LocalTree

SKIP_DIRS = frozenset((
    '.git', '.hg', '.svn', '.jj', 'node_modules', 'bower_components', 'vendor', 'third_party',
    '.venv', 'venv', '.tox', '.nox', '__pycache__', '.mypy_cache', '.pytest_cache',
    '.ruff_cache', 'site-packages', '.terraform',
))
_VCS_DIRS = frozenset(('.git', '.hg', '.svn', '.jj'))

# The one definition of a Dockerfile's name, used by the walk below and, as
# `files` and `exclude`, by .pre-commit-hooks.yaml (a test keeps them equal).
# Matched against a path (any case): Dockerfile and Containerfile, alone or
# with a suffix or prefix joined by `.`, `-` or `_` (Dockerfile.prod,
# Dockerfile-dev, api.Dockerfile, api-Dockerfile, x.dockerfile).
DOCKERFILE_NAMES = r'(?i)(^|/)([^/]*[._-])?(docker|container)file([._-][^/]*)?$'
# ... but not templates, backups, documentation or source code about Dockerfiles.
NOT_DOCKERFILE_NAMES = (
    r'(?i)(\.(dockerignore|j2|jinja2?|tmpl|tpl|template|erb|in|orig|rej|bak|backup|old|swp'
    r'|md|rst|txt|json|ya?ml|toml|xml|html|lock|py|pyc|go|rs|js|ts|rb|java|sh|c|h)|~)$'
)
# Compiled when a folder is walked, or a file named explicitly has a code extension.
_DOCKERFILE = lazy_compile(DOCKERFILE_NAMES)
_NOT_DOCKERFILE = lazy_compile(NOT_DOCKERFILE_NAMES)
DESCRIBED = 'Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, Dockerfile-*, *-Dockerfile'


class Target(NamedTuple):
    """A file to check: where to read and write it, and how to name it."""

    path: str  # the real file (symlinks resolved)
    display: str  # the path as the user sees it
    kind: Kind


def kind_of(name: str) -> Kind | None:
    """The rule kind for a file name found while walking, or None to skip it."""
    if _DOCKERFILE.search(name) and not _NOT_DOCKERFILE.search(name):
        return Kind.DOCKERFILE
    return None


def _display(path: str, here: str) -> str:
    """``path`` relative to the working folder ``here``, unless it lies outside
    (``here`` is asked once per run: ``relpath`` alone asks the system twice a call)."""
    relative = os.path.relpath(os.path.join(here, path), here)
    return path if relative.startswith('..') else relative


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _git_ignored(root: str) -> set[str]:
    """Paths under ``root`` that git ignores (relative, directories end in '/')."""
    import subprocess

    try:
        result = subprocess.run(
            ['git', '-C', root, 'ls-files', '--others', '--ignored', '--exclude-standard',
             '--directory', '-z'],
            capture_output=True, timeout=30, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    if result.returncode != 0:
        return set()
    # ls-files names paths relative to the directory it runs in: ``root``.
    return {item for item in result.stdout.decode('utf-8', 'replace').split('\0') if item}


def discover(paths: list[str], config: Config, skipped: list[str] | None = None,
             ) -> tuple[list[Target], list[InputError]]:
    """The files to check under ``paths``, and the input errors met on the way.

    ``skipped``, when given, collects what the walk left out and why
    (``node_modules/: a dependency folder``), to explain an empty result.
    """
    notes: list[str] = [] if skipped is None else skipped
    targets: list[Target] = []
    errors: list[InputError] = []
    seen: set[str] = set()
    tree = LocalTree()  # each folder of the walk resolved once

    def add(path: str, display: str, kind: Kind, root: str, link: bool) -> None:
        real = tree.realpath(path)
        if link and not _inside(real, tree.realpath(root)):
            errors.append(InputError(display, 'is a symlink to outside the scanned tree; '
                                              'not followed'))
            return
        if real in seen:
            return
        seen.add(real)
        targets.append(Target(real, display, kind))

    here = os.getcwd()  # once: a long list of files names each relative to it
    for given in paths:
        try:
            mode = os.lstat(given).st_mode
        except OSError:
            errors.append(InputError(given, 'no such file or directory'))
            continue
        link = stat.S_ISLNK(mode)
        if stat.S_ISDIR(mode):
            _walk(given, config, add, notes, here)
        elif link and os.path.isdir(given):
            errors.append(InputError(given, 'is a symlink to a directory; not followed'))
        else:
            # A file named explicitly is checked: as code by its extension,
            # otherwise as a Dockerfile whatever its name (Dockerfile.bash is one).
            from modcon.entrypoints.code_document import kind_of_code

            absolute = os.path.normpath(os.path.join(here, given))
            code = kind_of_code(given)
            kind = Kind.DOCKERFILE if code is None else kind_of(os.path.basename(given)) or code
            add(given, _display(given, here), kind, os.path.dirname(absolute), link)
    return targets, errors


def _walk(root: str, config: Config, add,  # type: ignore[no-untyped-def]
          skipped: list[str], here: str) -> None:
    ignored = _git_ignored(root)
    for directory, dirnames, filenames in os.walk(root):
        relative_dir = os.path.relpath(directory, root)
        relative_dir = '' if relative_dir == '.' else relative_dir.replace(os.sep, '/') + '/'
        kept = []
        for name in sorted(dirnames):
            rel = relative_dir + name
            why = ('a dependency or tool folder' if name in SKIP_DIRS else
                   'git-ignored' if rel + '/' in ignored else
                   'excluded by the config' if config.excluded(rel) else None)
            if why:
                if name not in _VCS_DIRS:
                    skipped.append(f'{_display(os.path.join(directory, name), here)}/: {why}')
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            kind = kind_of(name)
            rel = relative_dir + name
            if kind is None:
                continue
            path = os.path.join(directory, name)
            why = ('git-ignored' if rel in ignored else
                   'excluded by the config' if config.excluded(rel) else None)
            if why:
                skipped.append(f'{_display(path, here)}: {why}')
                continue
            add(path, _display(path, here), kind, root, os.path.islink(path))


def nothing_found(paths: list[str], skipped: list[str]) -> str:
    """Why a walk of ``paths`` found no Dockerfile, in one line."""
    where = ', '.join(paths)
    why = f'no file named like a Dockerfile ({DESCRIBED}) in {where}'
    if skipped:
        shown = '; '.join(skipped[:3]) + ('; ...' if len(skipped) > 3 else '')
        why += f' (not searched: {shown})'
    return why
