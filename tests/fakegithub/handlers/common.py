"""Helpers shared by the endpoint modules."""

from __future__ import annotations

from ..diffs import FileDiff, file_diffs
from ..errors import empty_repository
from ..gitstore import EMPTY_TREE, CommitObject
from ..state import Repo


def require_not_empty(repo: Repo) -> None:
    """Git-data endpoints answer 409 on a repository without any commit."""
    if repo.store.is_empty():
        raise empty_repository()


def commit_files(repo: Repo, c: CommitObject) -> list[FileDiff]:
    """The files a single commit changed (against its first parent; a root commit against the empty tree)."""
    parent = c.parents[0] if c.parents else EMPTY_TREE
    return file_diffs(repo.store, parent, c.sha)

