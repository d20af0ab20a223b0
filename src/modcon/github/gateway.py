"""The GitHub operations modcon uses, through PyGithub, surviving GitHub's failures.

This is the only module that imports PyGithub. Each operation returns plain
values, so PyGithub's lazy attribute loading happens inside the retry loop.

Failures are survived, not hidden: 5xx answers, timeouts and connection
errors are retried with exponential backoff; a secondary rate limit is waited
out for as long as ``Retry-After`` says. Writes are made idempotent: a POST
that timed out or failed with a 5xx may still have been applied, so before
trying again the operation looks for its own result (the pull request for
the branch, the comment with the marker) and uses it if it is there. Git
objects need no such care: the same content is the same object.

What goes up is what GitHub can store. A file keeps every byte: one that is not
UTF-8 goes as a base64 blob. Titles, bodies and comments are shown text: such a
byte, quoted from a file, goes as U+FFFD (``source.lossy``).
"""
from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from typing import TypeVar
from typing import cast
from urllib.parse import quote

import requests
from github import Auth
from github import Github
from github import GithubException
from github import InputGitTreeElement
from github.Commit import Commit
from github.PullRequest import PullRequest
from github.PullRequest import ReviewComment
from github.Repository import Repository

from modcon.errors import ModconError
from modcon.named_tuple import NamedTuple
from modcon.printable import printable
from modcon.source import encode
from modcon.source import lossy
from modcon.source import undecodable

T = TypeVar('T')


class GitHubError(ModconError):
    """GitHub refused or kept failing; the message says which operation."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BranchExists(GitHubError):
    pass


class BranchMoved(GitHubError):
    """A non-force update found the branch somewhere else: someone pushed."""


class CommitFacts(NamedTuple):
    sha: str
    message: str
    author_email: str
    committer_email: str
    parents: tuple[str, ...]


class PullFacts(NamedTuple):
    number: int
    url: str
    title: str
    body: str
    state: str
    head_ref: str
    head_sha: str
    head_repo: str
    base_ref: str
    labels: tuple[str, ...]
    merged: bool = False


class Comparison(NamedTuple):
    status: str  # 'ahead', 'behind', 'diverged' or 'identical'
    ahead_by: int
    behind_by: int
    commits: list[CommitFacts]
    files: list[tuple[str, str]] | None  # (path, status); None when GitHub cut the list
    merge_base: str = ''  # what the files are compared with (the diff is three-dot)


def _float_env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


class Gateway:
    """A connection to one GitHub (github.com or Enterprise)."""

    def __init__(self, token: str, api_url: str = 'https://api.github.com', *,
                 timeout: int | None = None, attempts: int = 5, backoff: float | None = None,
                 write_interval: float | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        interval = _float_env('MODCON_WRITE_INTERVAL', 1.0) if write_interval is None \
            else write_interval
        if timeout is None:
            timeout = int(_float_env('MODCON_HTTP_TIMEOUT', 15))
        self._gh = Github(
            auth=Auth.Token(token), base_url=api_url.rstrip('/'), timeout=timeout,
            retry=None,  # retries happen here, where writes can be made idempotent
            seconds_between_requests=None,
            # GitHub asks integrations to pace their writes (secondary rate limits).
            seconds_between_writes=interval or None,
        )
        self.attempts = attempts
        self.backoff = _float_env('MODCON_RETRY_BACKOFF', 1.0) if backoff is None else backoff
        self.max_wait = _float_env('MODCON_MAX_RATE_WAIT', 300.0)
        self.sleep = sleep

    def repo(self, full_name: str) -> RepoGateway:
        return RepoGateway(self, self._gh.get_repo(full_name, lazy=True), full_name)

    # -- retries ---------------------------------------------------------

    def _retry_after(self, exc: BaseException) -> float | None:
        """Seconds to wait before retrying after ``exc``: 0 means "back off as
        usual", None means "do not retry" (a client error, a real refusal)."""
        if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
            return 0.0
        if not isinstance(exc, GithubException):
            return None
        status = exc.status
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        if status in (403, 429):
            if 'retry-after' in headers:
                return max(float(headers['retry-after']), 0.001)
            message = str(exc.data).lower() if exc.data else ''
            if 'secondary rate limit' in message or 'abuse' in message:
                return 60.0  # GitHub's advice when it gives no Retry-After
            if headers.get('x-ratelimit-remaining') == '0' and 'x-ratelimit-reset' in headers:
                return max(1.0, float(headers['x-ratelimit-reset']) - time.time())
            return None
        if status is not None and status >= 500:
            return 0.0
        return None

    def call(self, what: str, operation: Callable[[], T], *,
             recover: Callable[[], T | None] | None = None) -> T:
        """Run ``operation``, retrying transient failures; ``recover`` finds the
        result of a write that may have been applied before it failed."""
        for attempt in range(1, self.attempts + 1):
            try:
                return operation()
            except (GithubException, requests.RequestException) as exc:
                wait = self._retry_after(exc)
                if wait is None or attempt == self.attempts:
                    raise _error(what, exc) from None
                delay = wait or self.backoff * 2 ** (attempt - 1)
                if delay > self.max_wait:
                    raise GitHubError(f'{what}: GitHub asks to wait {delay:.0f} s, more than '
                                      f'the {self.max_wait:.0f} s modcon waits') from None
                self.sleep(delay)
            if recover is not None:
                found = self._recover(recover)
                if found is not None:
                    return found
        raise AssertionError('unreachable')

    def _recover(self, recover: Callable[[], T | None]) -> T | None:
        try:
            return recover()
        except (GithubException, requests.RequestException):
            return None  # the next attempt will tell


