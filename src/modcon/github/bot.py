"""Deliver a fix plan as the bot's pull request: one branch per base, updated in place.

The branch is ``<prefix>/<base>``. Its commits are made with the Git Data
API (no git in the container, no custom author, so GitHub signs them), one
per rule. Every ref update is a fast-forward, never a force push: an update
first records a commit that starts over from the base (its parents are the
old head and, when the base moved on, the new base), then the per-rule
commits. So a run that lost a race sees its update refused and looks again,
and nobody's commits are ever overwritten. If anyone else pushed to the
branch, the bot stops and says why in a comment.

The pull request's life after that, as the next run sees it:

* the branch already builds on a newer commit of the base than this run's
  (runs finishing out of order, an old run re-run): left as it is;
* open, someone else's commits on the branch (a `/modcon fix` commit counts as
  someone else's: a person asked for it): stopped (a comment says how to have
  modcon start afresh);
* closed or merged, someone else's commits on the branch: the branch is kept
  as ``<branch>-closed-<date>`` and modcon starts afresh with a new pull
  request (a merged or closed pull request is never reopened);
* closed by a person with only modcon's commits and the same fixes (the same
  rules in the same files, whatever else changed in them): left closed
  (declined) until the fixes change;
* a branch without a pull request (GitHub refused to open one): adopted;
* nothing left to fix: the open pull request is closed, the branch deleted.
"""
from __future__ import annotations

import datetime
import enum
import hashlib
import re
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

from modcon.engine.fixloop import FixPlan
from modcon.engine.fixloop import RuleChange
from modcon.github import markdown as md
from modcon.github import prbody
from modcon.github.gateway import BranchExists
from modcon.github.gateway import BranchMoved
from modcon.github.gateway import CommitFacts
from modcon.github.gateway import Comparison
from modcon.github.gateway import GitHubError
from modcon.github.gateway import PullFacts
from modcon.github.gateway import RepoGateway
from modcon.github.gateway import blob_sha
from modcon.named_tuple import NamedTuple
from modcon.source import encode

COMMIT_PREFIX = 'modcon: '
STOPPED_MARKER = '<!-- modcon:stopped -->'
CLOSED_MARKER = '<!-- modcon:closed -->'
SET_ASIDE_MARKER = '<!-- modcon:set-aside -->'
WEB_FLOW = 'noreply@github.com'  # GitHub's committer for commits made through the API
ATTEMPTS = 4
# The subjects of the bot's own commits (``_commit_message`` and the restart).
_OWN_SUBJECT = re.compile(rf'{COMMIT_PREFIX}(?:MC\d+ |start again from )')
ACTIONS_SETTING = ('Settings → Actions → General → Workflow permissions → "Allow GitHub '
                   'Actions to create and approve pull requests"')


class Outcome(enum.StrEnum):
    """What a run did with the bot's pull request (the Action's ``pr_outcome``)."""

    OPENED = 'opened'
    UPDATED = 'updated'
    UNCHANGED = 'unchanged'  # it already holds these fixes
    CLOSED = 'closed'  # nothing left to fix
    STOPPED = 'stopped'  # someone else pushed to its branch
    DECLINED = 'declined'  # closed by a person, and the fixes are the same
    NOTHING = 'nothing'  # nothing to fix and no pull request
    FAILED = 'failed'  # ``message`` says why and what to change

    @property
    def delivered(self) -> bool:
        """Whether the pull request now holds the fixes."""
        return self in (Outcome.OPENED, Outcome.UPDATED, Outcome.UNCHANGED)


class BotResult(NamedTuple):
    outcome: Outcome
    pull: PullFacts | None
    message: str
    commits: tuple[str, ...] = ()


def branch_name(prefix: str, base: str) -> str:
    return f'{prefix.strip("/")}/{base}'


