"""The fake's in-memory model: users, repositories, issues, pull requests, comments.

Git content lives in the bare repositories (see ``gitstore``); everything
GitHub keeps outside git (pull requests, comments, reactions, reviews, labels,
collaborator roles, which API commits were "signed") lives here. One
re-entrant lock guards it; the HTTP handlers take it for whole requests except
the pure-git endpoints, whose safety comes from git's own ref locking.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .errors import ApiError, not_found
from .gitstore import GitStore, RefConflict

# Repository roles from weakest to strongest.
ROLES = ("none", "read", "triage", "write", "maintain", "admin")
# What GET .../collaborators/{user}/permission reports in "permission" for each
# role: the legacy field only knows admin/write/read/none, so maintain reads as
# write and triage as read; "role_name" carries the precise role.
LEGACY_PERMISSION = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read",
                     "read": "read", "none": "none"}
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def role_at_least(role: str, wanted: str) -> bool:
    return ROLES.index(role) >= ROLES.index(wanted)


@dataclass
class User:
    login: str
    id: int
    type: str = "User"  # "User", "Bot" or "Organization"
    name: str | None = None
    email: str | None = None

    @property
    def noreply_email(self) -> str:
        return f"{self.id}+{self.login}@users.noreply.github.com"


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None = None
    default: bool = False


@dataclass
class Reaction:
    id: int
    user: User
    content: str
    created_at: str


@dataclass
class Comment:
    """An issue (or pull request conversation) comment."""

    id: int
    repo: Repo
    issue_number: int
    user: User
    body: str
    created_at: str
    updated_at: str
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class ReviewComment:
    id: int
    review_id: int
    repo: Repo
    pull_number: int
    user: User
    path: str
    body: str
    line: int | None
    side: str
    start_line: int | None
    start_side: str | None
    position: int | None
    commit_id: str
    diff_hunk: str
    created_at: str


@dataclass
class Review:
    id: int
    repo: Repo
    pull_number: int
    user: User
    body: str
    state: str
    commit_id: str
    submitted_at: str | None
    comments: list[ReviewComment] = field(default_factory=list)


@dataclass
class PullInfo:
    """The pull-request half of an issue."""

    head_repo: Repo
    head_ref: str
    head_sha: str  # last known; refreshed from the head branch whenever it still exists
    base_ref: str
    draft: bool = False
    maintainer_can_modify: bool = False
    merged_at: str | None = None
    reviews: list[Review] = field(default_factory=list)


@dataclass
class Issue:
    number: int
    id: int
    repo: Repo
    title: str
    body: str | None
    user: User
    created_at: str
    updated_at: str
    state: str = "open"
    closed_at: str | None = None
    labels: list[str] = field(default_factory=list)  # label names, in the order added
    comment_ids: list[int] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    pull: PullInfo | None = None
    pull_id: int = 0


@dataclass
class CommitMeta:
    """What GitHub remembers about a commit made through ``POST /git/commits``."""

    author_given: bool
    committer_given: bool
    verified: bool


@dataclass(eq=False)
class Repo:
    id: int
    owner: User
    name: str
    store: GitStore
    default_branch: str
    private: bool = False
    parent: Repo | None = None
    description: str | None = None
    created_at: str = field(default_factory=now_iso)
    # Role given to token users who have no explicit role (an App installed on
    # the repository can push; on someone else's fork it cannot).
    token_role: str = "write"
    # Settings → Actions → General → "Allow GitHub Actions to create and approve
    # pull requests" (off by default on GitHub for new repositories and orgs).
    actions_can_open_pulls: bool = True
    roles: dict[str, str] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)  # lower-cased name -> label
    issues: dict[int, Issue] = field(default_factory=dict)
    next_number: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    @property
    def git_dir(self) -> Path:
        return self.store.git_dir

    @property
    def network_root(self) -> Repo:
        repo = self
        while repo.parent is not None:
            repo = repo.parent
        return repo


class State:
    """All server-side data, shared by the HTTP threads and the test's helpers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}  # lower-cased login -> user
        self.tokens: dict[str, str] = {}  # token -> login
        self.repos: dict[str, Repo] = {}  # lower-cased full name -> repo
        self.repos_by_id: dict[int, Repo] = {}
        self.comments: dict[int, Comment] = {}
        self.review_comments: dict[int, ReviewComment] = {}
        self.commit_meta: dict[str, CommitMeta] = {}
        # Distinct id ranges per kind, so a client that mixes up a PR's id and
        # its number, or a comment id and a review id, hits a 404.
        self._ids = {kind: itertools.count(start) for kind, start in (
            ("user", 1000), ("repo", 500000), ("issue", 7000000), ("pull", 8000000),
            ("comment", 9000000), ("review", 6000000), ("review_comment", 5000000),
            ("reaction", 4000000), ("label", 3000000))}

    def next_id(self, kind: str) -> int:
        with self.lock:
            return next(self._ids[kind])

    # -- users ----------------------------------------------------------------------

    def add_user(self, login: str, type: str = "User", name: str | None = None,
                 email: str | None = None) -> User:
        with self.lock:
            existing = self.users.get(login.lower())
            if existing:
                return existing
            user = User(login, self.next_id("user"), type, name, email)
            self.users[login.lower()] = user
            return user

    def user(self, login: str) -> User | None:
        return self.users.get(login.lower())

    def user_by_email(self, email: str) -> User | None:
        """GitHub links a commit to an account through the commit's email."""
        email = email.lower()
        for user in self.users.values():
            if (user.email and user.email.lower() == email) or user.noreply_email.lower() == email:
                return user
        return None

    def token_user(self, token: str) -> User | None:
        login = self.tokens.get(token)
        return self.user(login) if login else None

    # -- repositories -------------------------------------------------------------------

    def repo(self, owner: str, name: str) -> Repo:
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise not_found()
        return repo

    def find_repo(self, full_name: str) -> Repo | None:
        return self.repos.get(full_name.lower())

    def register_repo(self, repo: Repo) -> None:
        with self.lock:
            self.repos[repo.full_name.lower()] = repo
            self.repos_by_id[repo.id] = repo

    def network(self, repo: Repo) -> list[Repo]:
        root = repo.network_root
        return [r for r in self.repos.values() if r.network_root is root]

    def role(self, repo: Repo, user: User) -> str:
        """The effective role of a (known) user on a repository."""
        if user.login.lower() in repo.roles:
            return repo.roles[user.login.lower()]
        if user.login.lower() == repo.owner.login.lower():
            return "admin"
        if user.login in self.tokens.values():
            return repo.token_role
        # Anybody can read a public repository; a private one is invisible.
        return "none" if repo.private else "read"

    def require_role(self, repo: Repo, user: User, wanted: str) -> None:
        role = self.role(repo, user)
        if role == "none":
            raise not_found()  # GitHub hides private repositories rather than refusing
        if not role_at_least(role, wanted):
            if user.type == "Bot":
                raise ApiError(403, "Resource not accessible by integration")
            raise ApiError(403, "Must have push access to repository")

    # -- issues ---------------------------------------------------------------------------

    def new_issue(self, repo: Repo, title: str, body: str | None, user: User) -> Issue:
        with self.lock:
            ts = now_iso()
            issue = Issue(repo.next_number, self.next_id("issue"), repo, title, body, user, ts, ts)
            repo.next_number += 1
            repo.issues[issue.number] = issue
            return issue

    def issue(self, repo: Repo, number: int) -> Issue:
        issue = repo.issues.get(number)
        if issue is None:
            raise not_found()
        return issue

    def pull(self, repo: Repo, number: int) -> Issue:
        issue = repo.issues.get(number)
        if issue is None or issue.pull is None:
            raise not_found()
        return issue

    def refresh_head(self, issue: Issue) -> str:
        """The PR's head SHA follows its branch, as on GitHub when someone pushes."""
        assert issue.pull is not None
        pull = issue.pull
        if pull.merged_at is None and issue.state == "open":
            sha = pull.head_repo.store.ref_sha(f"refs/heads/{pull.head_ref}")
            if sha and sha != pull.head_sha:
                pull.head_sha = sha
        # GitHub keeps refs/pull/N/head in the base repository up to date.
        ref = f"refs/pull/{issue.number}/head"
        store = issue.repo.store
        current = store.ref_sha(ref)
        if current != pull.head_sha:
            try:
                store.update_ref(ref, pull.head_sha, current)
            except RefConflict:
                pass  # a concurrent refresh already moved it; the next one retries
        return pull.head_sha

    def branch_deleted(self, repo: Repo, branch: str) -> None:
        """GitHub closes the open pull requests whose head branch was deleted."""
        with self.lock:
            for target in self.network(repo):
                for issue in target.issues.values():
                    p = issue.pull
                    if p and issue.state == "open" and p.head_repo is repo and p.head_ref == branch:
                        issue.state = "closed"
                        issue.closed_at = issue.updated_at = now_iso()

    def add_comment(self, repo: Repo, issue: Issue, user: User, body: str) -> Comment:
        with self.lock:
            ts = now_iso()
            comment = Comment(self.next_id("comment"), repo, issue.number, user, body, ts, ts)
            self.comments[comment.id] = comment
            issue.comment_ids.append(comment.id)
            issue.updated_at = ts
            return comment

    def comment(self, repo: Repo, comment_id: int) -> Comment:
        comment = self.comments.get(comment_id)
        if comment is None or comment.repo is not repo:
            raise not_found()
        return comment

    def label(self, repo: Repo, name: str, create: bool = False) -> Label:
        with self.lock:
            label = repo.labels.get(name.lower())
            if label is None:
                if not create:
                    raise not_found()
                # Adding an unknown label to an issue creates it with GitHub's grey.
                label = Label(self.next_id("label"), name, "ededed")
                repo.labels[name.lower()] = label
            return label