def _error(what: str, exc: BaseException) -> GitHubError:
    if isinstance(exc, GithubException):
        message = ''
        if isinstance(exc.data, Mapping):
            message = str(exc.data.get('message', ''))
            errors = exc.data.get('errors')
            if errors:
                details = [e.get('message') or e.get('code', '') if isinstance(e, Mapping)
                           else str(e) for e in errors]
                message += ' (' + '; '.join(d for d in details if d) + ')'
        return GitHubError(f'{what}: GitHub answered {exc.status} {message}'.rstrip(), exc.status)
    return GitHubError(f'{what}: {type(exc).__name__}: {exc}')


def blob_sha(data: bytes) -> str:
    """The SHA git (and GitHub) gives a blob of ``data``."""
    return hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest()


def _unless_missing(read: Callable[[], T], missing: T) -> T:
    """``read()``, or ``missing`` when GitHub answers 404."""
    try:
        return read()
    except GithubException as exc:
        if exc.status == 404:
            return missing
        raise


# Who may have written an item that carries one of modcon's markers: the bot itself
# (the workflow token is the `github-actions[bot]` account), or an account with write
# access, whose token a workflow may give modcon instead.
_WRITERS = frozenset(('OWNER', 'MEMBER', 'COLLABORATOR'))


def _may_be_ours(item: Any) -> bool:
    """Whether modcon may have written ``item`` (an issue, comment or review): anyone
    can put a marker in their own text, and modcon would then edit that text, under
    their name, in place of its own."""
    user = getattr(item, 'user', None)
    if user is not None and getattr(user, 'type', None) == 'Bot':
        return True
    return getattr(item, 'author_association', None) in _WRITERS


def _commit_facts(commit: Commit) -> CommitFacts:
    git = commit.commit
    return CommitFacts(
        sha=commit.sha,
        message=git.message,
        author_email=(git.author.email or '') if git.author else '',
        committer_email=(git.committer.email or '') if git.committer else '',
        parents=tuple(p.sha for p in commit.parents),
    )


def _pull_facts(pull: PullRequest) -> PullFacts:
    return PullFacts(
        number=pull.number, url=pull.html_url, title=pull.title or '', body=pull.body or '',
        state=pull.state, head_ref=pull.head.ref, head_sha=pull.head.sha,
        head_repo=pull.head.repo.full_name if pull.head.repo else '',
        base_ref=pull.base.ref, labels=tuple(label.name for label in pull.labels),
        merged=pull.merged_at is not None,
    )