def deliver(repo: RepoGateway, plan: FixPlan, *, base: str, base_sha: str, prefix: str,
            labels: Iterable[str], docs_url: str, modes: Mapping[str, str],
            run_url: str | None = None,
            verified: Sequence[prbody.Verified] = ()) -> BotResult:
    """Open, update, leave alone or close the bot's pull request for ``plan``.

    GitHub's refusals and lasting failures end as a ``failed`` result whose
    message names the cause and what to change; nothing is retried blindly.
    """
    branch = branch_name(prefix, base)
    try:
        for _ in range(ATTEMPTS):
            try:
                return _deliver_once(repo, plan, base=base, base_sha=base_sha, branch=branch,
                                     labels=tuple(labels), docs_url=docs_url, modes=modes,
                                     run_url=run_url, verified=verified)
            except (BranchExists, BranchMoved):
                continue  # another run (or a person) moved the branch: look again
    except GitHubError as exc:
        return BotResult(Outcome.FAILED, None, explain_failure(exc, branch))
    return BotResult(Outcome.FAILED, None, f'branch {branch} kept moving while modcon updated it, '
                                     f'so it was left as it is; the next run tries again')


def explain_failure(exc: GitHubError, branch: str) -> str:
    """What went wrong, in words that say what to change."""
    text = str(exc)
    if exc.status == 403 and 'not permitted to create or approve pull requests' in text:
        return (f'{text}. Turn on {ACTIONS_SETTING}, or pass a GitHub App token as '
                f'github_token. The fixes wait on branch {branch}; the next run opens the '
                f'pull request.')
    if exc.status in (401, 403, 404):
        return (f'{text}. The token may not do this: give the job the permissions '
                f'`contents: write` and `pull-requests: write` (or pass a token that has them).')
    if exc.status is None or exc.status >= 500:
        return (f'{text}. GitHub kept failing; nothing is lost: the next run carries on from '
                f'where this one stopped.')
    return f'{text}.'


def identities(state: prbody.BodyState | None) -> frozenset[str]:
    """The author emails of the bot's own commits on its branch, as its body records
    them: one per token it ran with (the workflow token, then a GitHub App's, say)."""
    if state is None:
        return frozenset()
    listed = state.data.get('emails')
    if isinstance(listed, list):
        return frozenset(str(e) for e in listed if e)
    email = state.data.get('email')  # a body written before the list
    return frozenset((str(email),)) if email else frozenset()


def _is_ours(commit: CommitFacts, emails: frozenset[str]) -> bool:
    """Whether the bot made ``commit`` on its own: one rule's fixes, or a restart. A
    `/modcon fix` commit (same token, same prefix) was a person's request, and what
    it changed must not be dropped by the next restart."""
    if not _OWN_SUBJECT.match(commit.message):
        return False
    if emails:
        return commit.author_email in emails
    return commit.committer_email == WEB_FLOW


