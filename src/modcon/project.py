"""A read-only view of the repository's files, for rules that look past the Dockerfile.

Paths are '/'-separated and relative to the repository root. The CLI and the
Action read the working tree; comment commands read a pull request's head
commit through the API and hand over what they read.
"""
from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.readers.compose import ComposeBuild

MAX_BYTES = 1024 * 1024


class Project:
    """Files of a repository (the base class knows none)."""

    compose: ComposeBuild | None = None  # the Compose service that gave this build context

    def read(self, path: str) -> str | None:  # pragma: no cover - overridden
        return None

    def is_file(self, path: str) -> bool:
        return self.read(path) is not None

    def is_dir(self, path: str) -> bool:  # pragma: no cover - overridden
        return False

    def list_dir(self, path: str) -> list[str]:  # pragma: no cover - overridden
        return []


class LocalProject(Project):
    """The working tree under ``root``; never follows a path out of it."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        # Rules ask about the same paths again and again; symlinks do not move
        # while modcon runs, so each path is resolved once.
        self._resolved: dict[str, str | None] = {}

    def _full(self, path: str) -> str | None:
        if path in self._resolved:
            return self._resolved[path]
        normal = posixpath.normpath(path.lstrip('/'))
        full: str | None = None
        if not normal.startswith('..'):
            full = os.path.realpath(os.path.join(self.root, normal))
            if full != self.root and not full.startswith(self.root + os.sep):
                full = None
        self._resolved[path] = full
        return full

    def read(self, path: str) -> str | None:
        full = self._full(path)
        if full is None or not os.path.isfile(full):
            return None
        try:
            with open(full, 'rb') as f:
                data = f.read(MAX_BYTES + 1)
        except OSError:
            return None
        if len(data) > MAX_BYTES or b'\0' in data:
            return None
        try:
            return data.decode('utf-8')
        except UnicodeDecodeError:
            return None

    def is_file(self, path: str) -> bool:
        full = self._full(path)
        return full is not None and os.path.isfile(full)

    def is_dir(self, path: str) -> bool:
        full = self._full(path)
        return full is not None and os.path.isdir(full)

    def list_dir(self, path: str) -> list[str]:
        full = self._full(path)
        if full is None or not os.path.isdir(full):
            return []
        try:
            return sorted(os.listdir(full))
        except OSError:
            return []


class MappingProject(Project):
    """Files given as a mapping (path -> text)."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = {posixpath.normpath(p): t for p, t in files.items()}

    def read(self, path: str) -> str | None:
        return self.files.get(posixpath.normpath(path.lstrip('/')))

    def is_dir(self, path: str) -> bool:
        prefix = posixpath.normpath(path.lstrip('/'))
        prefix = '' if prefix == '.' else prefix + '/'
        return any(p.startswith(prefix) for p in self.files)

    def list_dir(self, path: str) -> list[str]:
        prefix = posixpath.normpath(path.lstrip('/'))
        prefix = '' if prefix == '.' else prefix + '/'
        names = {p[len(prefix):].split('/', 1)[0] for p in self.files if p.startswith(prefix)}
        return sorted(names)


class OverlayProject(Project):
    """``base`` with some files added (those a fix creates, before they are written)."""

    def __init__(self, base: Project | None, files: Mapping[str, str]) -> None:
        self.base = base or Project()
        self.files = {posixpath.normpath(p): t for p, t in files.items()}

    def read(self, path: str) -> str | None:
        found = self.files.get(posixpath.normpath(path.lstrip('/')))
        return found if found is not None else self.base.read(path)

    def is_file(self, path: str) -> bool:
        return posixpath.normpath(path.lstrip('/')) in self.files or self.base.is_file(path)

    def is_dir(self, path: str) -> bool:
        return self.base.is_dir(path)

    def list_dir(self, path: str) -> list[str]:
        prefix = posixpath.normpath(path.lstrip('/'))
        prefix = '' if prefix == '.' else prefix + '/'
        added = {p[len(prefix):].split('/', 1)[0] for p in self.files if p.startswith(prefix)}
        return sorted(set(self.base.list_dir(path)) | added)
