"""A build context read through the API at one commit (for comment commands).

Comment commands never check out the pull request: its files are read, at
the head commit pinned when the command was accepted, only when a rule asks.
"""
from __future__ import annotations

import posixpath

from modcon.github.gateway import RepoGateway
from modcon.project import MAX_BYTES
from modcon.project import Project


def text_of(data: bytes | None) -> str | None:
    """A file read through the API as text, or None when it is missing, too large,
    binary or not UTF-8."""
    if data is None or len(data) > MAX_BYTES or b'\0' in data:
        return None
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return None


class ApiProject(Project):
    def __init__(self, repo: RepoGateway, ref: str, root: str) -> None:
        self.repo = repo
        self.ref = ref
        self.root = root
        self._files: dict[str, str | None] = {}
        self._dirs: dict[str, list[str] | None] = {}

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
            self._dirs[key] = self.repo.list_entries(key, self.ref)
        return self._dirs[key]

    def is_dir(self, path: str) -> bool:
        return self._listing(path) is not None

    def is_file(self, path: str) -> bool:
        return self.read(path) is not None

    def list_dir(self, path: str) -> list[str]:
        return self._listing(path) or []