def _deliver_once(repo: RepoGateway, plan: FixPlan, *, base: str, base_sha: str, branch: str,
                  labels: tuple[str, ...], docs_url: str, modes: Mapping[str, str],
                  run_url: str | None, verified: Sequence[prbody.Verified]) -> BotResult:
    latest = repo.latest_pull(branch, base)
    pull = latest if latest is not None and latest.state == 'open' else None
    state = prbody.read_state(latest.body) if latest else None
    emails = identities(state)
    head = repo.branch_sha(branch)
    comparison = repo.compare(base_sha, head) if head else None
    set_aside = None

    if head and comparison is not None:
        only_branch, newer = _branch_commits(repo, base, base_sha, head, comparison)
        if newer:
            # The branch already builds on commits of the base this run's checkout
            # does not have (a re-run of an older event, or runs finishing out of
            # order): acting on the older checkout would undo them. The run for the
            # newer commit keeps the pull request right.
            return BotResult(Outcome.UNCHANGED, pull,
                             f'{branch} already builds on a newer commit of {base} '
                             f'({newer[0][:12]}) than this run\'s {base_sha[:12]}; left as it is')
        foreign = [c for c in only_branch if not _is_ours(c, emails)]
        if foreign:
            if pull is not None or latest is None:
                return _stop(repo, pull, branch, foreign)
            if not plan.changes:
                # Nothing to start afresh for: their branch stays as it is.
                return BotResult(Outcome.NOTHING, None, 'nothing to fix')
            # The pull request was closed (or merged) with someone's commits on
            # its branch: they stay on a branch of their own, and modcon starts
            # afresh from the base.
            set_aside = _set_aside(repo, branch, head)
            head = comparison = None
        elif not emails:  # a body without the record: the commits just judged are ours
            emails = frozenset(c.author_email for c in only_branch if c.author_email)

    if not plan.changes:
        if pull is not None:
            return _close(repo, pull, branch, head, base, base_sha)
        if head is not None:
            _delete_if_at(repo, branch, head)  # left behind by a merged or closed pull request
        return BotResult(Outcome.NOTHING, None, 'nothing to fix')

    final = plan.final
    has = head is not None and comparison is not None \
        and _head_has(repo, head, comparison, final)
    if pull is None and latest is not None and not latest.merged and head is not None \
            and latest.head_sha == head and _same_fixes(state, plan, has):
        # Closed by a person with only modcon's commits, and nothing new since.
        return BotResult(Outcome.DECLINED, latest,
                         f'#{latest.number} with these fixes was closed without merging; modcon '
                         f'opens a new pull request when the fixes change (another rule or '
                         f'another file to fix; delete branch {branch} to have one now)')

    commits: list[str] = []
    if not has:
        commits, authors = _write_commits(repo, plan, base=base, base_sha=base_sha,
                                          branch=branch, head=head, comparison=comparison,
                                          modes=modes)
        emails |= authors
    opened = pull is None
    updated, edited = _refresh_pull(repo, pull, plan, base=base, base_sha=base_sha,
                                    branch=branch, labels=labels, docs_url=docs_url,
                                    emails=emails, run_url=run_url, verified=verified)
    if set_aside is not None and latest is not None:
        repo.upsert_comment(latest.number, SET_ASIDE_MARKER,
                            f'{SET_ASIDE_MARKER}\nmodcon started afresh in #{updated.number}. '
                            f'The commits of this pull request are kept on the branch '
                            f'{md.code(set_aside)}.\n')
    if opened:
        outcome = Outcome.OPENED
        what = f'{len(plan.fixed)} fixes in {len(final)} files'
        if set_aside is not None:
            what += f'; the old branch is kept as {set_aside}'
    elif commits:
        outcome, what = Outcome.UPDATED, f'{len(plan.fixed)} fixes in {len(final)} files'
    elif edited:
        outcome, what = Outcome.UPDATED, 'the title and body were brought up to date'
    else:
        outcome, what = Outcome.UNCHANGED, 'the pull request already has these fixes'
    return BotResult(outcome, updated, what, tuple(commits))


def _branch_commits(repo: RepoGateway, base: str, base_sha: str, head: str,
                    comparison: Comparison) -> tuple[list[CommitFacts], list[str]]:
    """The commits only the branch has, and the commits of the base it already has
    that ``base_sha`` lacks (newest first).

    ``comparison`` lists the branch's commits that ``base_sha`` lacks; when the base
    has moved on since, some of them are the base's own (an update merges the base
    in), and they are nobody's push to the branch.
    """
    base_head = repo.branch_sha(base)
    if base_head is None or base_head == base_sha or not comparison.commits:
        return comparison.commits, []
    only_branch = repo.compare(base_head, head).commits
    own = {c.sha for c in only_branch}
    newer = [c.sha for c in reversed(comparison.commits) if c.sha not in own]
    return only_branch, newer


def fixes_key(plan: FixPlan) -> str:
    """What the plan fixes, as a short hash: which rule fixes how many places in which
    file. Not the texts: an edit elsewhere in a fixed file changes them, not the fixes."""
    keys = sorted(f'{f.rule.code} {f.path}' for f in plan.fixed)
    return hashlib.sha256('\n'.join(keys).encode()).hexdigest()[:16]


