"""``FakeGitHub``: the test-facing facade over the server, the state and the git repositories.

A test starts one (usually through the ``fake_github`` fixture), seeds
repositories with ``create_repo``/``create_fork``, plays the humans
(``FakeRepo.commit``, ``open_pull``, ``add_comment``), points the code under
test at ``api_url`` with a token, arms faults, and finally asserts on the
request log and on the server state.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .faults import Fault, FaultRegistry
from .gitstore import CommitObject, GitStore, Person, RefConflict, run_git
from .handlers.pulls import open_pull
from .requestlog import RequestLog, RequestRecord
from .server import App, FakeGitHubServer
from .state import ROLES, Repo, State, User

if TYPE_CHECKING:
    from github import Github

DEFAULT_TOKEN = "ghs_fakegithub0000000000000000000000000"
DEFAULT_LOGIN = "modcon-bot[bot]"

# A file given to the seeding helpers: text, bytes, or (content, mode) for
# executables ("100755") and symlinks ("120000"); None deletes (commits only).
FileSpec = str | bytes | tuple[str | bytes, str] | None


@dataclass(frozen=True)
class CommitInfo:
    """A commit as a test wants to look at it."""

    sha: str
    message: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    parents: tuple[str, ...]
    tree: str
    verified: bool  # True only for API commits GitHub would have signed

    @classmethod
    def of(cls, c: CommitObject, verified: bool) -> CommitInfo:
        return cls(c.sha, c.message, c.author.name, c.author.email, c.committer.name, c.committer.email,
                   c.parents, c.tree, verified)


def _as_bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


class FakeRepo:
    """Test-side handle on one fake repository and its bare git directory."""

    def __init__(self, fake: FakeGitHub, repo: Repo) -> None:
        self._fake = fake
        self._repo = repo

    @property
    def full_name(self) -> str:
        return self._repo.full_name

    @property
    def owner(self) -> str:
        return self._repo.owner.login

    @property
    def name(self) -> str:
        return self._repo.name

    @property
    def id(self) -> int:
        return self._repo.id

    @property
    def git_dir(self) -> Path:
        return self._repo.git_dir

    @property
    def default_branch(self) -> str:
        return self._repo.default_branch

    @property
    def store(self) -> GitStore:
        return self._repo.store

    # -- reading -------------------------------------------------------------------------------

    def branch_sha(self, branch: str) -> str | None:
        return self.store.ref_sha(f"refs/heads/{branch}")

    def refs(self) -> dict[str, str]:
        return self.store.list_refs()

    def _tree_of(self, ref: str | None) -> str:
        sha = self.store.resolve(ref or self.default_branch)
        if sha is None:
            raise KeyError(f"{self.full_name}: no such ref {ref!r}")
        return self.store.read_commit(sha).tree

    def read_bytes(self, path: str, ref: str | None = None) -> bytes:
        """Content of ``path`` at ``ref`` (default branch if None); FileNotFoundError if absent."""
        entry = self.store.entry_at(self._tree_of(ref), path)
        if entry is None or entry.type != "blob":
            raise FileNotFoundError(f"{self.full_name}@{ref or self.default_branch}: {path}")
        return self.store.read_blob(entry.sha)

    def mode(self, path: str, ref: str | None = None) -> str | None:
        """The git mode of ``path`` at ``ref`` (``100644``, ``120000``...), None if absent."""
        entry = self.store.entry_at(self._tree_of(ref), path)
        return entry.mode if entry is not None else None

    def read_file(self, path: str, ref: str | None = None) -> str:
        return self.read_bytes(path, ref).decode("utf-8")

    def files(self, ref: str | None = None) -> dict[str, str]:
        """Every file at ``ref`` as ``{path: text}`` (binary content decoded with replacement)."""
        leaves = self.store.flatten(self._tree_of(ref))
        return {p: self.store.read_blob(sha).decode("utf-8", errors="replace")
                for p, (mode, sha) in sorted(leaves.items()) if mode != "160000"}

    def commits(self, branch: str | None = None) -> list[CommitInfo]:
        """Commits reachable from ``branch`` (default branch if None), newest first."""
        tip = self.store.resolve(branch or self.default_branch)
        if tip is None:
            return []
        meta = self._fake.state.commit_meta
        return [CommitInfo.of(c, bool(meta.get(c.sha) and meta[c.sha].verified))
                for c in self.store.read_commits(self.store.rev_list(tip))]

    # -- writing, as a human would with git push --------------------------------------------------

    def commit(self, branch: str, files: Mapping[str, FileSpec], message: str = "Update files", *,
               author_name: str | None = None, author_email: str | None = None,
               from_ref: str | None = None) -> str:
        """Commit ``files`` on top of ``branch`` and move the branch (compare-and-swap).

        A missing branch is created from ``from_ref`` (default branch if None).
        Values of None delete the path. Returns the new commit SHA.
        """
        owner = self._repo.owner
        author = Person.now(author_name or owner.name or owner.login, author_email or owner.email or
                            owner.noreply_email)
        ref = f"refs/heads/{branch}"
        old = self.store.ref_sha(ref)
        parent = old or (self.store.resolve(from_ref or self.default_branch) if not self.store.is_empty() else None)
        leaves = self.store.flatten(self.store.read_commit(parent).tree) if parent else {}
        _apply_files(self.store, leaves, files)
        tree = self.store.write_tree(leaves)
        sha = self.store.commit_tree(tree, [parent] if parent else [], message, author, author)
        self.store.update_ref(ref, sha, old)
        return sha

    def create_branch(self, name: str, from_ref: str | None = None) -> str:
        sha = self.store.resolve(from_ref or self.default_branch)
        if sha is None:
            raise KeyError(from_ref)
        self.store.update_ref(f"refs/heads/{name}", sha, None)
        return sha

    def delete_branch(self, name: str) -> None:
        ref = f"refs/heads/{name}"
        old = self.store.ref_sha(ref)
        if old is None:
            raise KeyError(name)
        self.store.delete_ref(ref, old)
        self._fake.state.branch_deleted(self._repo, name)

    def set_ref(self, ref: str, sha: str) -> None:
        """Force a ref to ``sha`` (a force-push)."""
        self.store.update_ref(ref, sha, self.store.ref_sha(ref))

    def clone(self, dest: Path | str, branch: str | None = None) -> Path:
        """``git clone`` the bare repository into ``dest`` (a workspace for the code under test)."""
        args = ["clone", "--quiet"]
        if branch:
            args += ["--branch", branch]
        run_git(args + [str(self.git_dir), str(dest)])
        return Path(dest)

    def __repr__(self) -> str:
        return f"FakeRepo({self.full_name!r}, git_dir={str(self.git_dir)!r})"


def _apply_files(store: GitStore, leaves: dict[str, tuple[str, str]], files: Mapping[str, FileSpec]) -> None:
    writes: list[tuple[str, str, bytes]] = []
    for path, spec in files.items():
        path = path.strip("/")
        if spec is None:
            leaves.pop(path, None)
            for key in [k for k in leaves if k.startswith(path + "/")]:
                del leaves[key]
            continue
        content, mode = (spec if isinstance(spec, tuple) else (spec, "100644"))
        writes.append((path, mode, _as_bytes(content)))
    shas = store.write_blobs([data for _, _, data in writes])
    for (path, mode, _), sha in zip(writes, shas, strict=True):
        leaves[path] = (mode, sha)


class FakeGitHub:
    """A local GitHub REST API over real git repositories. See the package docstring."""

    def __init__(self, root: Path | str | None = None, *, token: str = DEFAULT_TOKEN,
                 login: str = DEFAULT_LOGIN, user_type: str = "Bot") -> None:
        self._own_root = root is None
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="fakegithub-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.state = State(self.root)
        self.faults = FaultRegistry()
        self.log = RequestLog()
        self.app = App(self.state, self.faults, self.log)
        self.token = token
        self.bot = self.add_token(token, login, type=user_type)
        self._server: FakeGitHubServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        self._server = FakeGitHubServer(self.app)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fakegithub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> FakeGitHub:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def server_url(self) -> str:
        """The web base, for ``GITHUB_SERVER_URL`` (html_url values live under it)."""
        if not self.app.server_url:
            raise RuntimeError("FakeGitHub is not started")
        return self.app.server_url

    @property
    def api_url(self) -> str:
        """The REST base, for ``GITHUB_API_URL`` and PyGithub's ``base_url`` (GHES style)."""
        return self.server_url + "/api/v3"

    def client(self, token: str | None = None, *, retry: Any = None, timeout: int = 10, per_page: int = 30,
               **kwargs: Any) -> Github:
        """A ``github.Github`` pointed at this server.

        No retries unless ``retry`` is given (so faults surface), and none of
        PyGithub's default pacing between requests (which would slow tests).
        """
        from github import Auth, Github

        kwargs.setdefault("seconds_between_requests", None)
        kwargs.setdefault("seconds_between_writes", None)
        return Github(auth=Auth.Token(token or self.token), base_url=self.api_url, timeout=timeout,  # type: ignore[arg-type]
                      per_page=per_page, retry=retry, **kwargs)

    @property
    def server_errors(self) -> list[str]:
        """Tracebacks of requests the fake itself crashed on (should stay empty)."""
        return list(self.app.errors)

    # -- users, tokens, permissions ------------------------------------------------------------------

    def add_user(self, login: str, *, type: str = "User", name: str | None = None, email: str | None = None) -> User:
        """Register an account; its ``email`` links commits to it (``commit.author.login``)."""
        return self.state.add_user(login, type, name, email or f"{login.lower()}@example.com")

    def add_token(self, token: str, login: str, *, type: str = "User") -> User:
        """Accept ``token`` (as ``token X`` or ``Bearer X``) as ``login``."""
        user = self.state.add_user(login, type, login, None if type == "Bot" else f"{login.lower()}@example.com")
        self.state.tokens[token] = user.login
        return user

    def set_permission(self, repo: str, login: str, role: str) -> None:
        """Give ``login`` a role on ``repo``: admin, maintain, write, triage, read or none."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        if self.state.user(login) is None:
            self.add_user(login)
        self._repo(repo).roles[login.lower()] = role

    # -- repositories ------------------------------------------------------------------------------

    def _repo(self, full_name: str) -> Repo:
        repo = self.state.find_repo(full_name)
        if repo is None:
            raise KeyError(full_name)
        return repo

    def repo(self, full_name: str) -> FakeRepo:
        return FakeRepo(self, self._repo(full_name))

    def _owner(self, login: str) -> User:
        return self.state.user(login) or self.add_user(login, name=login)

    def create_repo(self, full_name: str, files: Mapping[str, FileSpec] | None = None, *,
                    default_branch: str = "main", private: bool = False, description: str | None = None,
                    message: str = "Initial commit", token_role: str = "write") -> FakeRepo:
        """A repository seeded with one commit of ``files``; no files gives an empty repository.

        Token users (the bot) get ``token_role`` unless ``set_permission`` says otherwise.
        """
        owner_login, _, name = full_name.partition("/")
        if not name or self.state.find_repo(full_name):
            raise ValueError(f"bad or duplicate repository name {full_name!r}")
        owner = self._owner(owner_login)
        store = GitStore.init_bare(self.root / "repos" / f"{owner_login}__{name}.git", default_branch)
        repo = Repo(self.state.next_id("repo"), owner, name, store, default_branch, private,
                    description=description, token_role=token_role)
        self.state.register_repo(repo)
        handle = FakeRepo(self, repo)
        if files:
            handle.commit(default_branch, files, message)
        return handle

    def create_fork(self, source: str, fork_full_name: str, *, token_role: str = "read",
                    default_branch_only: bool = False) -> FakeRepo:
        """Fork ``source``: same object store (a fork network), copied branches and tags.

        By default the bot can only read the fork, as an App installed on the
        upstream repository cannot push to a contributor's fork.
        """
        parent = self._repo(source)
        owner_login, _, name = fork_full_name.partition("/")
        if not name or self.state.find_repo(fork_full_name):
            raise ValueError(f"bad or duplicate repository name {fork_full_name!r}")
        owner = self._owner(owner_login)
        store = GitStore.init_fork(parent.store, self.root / "repos" / f"{owner_login}__{name}.git",
                                   parent.default_branch)
        refs = parent.store.list_refs()
        lines = [f"create {ref} {sha}\n" for ref, sha in refs.items()
                 if ref.startswith("refs/tags/") or (
                     ref.startswith("refs/heads/")
                     and (not default_branch_only or ref == f"refs/heads/{parent.default_branch}"))]
        if lines:
            store.git("update-ref", "--stdin", input="".join(lines).encode())
        repo = Repo(self.state.next_id("repo"), owner, name, store, parent.default_branch, parent.private,
                    parent=parent, description=parent.description, token_role=token_role)
        self.state.register_repo(repo)
        return FakeRepo(self, repo)

    # -- humans acting on the server -------------------------------------------------------------------

    def open_pull(self, repo: str, head: str, base: str | None = None, title: str = "A change", body: str = "",
                  *, user: str | None = None, draft: bool = False) -> int:
        """Open a pull request as ``user`` (default: the repository owner); returns its number.

        ``head`` is ``branch`` or ``owner:branch`` for a fork, as in the API.
        """
        target = self._repo(repo)
        with self.state.lock:
            author = self._owner(user) if user else target.owner
            issue = open_pull(self.state, target, author, head, base or target.default_branch, title, body, draft)
            return issue.number

    def create_issue(self, repo: str, title: str, body: str = "", *, user: str | None = None) -> int:
        target = self._repo(repo)
        with self.state.lock:
            author = self._owner(user) if user else target.owner
            return self.state.new_issue(target, title, body, author).number

    def add_comment(self, repo: str, number: int, body: str, *, user: str | None = None) -> int:
        """Comment on an issue or pull request as ``user``; returns the comment id."""
        target = self._repo(repo)
        with self.state.lock:
            author = self._owner(user) if user else target.owner
            return self.state.add_comment(target, self.state.issue(target, number), author, body).id

    def merge_pull(self, repo: str, number: int, *, user: str | None = None) -> str:
        """Merge a pull request as the "Merge pull request" button does: a merge
        commit on the base branch (a real three-way merge); returns its SHA."""
        from .state import now_iso
        target = self._repo(repo)
        with self.state.lock:
            issue = self.state.pull(target, number)
            p = issue.pull
            assert p is not None and issue.state == "open", "only an open pull request merges"
            head = self.state.refresh_head(issue)
            store = target.store
            base_ref = f"refs/heads/{p.base_ref}"
            base = store.ref_sha(base_ref)
            assert base is not None
            merged = store.git("merge-tree", "--write-tree", base, head, check=False)
            if merged.returncode != 0:
                raise ValueError(f"#{number} does not merge cleanly")
            tree = merged.stdout.decode().split()[0]
            who = self._owner(user) if user else target.owner
            person = Person.now(who.name or who.login, who.email or who.noreply_email)
            sha = store.commit_tree(tree, [base, head],
                                    f"Merge pull request #{number} from {p.head_repo.owner.login}/{p.head_ref}",
                                    person, person)
            store.update_ref(base_ref, sha, base)
            issue.state = "closed"
            issue.closed_at = p.merged_at = now_iso()
            return sha

    def set_actions_can_open_pulls(self, repo: str, allowed: bool) -> None:
        """The repository setting "Allow GitHub Actions to create and approve pull requests"."""
        self._repo(repo).actions_can_open_pulls = allowed

    def close_pull(self, repo: str, number: int, *, merged: bool = False) -> None:
        from .state import now_iso
        target = self._repo(repo)
        with self.state.lock:
            issue = self.state.pull(target, number)
            issue.state = "closed"
            issue.closed_at = now_iso()
            if merged and issue.pull is not None:
                issue.pull.merged_at = issue.closed_at

    # -- request log ------------------------------------------------------------------------------------

    def requests(self, method: str | None = None, path_prefix: str | None = None) -> list[RequestRecord]:
        """Served requests, oldest first, optionally filtered (paths have no /api/v3 prefix)."""
        return [r for r in self.log.snapshot()
                if (method is None or r.method == method.upper())
                and (path_prefix is None or r.path.startswith(path_prefix))]

    def write_requests(self) -> list[RequestRecord]:
        """Every request that could change something (anything but GET/HEAD)."""
        return [r for r in self.log.snapshot() if r.is_write]

    def unknown_requests(self) -> list[RequestRecord]:
        """Authenticated requests that matched no modelled endpoint (answered 404 "Not Found")."""
        return [r for r in self.log.snapshot() if r.route is None and r.login is not None]

    def reset_log(self) -> None:
        self.log.clear()

    # -- faults -------------------------------------------------------------------------------------------

    def fail(self, method: str | None, path: str, status: int = 502, *, times: int | None = 1,
             message: str = "Server Error") -> Fault:
        """Answer ``status`` (502 with GitHub's HTML page, else JSON with ``message``)
        without handling the request."""
        return self.faults.add("status", method, path, times, status=status, message=message)

    def secondary_rate_limit(self, method: str | None, path: str, *, retry_after: int = 1,
                             times: int | None = 1) -> Fault:
        """403 with ``Retry-After`` and GitHub's secondary-rate-limit message."""
        return self.faults.add("secondary_rate_limit", method, path, times, retry_after=retry_after)

    def slow(self, method: str | None, path: str, seconds: float, *, times: int | None = 1) -> Fault:
        """Sleep ``seconds`` before handling (the request is still applied afterwards)."""
        return self.faults.add("slow", method, path, times, seconds=seconds)

    def before(self, method: str | None, path: str, callback: Callable[[], object], *,
               times: int | None = 1) -> Fault:
        """Run ``callback`` just before handling a matching request ("the ref moved")."""
        return self.faults.add("before", method, path, times, callback=callback)

    def apply_then_fail(self, method: str | None, path: str, *, status: int = 502, times: int | None = 1) -> Fault:
        """Handle the request (state changes) but answer ``status``: a lost response."""
        return self.faults.add("apply_then_502", method, path, times, status=status)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -- state inspection -------------------------------------------------------------------------------------

    def pulls(self, repo: str) -> list[dict[str, Any]]:
        target = self._repo(repo)
        with self.state.lock:
            out = []
            for issue in sorted(target.issues.values(), key=lambda i: i.number):
                if issue.pull is None:
                    continue
                p = issue.pull
                self.state.refresh_head(issue)
                out.append({
                    "number": issue.number, "title": issue.title, "body": issue.body, "state": issue.state,
                    "draft": p.draft, "merged": p.merged_at is not None, "labels": list(issue.labels),
                    "user": issue.user.login,
                    "head": {"ref": p.head_ref, "sha": p.head_sha, "repo": p.head_repo.full_name},
                    "base": {"ref": p.base_ref, "sha": target.store.ref_sha(f"refs/heads/{p.base_ref}")},
                })
            return out

    def issues(self, repo: str) -> list[dict[str, Any]]:
        """The issues that are not pull requests."""
        target = self._repo(repo)
        with self.state.lock:
            return [{"number": i.number, "title": i.title, "body": i.body, "state": i.state,
                     "user": i.user.login, "labels": list(i.labels)}
                    for i in sorted(target.issues.values(), key=lambda i: i.number) if i.pull is None]

    def comments(self, repo: str, number: int | None = None) -> list[dict[str, Any]]:
        target = self._repo(repo)
        with self.state.lock:
            out = []
            for c in sorted(self.state.comments.values(), key=lambda c: c.id):
                if c.repo is target and (number is None or c.issue_number == number):
                    out.append({"id": c.id, "number": c.issue_number, "user": c.user.login, "body": c.body,
                                "created_at": c.created_at, "updated_at": c.updated_at,
                                "reactions": [{"content": r.content, "user": r.user.login} for r in c.reactions]})
            return out

    def reviews(self, repo: str, number: int) -> list[dict[str, Any]]:
        target = self._repo(repo)
        with self.state.lock:
            issue = self.state.pull(target, number)
            assert issue.pull is not None
            return [{"id": r.id, "user": r.user.login, "state": r.state, "body": r.body, "commit_id": r.commit_id,
                     "comments": [{"path": c.path, "line": c.line, "side": c.side, "start_line": c.start_line,
                                   "start_side": c.start_side, "body": c.body} for c in r.comments]}
                    for r in issue.pull.reviews]

    def labels(self, repo: str) -> list[dict[str, Any]]:
        target = self._repo(repo)
        return [{"name": lb.name, "color": lb.color, "description": lb.description}
                for lb in target.labels.values()]

    def issue_labels(self, repo: str, number: int) -> list[str]:
        return list(self.state.issue(self._repo(repo), number).labels)

    def refs(self, repo: str) -> dict[str, str]:
        return self._repo(repo).store.list_refs()

    def commit_record(self, sha: str) -> dict[str, bool] | None:
        """For a commit made through the API: whether author/committer were given, and if it is verified."""
        meta = self.state.commit_meta.get(sha)
        if meta is None:
            return None
        return {"author_given": meta.author_given, "committer_given": meta.committer_given,
                "verified": meta.verified}


__all__ = ["DEFAULT_LOGIN", "DEFAULT_TOKEN", "CommitInfo", "FakeGitHub", "FakeRepo", "RefConflict"]
