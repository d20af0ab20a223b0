"""Find the files to check under the paths the user named.

Directories are walked for Dockerfiles (``Dockerfile``, ``Containerfile``,
``*.Dockerfile``, ``Dockerfile.*``), skipping version-control folders,
dependency and virtualenv trees, whatever git ignores, and the config's
``exclude`` patterns. A file named explicitly is always checked. Symbolic
links are followed only when they stay inside the tree being scanned; one
that leads out is an input error and is never read or written through.
"""
from __future__ import annotations

import os
from typing import NamedTuple

from modcon.code import kind_of_code
from modcon.config import Config
from modcon.errors import InputError

SKIP_DIRS = frozenset((
    '.git', '.hg', '.svn', '.jj', 'node_modules', 'bower_components', 'vendor', 'third_party',
    '.venv', 'venv', '.tox', '.nox', '__pycache__', '.mypy_cache', '.pytest_cache',
    '.ruff_cache', 'site-packages', '.terraform',
))
_TEMPLATE_SUFFIXES = ('.dockerignore', '.j2', '.jinja', '.jinja2', '.tmpl', '.tpl',
                      '.template', '.erb', '.in', '.orig', '.rej', '.bak', '.swp', '~')


class Target(NamedTuple):
    """A file to check: where to read and write it, and how to name it."""

    path: str  # the real file (symlinks resolved)
    display: str  # the path as the user sees it
    kind: str


def kind_of(name: str) -> str | None:
    """The rule kind for a file name found while walking, or None to skip it."""
    lower = name.lower()
    if lower.endswith(_TEMPLATE_SUFFIXES):
        return None
    if lower in ('dockerfile', 'containerfile'):
        return 'dockerfile'
    if lower.endswith(('.dockerfile', '.containerfile')):
        return 'dockerfile'
    if lower.startswith(('dockerfile.', 'containerfile.')):
        return 'dockerfile'
    return None


def _display(path: str) -> str:
    relative = os.path.relpath(path)
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


def discover(paths: list[str], config: Config) -> tuple[list[Target], list[InputError]]:
    """The files to check under ``paths``, and the input errors met on the way."""
    targets: list[Target] = []
    errors: list[InputError] = []
    seen: set[str] = set()

    def add(path: str, display: str, kind: str, root: str) -> None:
        real = os.path.realpath(path)
        if os.path.islink(path) and not _inside(real, os.path.realpath(root)):
            errors.append(InputError(display, 'is a symlink to outside the scanned tree; '
                                              'not followed'))
            return
        if real in seen:
            return
        seen.add(real)
        targets.append(Target(real, display, kind))

    for given in paths:
        display = _display(given) if given not in ('.', './') else given
        if not os.path.lexists(given):
            errors.append(InputError(given, 'no such file or directory'))
        elif os.path.isdir(given) and not os.path.islink(given):
            _walk(given, config, add, errors)
        elif os.path.islink(given) and os.path.isdir(given):
            errors.append(InputError(given, 'is a symlink to a directory; not followed'))
        else:
            # A file named explicitly is checked: as code by its extension,
            # otherwise as a Dockerfile whatever its name.
            kind = kind_of(os.path.basename(given)) or kind_of_code(given) or 'dockerfile'
            add(given, display, kind, os.path.dirname(os.path.abspath(given)))
    return targets, errors


def _walk(root: str, config: Config, add, errors: list[InputError]) -> None:  # type: ignore[no-untyped-def]
    ignored = _git_ignored(root)
    for directory, dirnames, filenames in os.walk(root):
        relative_dir = os.path.relpath(directory, root)
        relative_dir = '' if relative_dir == '.' else relative_dir.replace(os.sep, '/') + '/'
        kept = []
        for name in sorted(dirnames):
            rel = relative_dir + name
            if name in SKIP_DIRS or rel + '/' in ignored or config.excluded(rel):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            kind = kind_of(name)
            rel = relative_dir + name
            if kind is None or rel in ignored or config.excluded(rel):
                continue
            path = os.path.join(directory, name)
            add(path, _display(path), kind, root)