def _same_fixes(state: prbody.BodyState | None, plan: FixPlan, has: bool) -> bool:
    """Whether the closed pull request (its body's ``state``) held the fixes of ``plan``.
    A body from before the state recorded them: whether the branch holds these texts."""
    if state is not None and 'fixes' in state.data:
        return bool(state.data['fixes'] == fixes_key(plan))
    return has


def _write_commits(repo: RepoGateway, plan: FixPlan, *, base: str, base_sha: str, branch: str,
                   head: str | None, comparison: Comparison | None,
                   modes: Mapping[str, str]) -> tuple[list[str], frozenset[str]]:
    """Put the plan's commits on ``branch``: one per rule, on top of the base.
    Returns them and their author emails (the token's identity)."""
    authors: set[str] = set()
    parent = base_sha
    base_tree = repo.commit_tree(base_sha)
    commits: list[str] = []
    # When the base already holds the old head (it was merged), the new commits
    # fast-forward from it as they are.
    held = comparison is not None and comparison.status in ('behind', 'identical')
    if head and not held:
        # Start over from the base in a commit that descends from the old head,
        # so the update stays a fast-forward (no force push, nothing lost).
        parents = [head] if comparison is not None and comparison.status == 'ahead' \
            else [head, base_sha]
        restart = repo.write_tree_commit(
            parents=parents, tree=base_tree,
            message=f'{COMMIT_PREFIX}start again from {base} at {base_sha[:12]}\n\n'
                    f'The fixes below are made again on the current {base}.',
        )
        authors.add(restart.author_email)
        commits.append(restart.sha)
        parent = restart.sha

    files_so_far: dict[str, str] = {}
    for change in plan.changes:
        files_so_far.update(change.files)
        # Each commit's tree is the base tree with every file changed so far.
        everything = {path: (text, modes.get(path, '100644'))
                      for path, text in files_so_far.items()}
        commit = repo.write_commit(parents=[parent], base_tree=base_tree, files=everything,
                                   message=_commit_message(change))
        authors.add(commit.author_email)
        commits.append(commit.sha)
        parent = commit.sha

    if head:
        repo.move_branch(branch, parent)
    else:
        repo.create_branch(branch, parent)
    return commits, frozenset(authors - {''})


def _set_aside(repo: RepoGateway, branch: str, head: str) -> str:
    """Keep ``head`` on a dated branch of its own, then delete ``branch``."""
    day = datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d')
    for n in range(1, 20):
        name = f'{branch}-closed-{day}' + (f'-{n}' if n > 1 else '')
        existing = repo.branch_sha(name)
        if existing == head:
            break
        if existing is None:
            try:
                repo.create_branch(name, head)
            except BranchExists:
                continue
            break
    else:
        raise GitHubError(f'no free branch name to keep {branch} under')
    if repo.branch_sha(branch) != head:
        raise BranchMoved(f'branch {branch} moved while modcon set it aside', 422)
    repo.delete_branch(branch)
    return name


def _head_has(repo: RepoGateway, head: str, comparison: Comparison,
              final: Mapping[str, str]) -> bool:
    """Whether the branch already changes exactly these files, to exactly this text."""
    changed = comparison.files
    if changed is None:  # more files than GitHub lists in a comparison
        return _tree_has(repo, comparison.merge_base, head, final)
    if {path for path, _ in changed} != set(final):
        return False
    for path, text in final.items():
        current = repo.read_file(path, head)
        if current is None or current != encode(text):
            return False
    return True


def _tree_has(repo: RepoGateway, merge_base: str, head: str,
              final: Mapping[str, str]) -> bool:
    """``_head_has`` from the two trees, for a change too large to compare."""
    before = repo.tree_entries(merge_base) if merge_base else None
    after = repo.tree_entries(head)
    if before is None or after is None:
        return False
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    if changed != set(final):
        return False
    return all(path in after and after[path][1] == blob_sha(encode(text))
               for path, text in final.items())


