"""Helpers shared by the endpoint modules: resolving refs, loading commits, diffs."""

from __future__ import annotations

from ..diffs import FileDiff, file_diffs
from ..errors import ApiError, empty_repository, unprocessable
from ..gitstore import EMPTY_TREE, CommitObject
from ..state import Repo


def require_not_empty(repo: Repo) -> None:
    """Git-data endpoints answer 409 on a repository without any commit."""
    if repo.store.is_empty():
        raise empty_repository()


def resolve_or_404(repo: Repo, ref: str) -> str:
    sha = repo.store.resolve(ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    return sha


def commit_files(repo: Repo, c: CommitObject) -> list[FileDiff]:
    """The files a single commit changed (against its first parent, or nothing for a root)."""
    parent = c.parents[0] if c.parents else EMPTY_TREE
    return file_diffs(repo.store, parent, c.sha)


def merge_base_or_422(repo: Repo, base: str, head: str, what: str) -> str:
    mb = repo.store.merge_base(base, head)
    if mb is None:
        raise unprocessable(f"No common ancestor between {what}.")
    return mb
