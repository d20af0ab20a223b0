"""A read-only view of the repository's files, for rules that look past the Dockerfile.

Paths are '/'-separated and relative to the repository root. The CLI and the
Action read the working tree; comment commands read a pull request's head
commit through the API and hand over what they read.
"""
from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Mapping

from modcon.source import decode

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

    def forget(self) -> None:
        """Drop what was read so far: modcon is about to write files."""


class LocalTree:
    """The working tree as one run sees it: each question asked of the system once.

    A batch asks the same questions again and again: every Dockerfile of a
    folder resolves that folder, looks for the same Compose files and reads the
    same ``requirements.txt``. The answers are those of ``os.path.realpath``,
    ``os.path.isfile``, ``os.path.isdir`` and ``os.listdir``, kept for the run
    (the scope's reader holds one tree; its build contexts share it). Symbolic
    links do not move while modcon runs; files may, when modcon writes them:
    ``forget`` drops all but the resolved paths (``fixloop.fix_file`` calls it
    before its caller writes).

    ``pending`` holds texts modcon would write, by real path (``fix --diff``
    writes nothing, yet each round of its fixes must see the one before): they
    are read in place of the files, and a file they add is there.
    """

    def __init__(self, pending: Mapping[str, str] | None = None) -> None:
        self._cwd: str | None = None
        self._real: dict[str, str] = {}
        self._kinds: dict[str, str | None] = {}  # 'file', 'dir', 'other'; None: missing
        self._names: dict[str, list[str]] = {}
        self.pending: Mapping[str, str] = dict(pending or {})
        self._texts: dict[str, str | None] = dict(self.pending)

    def forget(self) -> None:
        """Drop what the files said (not where paths lead): modcon is about to write."""
        self._kinds.clear()
        self._names.clear()
        self._texts = dict(self.pending)

    def stage(self, path: str, text: str) -> None:
        """From now on, read ``text`` at the real path ``path``, as if written: ``fix
        --diff`` makes what one file's fix would write visible to the files after it in
        the same round, as ``fix`` does by writing it."""
        self.pending = {**self.pending, path: text}
        self._texts[path] = text
        self._kinds.pop(path, None)
        self._names.pop(os.path.dirname(path), None)

    def cwd(self) -> str:
        if self._cwd is None:
            self._cwd = os.getcwd()
        return self._cwd

    def realpath(self, path: str) -> str:
        """``os.path.realpath(path)``, each folder of it resolved once per run."""
        real = self._real.get(path)
        if real is None:
            real = self._real[path] = self._resolve(path)
        return real

    def _resolve(self, path: str) -> str:
        # realpath resolves a path one name at a time, left to right: a plain
        # name under a folder resolved already needs one lstat, or, for a link,
        # the whole path resolved again.
        if not os.path.isabs(path):
            path = os.path.join(self.cwd(), path)  # getcwd() holds no links
        parent, name = os.path.split(path)
        if name in ('', os.curdir, os.pardir) or parent == path:
            return os.path.realpath(path)
        joined = os.path.join(self.realpath(parent), name)
        try:
            is_link = stat.S_ISLNK(os.lstat(joined).st_mode)
        except OSError:
            is_link = False
        return os.path.realpath(joined) if is_link else joined

    def _kind(self, path: str) -> str | None:
        if path in self.pending:
            return 'file'
        if path not in self._kinds:
            try:
                mode = os.stat(path).st_mode
            except (OSError, ValueError):
                self._kinds[path] = None
            else:
                self._kinds[path] = ('file' if stat.S_ISREG(mode) else
                                     'dir' if stat.S_ISDIR(mode) else 'other')
        return self._kinds[path]

    def is_file(self, path: str) -> bool:
        return self._kind(path) == 'file'

    def is_dir(self, path: str) -> bool:
        return self._kind(path) == 'dir'

    def list_dir(self, path: str) -> list[str]:
        """The names in folder ``path``, sorted ([] when it is none or cannot be read)."""
        if path not in self._names:
            names: list[str] = []
            if self.is_dir(path):
                try:
                    names = os.listdir(path)
                except OSError:
                    pass
            added = {os.path.basename(p) for p in self.pending if os.path.dirname(p) == path}
            self._names[path] = sorted(added.union(names))
        return list(self._names[path])

    def read(self, path: str) -> str | None:
        """The text of file ``path`` (``source.decode``): None unless it is without NUL and
        at most 1 MiB."""
        if path not in self._texts:
            self._texts[path] = _text(path) if self.is_file(path) else None
        return self._texts[path]


def _text(path: str) -> str | None:
    try:
        with open(path, 'rb') as f:
            data = f.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_BYTES or b'\0' in data:
        return None
    return decode(data)  # a byte that is not UTF-8 is kept, as Docker and the shell keep it


class LocalProject(Project):
    """The working tree under ``root``; never follows a path out of it.

    Build contexts of one run share its ``tree`` (a tree of their own otherwise).
    """

    def __init__(self, root: str, tree: LocalTree | None = None) -> None:
        self.tree = tree if tree is not None else LocalTree()
        self.root = self.tree.realpath(root)
        # Rules ask about the same paths again and again; symlinks do not move
        # while modcon runs, so each path is resolved once.
        self._resolved: dict[str, str | None] = {}

    def _full(self, path: str) -> str | None:
        if path in self._resolved:
            return self._resolved[path]
        normal = posixpath.normpath(path.lstrip('/'))
        full: str | None = None
        if not normal.startswith('..'):
            full = self.tree.realpath(os.path.join(self.root, normal))
            if full != self.root and not full.startswith(self.root + os.sep):
                full = None
        self._resolved[path] = full
        return full

    def read(self, path: str) -> str | None:
        full = self._full(path)
        return None if full is None else self.tree.read(full)

    def is_file(self, path: str) -> bool:
        full = self._full(path)
        return full is not None and self.tree.is_file(full)

    def is_dir(self, path: str) -> bool:
        full = self._full(path)
        return full is not None and self.tree.is_dir(full)

    def list_dir(self, path: str) -> list[str]:
        full = self._full(path)
        return [] if full is None else self.tree.list_dir(full)

    def forget(self) -> None:
        self.tree.forget()


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

    def forget(self) -> None:
        self.base.forget()