class RepoGateway:
    """The operations on one repository."""

    def __init__(self, gateway: Gateway, repo: Repository, full_name: str) -> None:
        self.gateway = gateway
        self._repo = repo
        self.full_name = full_name
        self.owner = full_name.split('/', 1)[0]

    def call(self, what: str, operation: Callable[[], T], *,
             recover: Callable[[], T | None] | None = None) -> T:
        return self.gateway.call(f'{what} ({self.full_name})', operation, recover=recover)

    # -- reading ---------------------------------------------------------

    def pull(self, number: int) -> PullFacts:
        return self.call(f'read pull request #{number}',
                         lambda: _pull_facts(self._repo.get_pull(number)))

    def pull_files(self, number: int) -> list[tuple[str, str]]:
        return self.call(f'list the files of pull request #{number}',
                         lambda: [(f.filename, f.status)
                                  for f in self._repo.get_pull(number).get_files()])

    def compare(self, base: str, head: str) -> Comparison:
        def run() -> Comparison:
            result = self._repo.compare(base, head)
            files = [(f.filename, f.status) for f in result.files]
            # GitHub lists at most 300 files in a comparison.
            return Comparison(result.status, result.ahead_by, result.behind_by,
                              [_commit_facts(c) for c in result.commits],
                              None if len(files) >= 300 else files,
                              result.merge_base_commit.sha)
        return self.call(f'compare {base[:12]}...{head[:12]}', run)

    def branch_sha(self, branch: str) -> str | None:
        return self.call(f'read branch {branch}', lambda: _unless_missing(
            lambda: self._repo.get_git_ref(f'heads/{branch}').object.sha, None))

    def commit_tree(self, sha: str) -> str:
        return self.call(f'read commit {sha[:12]}', lambda: self._repo.get_git_commit(sha).tree.sha)

    def read_file(self, path: str, ref: str) -> bytes | None:
        """The bytes of the regular file ``path`` at ``ref``; None for anything else.

        Not a folder, a submodule, a file too large for the contents API (its
        ``encoding`` is ``none``), nor a symbolic link: for a link to a file GitHub
        answers with the target's content, under the target's path, and a fix of
        that text committed at the link's path would replace the link.
        """
        def run() -> bytes | None:
            content = _unless_missing(lambda: self._repo.get_contents(path, ref=ref), None)
            if content is None or isinstance(content, list) or content.type != 'file' \
                    or content.encoding != 'base64' or content.path != path.strip('/'):
                return None
            return content.decoded_content
        return self.call(f'read {path} at {ref[:12]}', run)

    def file_modes(self, commit: str, paths: Iterable[str]) -> dict[str, str]:
        """The git modes (100644, 100755) of ``paths`` at ``commit``, to keep them."""
        wanted = set(paths)

        def run() -> dict[str, str]:
            tree = self._repo.get_git_tree(self._repo.get_git_commit(commit).tree.sha,
                                           recursive=True)
            return {e.path: e.mode for e in tree.tree if e.path in wanted}
        return self.call(f'read the tree of {commit[:12]}', run)

    def tree_entries(self, commit: str) -> dict[str, tuple[str, str]] | None:
        """Every file of ``commit``'s tree: path -> (mode, blob SHA); None when GitHub
        cut the listing short (a tree too large for one answer)."""
        def run() -> dict[str, tuple[str, str]] | None:
            tree = self._repo.get_git_tree(self._repo.get_git_commit(commit).tree.sha,
                                           recursive=True)
            if tree.raw_data.get('truncated'):
                return None
            return {e.path: (e.mode, e.sha) for e in tree.tree if e.type != 'tree'}
        return self.call(f'read the tree of {commit[:12]}', run)

    def _folder(self, path: str, ref: str) -> list[Any] | None:
        """The entries of folder ``path`` at ``ref``, or None when it is not a folder."""
        entries = _unless_missing(lambda: self._repo.get_contents(path or '', ref=ref), None)
        return entries if isinstance(entries, list) else None

    def list_entries(self, path: str, ref: str) -> list[str] | None:
        """Names in folder ``path`` at ``ref``, or None when it is not a folder."""
        def run() -> list[str] | None:
            entries = self._folder(path, ref)
            return None if entries is None else sorted(e.name for e in entries)
        return self.call(f'list {path or "/"} at {ref[:12]}', run)

    def pull_patches(self, number: int) -> dict[str, str]:
        """Each changed file's patch (unified diff hunks) in pull request ``number``."""
        return self.call(f'read the diff of pull request #{number}',
                         lambda: {f.filename: f.patch or ''
                                  for f in self._repo.get_pull(number).get_files()})

    def permission(self, login: str) -> str:
        """The user's permission on the repository: admin, write, read or none.

        GitHub maps maintain to write and triage to read here. A failed
        look-up is "none": whoever cannot be checked is not trusted.
        """
        try:
            return self.call(f'read the permission of {login}',
                             lambda: self._repo.get_collaborator_permission(login))
        except GitHubError:
            return 'none'

    def react(self, comment_id: int, number: int, content: str) -> None:
        self.call(f'react to comment {comment_id}',
                  lambda: self._repo.get_issue(number).get_comment(comment_id)
                  .create_reaction(content))

    def create_review(self, number: int, *, commit: str, body: str, marker: str,
                      comments: list[dict[str, Any]]) -> int:
        """One review (event COMMENT) with suggested changes; made once even if retried."""
        body = lossy(body)
        comments = [{**c, 'body': lossy(c['body'])} for c in comments]

        def find() -> int | None:
            for review in self._repo.get_pull(number).get_reviews():
                if marker in (review.body or '') and _may_be_ours(review):
                    return review.id
            return None

        def run() -> int:
            pull = self._repo.get_pull(number)
            review = pull.create_review(commit=self._repo.get_commit(commit), body=body,
                                        event='COMMENT',
                                        comments=cast('list[ReviewComment]', comments))
            return review.id
        existing = self.call(f'read the reviews of #{number}', find)
        if existing is not None:
            return existing
        return self.call(f'review pull request #{number}', run, recover=find)

    # -- writing git objects ---------------------------------------------

    def write_commit(self, *, parents: Iterable[str], base_tree: str,
                     files: Mapping[str, tuple[str, str]], message: str) -> CommitFacts:
        """A commit whose tree is ``base_tree`` with ``files`` (path -> (text, mode)).

        No author or committer is given, so GitHub makes and signs the commit
        as the token's identity (the workflow token: ``github-actions[bot]``).
        """
        parent_list = list(parents)
        for path in files:
            if undecodable(path) is not None:
                raise GitHubError(f'{printable(path)}: a file name that is not UTF-8 cannot be '
                                  f'committed through the API')

        def run() -> CommitFacts:
            tree = self._repo.get_git_tree(base_tree)
            elements = [self._tree_element(path, text, mode)
                        for path, (text, mode) in sorted(files.items())]
            new_tree = self._repo.create_git_tree(elements, base_tree=tree)
            return self._create_commit(lossy(message), new_tree, parent_list)
        return self.call('create a commit', run)

    def _tree_element(self, path: str, text: str, mode: str) -> InputGitTreeElement:
        """A file of a new tree. A text with a byte that is not UTF-8 (``source.decode``
        keeps it) cannot go as a tree's ``content``, which is a JSON string: it goes
        up first as a blob of its exact bytes, in base64."""
        if undecodable(text) is None:
            return InputGitTreeElement(path, mode, 'blob', content=text)
        data = base64.b64encode(encode(text)).decode('ascii')
        blob = self._repo.create_git_blob(data, 'base64')
        return InputGitTreeElement(path, mode, 'blob', sha=blob.sha)

    def write_tree_commit(self, *, parents: Iterable[str], tree: str, message: str) -> CommitFacts:
        """A commit with an existing tree (used to start a branch over)."""
        parent_list = list(parents)
        return self.call('create a commit', lambda: self._create_commit(
            message, self._repo.get_git_tree(tree), parent_list))

    def _create_commit(self, message: str, tree: Any, parents: list[str]) -> CommitFacts:
        parent_commits = [self._repo.get_git_commit(sha) for sha in parents]
        commit = self._repo.create_git_commit(message, tree, parent_commits)
        return CommitFacts(commit.sha, commit.message, commit.author.email or '',
                           commit.committer.email or '', tuple(parents))

    # -- branches --------------------------------------------------------

    def _write_ref(self, what: str, branch: str, sha: str, write: Callable[[], object],
                   refused: GitHubError) -> None:
        """``write()`` puts ``branch`` at ``sha``; a 422 is ``refused`` unless the
        branch is at ``sha`` already (our own earlier attempt got through). A 422
        about a branch that is not there is no race: it is said as it is."""
        def run() -> None:
            try:
                write()
            except GithubException as exc:
                if exc.status != 422:
                    raise
                current = self.branch_sha(branch)
                if current is None and isinstance(refused, BranchExists):
                    reason = _error(what, exc)
                    raise GitHubError(
                        f'{reason}, though no branch {branch} exists: another branch\'s name '
                        f'is in its way (one named like the prefix?); set the input '
                        f'pr_branch_prefix to another name', 422) from None
                if current != sha:
                    raise refused from None
        self.call(what, run)

    def create_branch(self, branch: str, sha: str) -> None:
        self._write_ref(f'create branch {branch}', branch, sha,
                        lambda: self._repo.create_git_ref(f'refs/heads/{branch}', sha),
                        BranchExists(f'branch {branch} already exists', 422))

    def _ref(self, branch: str) -> Any:
        # PyGithub's get_git_ref() points at the singular read endpoint
        # (/git/ref/...), and a loaded ref edits the URL in GitHub's answer.
        # Build the writable /git/refs/... URL here, quoting the branch name
        # ourselves: a name may hold `#`, `;` or `"` (branch names come from
        # pull requests, so they are untrusted).
        from github.GitRef import GitRef

        url = f'{self._repo.url}/git/refs/heads/{quote(branch, safe="/")}'
        return GitRef(self._repo.requester, url=url, attributes={'ref': f'refs/heads/{branch}'})

    def move_branch(self, branch: str, sha: str) -> None:
        """Fast-forward ``branch`` to ``sha``; BranchMoved if that is not a fast-forward."""
        self._write_ref(f'update branch {branch}', branch, sha,
                        lambda: self._ref(branch).edit(sha, force=False),
                        BranchMoved(f'branch {branch} moved; not a fast-forward', 422))

    def delete_branch(self, branch: str) -> None:
        def run() -> None:
            try:
                self._ref(branch).delete()
            except GithubException as exc:
                if exc.status not in (404, 422):
                    raise
        self.call(f'delete branch {branch}', run)

    # -- pull requests ---------------------------------------------------

    def latest_pull(self, branch: str, base: str) -> PullFacts | None:
        """The newest pull request from ``branch`` into ``base``, open, closed or merged."""
        def run() -> PullFacts | None:
            for pull in self._repo.get_pulls(state='all', head=f'{self.owner}:{branch}',
                                             base=base, sort='created', direction='desc'):
                if pull.head.ref == branch:
                    return _pull_facts(pull)
            return None
        return self.call(f'look for the pull requests of {branch}', run)

    def find_pull(self, branch: str, base: str) -> PullFacts | None:
        def run() -> PullFacts | None:
            for pull in self._repo.get_pulls(state='open', head=f'{self.owner}:{branch}',
                                             base=base):
                if pull.head.ref == branch:
                    return _pull_facts(pull)
            return None
        return self.call(f'look for the pull request of {branch}', run)

    def create_pull(self, *, title: str, body: str, branch: str, base: str) -> PullFacts:
        title, body = lossy(title), lossy(body)

        def run() -> PullFacts:
            try:
                pull = self._repo.create_pull(base=base, head=branch, title=title, body=body,
                                              maintainer_can_modify=True)
            except GithubException as exc:
                if exc.status == 422 and 'already exists' in str(exc.data):
                    existing = self.find_pull(branch, base)
                    if existing is not None:
                        return existing
                raise
            return _pull_facts(pull)
        return self.call(f'open a pull request from {branch}', run,
                         recover=lambda: self.find_pull(branch, base))

    def edit_pull(self, number: int, **fields: str) -> None:
        fields = {name: lossy(value) for name, value in fields.items()}
        self.call(f'update pull request #{number}',
                  # the callers name edit()'s own keywords: title, body, state
                  lambda: self._repo.get_pull(number).edit(**fields))  # type: ignore[arg-type]

    def add_labels(self, number: int, labels: Iterable[str]) -> None:
        wanted = [label for label in labels if label]
        if not wanted:
            return

        def ensure() -> None:
            existing = {label.name for label in self._repo.get_labels()}
            for name in wanted:
                if name not in existing:
                    try:
                        self._repo.create_label(name, '1d76db',
                                                'Changes proposed by modcon')
                    except GithubException as exc:
                        if exc.status != 422:  # already exists: another run made it
                            raise
            self._repo.get_issue(number).add_to_labels(*wanted)
        self.call(f'label pull request #{number}', ensure)

    # -- issues ----------------------------------------------------------

    def find_issue(self, marker: str) -> tuple[int, str, str] | None:
        """The issue whose body starts with ``marker``: (number, state, body).

        Open issues are searched first, then the last 100 closed ones (the
        bot closes its issue when it has nothing to say, and reopens it).
        """
        def run() -> tuple[int, str, str] | None:
            for state, pages in (('open', None), ('closed', 1)):
                listing = self._repo.get_issues(state=state, sort='updated', direction='desc')
                for n, issue in enumerate(listing):
                    if pages is not None and n >= 100 * pages:
                        break
                    if issue.pull_request is None and (issue.body or '').startswith(marker) \
                            and _may_be_ours(issue):
                        return issue.number, issue.state, issue.body or ''
            return None
        return self.call('look for the dashboard issue', run)

    def create_issue(self, *, title: str, body: str, marker: str) -> int:
        title, body = lossy(title), lossy(body)

        def recover() -> int | None:
            found = self.find_issue(marker)
            return found[0] if found else None
        return self.call('open an issue', lambda: self._repo.create_issue(title=title,
                                                                          body=body).number,
                         recover=recover)

    def edit_issue(self, number: int, **fields: str) -> None:
        fields = {name: lossy(value) for name, value in fields.items()}
        self.call(f'update issue #{number}',
                  # the callers name edit()'s own keywords: title, body, state
                  lambda: self._repo.get_issue(number).edit(**fields))  # type: ignore[arg-type]

    # -- comments --------------------------------------------------------

    def find_comment(self, number: int, marker: str) -> tuple[int, str] | None:
        def run() -> tuple[int, str] | None:
            for comment in self._repo.get_issue(number).get_comments():
                if marker in (comment.body or '') and _may_be_ours(comment):
                    return comment.id, comment.body
            return None
        return self.call(f'read the comments of #{number}', run)

    def upsert_comment(self, number: int, marker: str, body: str) -> int:
        """Edit the comment carrying ``marker``, or create it; returns its id."""
        body = lossy(body)
        existing = self.find_comment(number, marker)
        if existing is not None:
            comment_id, old = existing
            if old != body:
                self.call(f'edit comment {comment_id}',
                          lambda: self._repo.get_issue(number).get_comment(comment_id).edit(body))
            return comment_id

        def recover() -> int | None:
            found = self.find_comment(number, marker)
            return found[0] if found else None
        return self.call(f'comment on #{number}',
                         lambda: self._repo.get_issue(number).create_comment(body).id,
                         recover=recover)