def _commit_message(change: RuleChange) -> str:
    rule = change.rule
    fixed = change.fixed
    lines = [f'{COMMIT_PREFIX}{rule.code} {rule.name} ({rule.property.label})', '',
             prbody.section(rule.doc, 'What it does'), '']
    for finding in fixed:
        title = finding.fix.title if finding.fix else ''
        lines.append(f'- {md.plain(finding.path)}:{finding.begin.line}: {md.plain(title)}')
    lines += ['', f'Property {rule.property.label}: {rule.property.url()}']
    return '\n'.join(lines) + '\n'


def _refresh_pull(repo: RepoGateway, pull: PullFacts | None, plan: FixPlan, *, base: str,
                  base_sha: str, branch: str, labels: tuple[str, ...], docs_url: str,
                  emails: frozenset[str], run_url: str | None,
                  verified: Sequence[prbody.Verified] = ()) -> tuple[PullFacts, bool]:
    """The pull request opened or brought up to date, and whether its title or body
    was rewritten (a run that failed before it left them behind)."""
    title, body = prbody.render(plan, base=base, docs_url=docs_url,
                                state={'v': 1, 'emails': sorted(emails), 'base': base_sha,
                                       'fixes': fixes_key(plan)},
                                run_url=run_url, verified=verified)
    if pull is None:
        pull = repo.create_pull(title=title, body=body, branch=branch, base=base)
        repo.add_labels(pull.number, labels)
        return pull._replace(title=title, body=body), True
    edited = prbody.body_hash(pull.body) != prbody.body_hash(body) or pull.title != title \
        or identities(prbody.read_state(pull.body)) != emails  # a new token's commits
    if edited:
        repo.edit_pull(pull.number, title=title, body=body)
    missing = [label for label in labels if label and label not in pull.labels]
    if missing:
        repo.add_labels(pull.number, missing)
    return pull._replace(title=title, body=body), edited


def _stop(repo: RepoGateway, pull: PullFacts | None, branch: str,
          foreign: list[CommitFacts]) -> BotResult:
    shas = ', '.join(md.code(c.sha[:12]) for c in foreign[:5])
    message = (f'{STOPPED_MARKER}\nmodcon stopped updating {md.code(branch)}: commits that '
               f'modcon did not make on its own are on it ({shas}: a person\'s push, or a '
               f'`/modcon fix` someone asked for), and modcon never overwrites other people\'s '
               f'work. To have modcon start afresh, close this pull request (or delete the '
               f'branch): the next run keeps these commits on a branch named '
               f'{md.code(branch + "-closed-<date>")} and opens a new pull request.\n')
    if pull is not None:
        repo.upsert_comment(pull.number, STOPPED_MARKER, message)
        return BotResult(Outcome.STOPPED, pull, f'{branch} has commits modcon did not make; close '
                                          f'#{pull.number} to have modcon start afresh')
    return BotResult(Outcome.STOPPED, pull, f'{branch} has commits modcon did not make and no pull '
                                      f'request; delete the branch to have modcon start afresh')


def _close(repo: RepoGateway, pull: PullFacts, branch: str, head: str | None, base: str,
           base_sha: str) -> BotResult:
    repo.upsert_comment(pull.number, CLOSED_MARKER,
                        f'{CLOSED_MARKER}\nNothing is left to fix: `modcon fix` changes nothing '
                        f'on {md.code(base)} at {md.code(base_sha[:12])}. Closing this pull '
                        f'request and deleting {md.code(branch)}.\n')
    repo.edit_pull(pull.number, state='closed')
    if head is not None:
        _delete_if_at(repo, branch, head)
    return BotResult(Outcome.CLOSED, pull, 'nothing left to fix')


def _delete_if_at(repo: RepoGateway, branch: str, head: str) -> bool:
    """Delete ``branch`` only while it is still at ``head``, the commit this run judged:
    a person may have pushed to it since (while the pull request was being closed),
    and a branch deleted then would take their commit with it. GitHub has no
    conditional delete; reading the branch right before leaves the least room."""
    if repo.branch_sha(branch) != head:
        return False
    repo.delete_branch(branch)
    return True
