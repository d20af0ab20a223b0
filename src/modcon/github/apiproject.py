"""A build context read through the API at one commit (for comment commands).

Comment commands never check out the pull request: its files are read, at
the head commit pinned when the command was accepted, only when a rule asks.
"""
from __future__ import annotations

import posixpath
from collections.abc import Mapping

from modcon.engine.discover import Target
from modcon.errors import InputError
from modcon.github.gateway import RepoGateway
from modcon.model import Kind
from modcon.project import MAX_BYTES
from modcon.project import Project
from modcon.source import decode


def text_of(data: bytes | None) -> str | None:
    """A file read through the API as text (a byte that is not UTF-8 kept, as the
    command line keeps it), or None when it is missing, too large or binary."""
    if data is None or len(data) > MAX_BYTES or b'\0' in data:
        return None
    return decode(data)


class ApiProject(Project):
    def __init__(self, repo: RepoGateway, ref: str, root: str,
                 shares: ApiProject | None = None, pending: Mapping[str, str] | None = None,
                 ) -> None:
        """``pending``: texts (full path -> text) read in place of the commit's files."""
        self.repo = repo
        self.ref = ref
        self.root = root
        # What was read is kept by full path, so projects of one commit share it.
        self._files: dict[str, str | None] = shares._files if shares else {}
        self._dirs: dict[str, list[str] | None] = shares._dirs if shares else {}
        self._added: set[str] = shares._added if shares else set()  # the pending paths
        for path, text in (pending or {}).items():
            self._files[posixpath.normpath(path)] = text
            self._added.add(posixpath.normpath(path))

    def _full(self, path: str) -> str | None:
        normal = posixpath.normpath(path.lstrip('/'))
        if normal.startswith('..'):
            return None
        return normal if not self.root else posixpath.normpath(posixpath.join(self.root, normal))

    def read(self, path: str) -> str | None:
        full = self._full(path)
        if full is None:
            return None
        if full not in self._files:
            self._files[full] = text_of(self.repo.read_file(full, self.ref))
        return self._files[full]

    def _listing(self, path: str) -> list[str] | None:
        full = self._full(path)
        if full is None:
            return None
        key = '' if full == '.' else full
        if key not in self._dirs:
            listed = self.repo.list_entries(key, self.ref)
            added = {posixpath.basename(p) for p in self._added
                     if posixpath.dirname(p) == key}
            if added:
                listed = sorted(added.union(listed or []))
            self._dirs[key] = listed
        return self._dirs[key]

    def is_dir(self, path: str) -> bool:
        return self._listing(path) is not None

    def is_file(self, path: str) -> bool:
        return self.read(path) is not None

    def list_dir(self, path: str) -> list[str]:
        return self._listing(path) or []


class ApiReader:
    """The scope's ``Reader`` for one commit read through the API: paths are
    relative to the repository root; a Dockerfile's build context is its folder.

    ``pending``: texts to read in place of the commit's (path -> text), as fixes
    planned but not yet committed leave them.
    """

    def __init__(self, repo: RepoGateway, ref: str,
                 pending: Mapping[str, str] | None = None) -> None:
        self.files = ApiProject(repo, ref, '', pending=pending)
        self._contexts: dict[str, ApiProject] = {}

    def read(self, target: Target) -> str:
        text = self.files.read(target.path)
        if text is None:
            raise InputError(target.display, 'missing, a link, a submodule, too large or binary at '
                                             f'{self.files.ref[:12]}')
        return text

    def context(self, dockerfile: Target) -> ApiProject:
        folder = posixpath.dirname(dockerfile.path)
        known = self._contexts.get(folder)
        if known is None:
            known = self._contexts[folder] = ApiProject(self.files.repo, self.files.ref, folder,
                                                        shares=self.files)
        return known

    def locate(self, dockerfile: Target, path: str, kind: Kind) -> Target:
        full = posixpath.normpath(posixpath.join(posixpath.dirname(dockerfile.path), path))
        return Target(full, full, kind)
