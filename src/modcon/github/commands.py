"""Comment commands on pull requests: `/modcon fix`, `fix --unsafe`, `check`, `help`.

This path runs with a write token on an event anyone who can comment starts,
so it is safe by construction rather than by the workflow's YAML:

* only a comment that was just created, on a pull request, by a person (not
  a bot, modcon included), whose first line is exactly a command, is read;
  everything else is ignored without a word;
* the commenter's permission is read with the collaborator-permission API
  (``author_association`` is not trusted) and must be write or admin
  (maintain counts as write); a failed look-up means no;
* nothing of the pull request ever runs: its files are read through the API
  at the head commit pinned when the command was accepted, parsed and
  rewritten as text; nothing under ``.github/`` is changed;
* the fix is delivered as a commit whose parent is that pinned commit and a
  ref update that is never forced; on a fork, as review suggestions and a
  patch, since the workflow token cannot push there;
* every text from the pull request is escaped in what the bot writes.
"""
from __future__ import annotations

import enum
import posixpath
from collections.abc import Mapping

from modcon.engine.config import Config
from modcon.engine.discover import Target
from modcon.engine.discover import kind_of
from modcon.engine.fixloop import FixPlan
from modcon.engine.fixloop import plan_fixes
from modcon.engine.related import related_dockerfiles
from modcon.engine.scope import FileInput
from modcon.engine.scope import gather
from modcon.errors import ModconError
from modcon.github import command_table
from modcon.github import markdown as md
from modcon.github import prbody
from modcon.github.apiproject import ApiReader
from modcon.github.gateway import BranchMoved
from modcon.github.gateway import PullFacts
from modcon.github.gateway import RepoGateway
from modcon.github.suggestions import suggest
from modcon.github.suggestions import unified_patch
from modcon.model import Applicability
from modcon.model import Finding
from modcon.model import Kind
from modcon.named_tuple import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TRUSTED = ('admin', 'write')  # GitHub reports maintain as write and triage as read
REVIEW_MARKER = '<!-- modcon:review -->'
MAX_PATCH = 30000  # longer, a patch in a reply would crowd out the rest of it
HELP = f'''modcon reads this pull request's Dockerfiles at its head commit and explains
each finding with the property it serves. Commands (the first line of a comment;
people with write access):

{command_table.markdown_list()}'''


def parse(body: str | None) -> str | None:
    """The command on the comment's first line, or None when it is not exactly one."""
    if not body:
        return None
    # A line ends at a line feed only, as GitHub renders it: U+2028 or a vertical tab
    # leaves the text after it on the same line, where it makes the comment no command.
    first = body.lstrip('\r\n').split('\n', 1)[0].rstrip('\r')
    if first.startswith(('    ', '\t')):
        return None  # an indented code block shows a command, it does not give one
    words = first.strip().lower().split()
    if len(words) < 2 or words[0] != '/modcon':
        return None
    command = ' '.join(words[1:])
    return command if command in command_table.NAMES else None


class Request(NamedTuple):
    command: str
    number: int
    comment_id: int
    login: str


def accept(event: Mapping[str, Any]) -> Request | None:
    """The command in an ``issue_comment`` event, or None to ignore it silently."""
    if event.get('action') != 'created':
        return None  # edited and deleted comments never run anything
    issue = event.get('issue') or {}
    if not issue.get('pull_request'):
        return None  # a comment on an issue
    comment = event.get('comment') or {}
    user = comment.get('user') or {}
    sender = event.get('sender') or {}
    login = str(user.get('login') or '')
    if user.get('type') != 'User' or sender.get('type', 'User') != 'User' \
            or login.endswith('[bot]') or comment.get('performed_via_github_app'):
        return None  # bots, modcon's own comments included
    command = parse(comment.get('body'))
    if command is None or not issue.get('number') or not comment.get('id'):
        return None
    return Request(command, int(issue['number']), int(comment['id']), login)


def marker(request: Request) -> str:
    """The reply's hidden marker: one reply per command comment, so a reply (a
    refusal included) never replaces the answer to anyone else's command."""
    return f'<!-- modcon:reply {request.command.split()[0]} {request.comment_id} -->'


class Status(enum.StrEnum):
    DONE = 'done'
    REFUSED = 'refused'  # the commenter may not run it
    FAILED = 'failed'  # nothing was changed; the reply says why


class Outcome(NamedTuple):
    status: Status
    reply: str


def handle(repo: RepoGateway, request: Request, config: Config) -> Outcome:
    """Authorize, acknowledge, run and answer one command."""
    reply_marker = marker(request)
    permission = repo.permission(request.login)
    if permission not in TRUSTED:
        text = (f'{reply_marker}\n@{request.login} `/modcon {request.command}` needs write '
                f'access to this repository; yours is {md.code(permission)}, so nothing ran.\n')
        repo.react(request.comment_id, request.number, 'confused')
        repo.upsert_comment(request.number, reply_marker, text)
        return Outcome(Status.REFUSED, text)
    repo.react(request.comment_id, request.number, 'eyes')
    try:
        body = _run(repo, request, config)
    except ModconError as exc:
        text = (f'{reply_marker}\n`/modcon {request.command}` failed: {md.text(str(exc))}. '
                f'Nothing was changed; run the command again to retry.\n')
        repo.upsert_comment(request.number, reply_marker, text)
        repo.react(request.comment_id, request.number, 'confused')
        return Outcome(Status.FAILED, text)
    # After a push, a reply GitHub refuses as too long would leave the person without
    # an answer (and the step failed) though the fixes were committed.
    text = md.fit(f'{reply_marker}\n{body}', md.MAX_BODY,
                  'The reply was cut short to fit in a comment; the commit has everything.')
    repo.upsert_comment(request.number, reply_marker, text)
    repo.react(request.comment_id, request.number, 'rocket')
    return Outcome(Status.DONE, text)


def _run(repo: RepoGateway, request: Request, config: Config) -> str:
    if request.command == 'help':
        return HELP + '\n'
    pull = repo.pull(request.number)
    if pull.state != 'open':
        return f'This pull request is {md.text(pull.state)}; modcon changes only open ones.\n'
    head = pull.head_sha  # pinned: everything below reads and builds on this commit
    inputs, protected = _read_scope(repo, request.number, head)
    threshold = Applicability.UNSAFE if request.command == 'fix --unsafe' else Applicability.SAFE
    dockerfiles = [Target(i.path, i.path, Kind.DOCKERFILE) for i in inputs
                   if i.kind == Kind.DOCKERFILE]

    def again(texts: Mapping[str, str]) -> list[FileInput]:
        """The same scope, as the planned fixes leave it."""
        found = gather(dockerfiles, ApiReader(repo, head, pending=texts))
        return sorted((i for i in found if not i.path.startswith('.github/')),
                      key=lambda i: (i.kind != Kind.DOCKERFILE, i.path))

    plan = plan_fixes(inputs, config, threshold, again)
    if request.command == 'check':
        return _check_reply(plan, config, head)
    notes = [f'Files under `.github/` are never changed: {", ".join(md.code(p) for p in protected)}.']\
        if protected else []
    if not plan.changes:
        left = f' {len(plan.remaining)} findings need a person:' if plan.remaining else ''
        lines = [f'Nothing to fix at {md.code(head[:12])}: this pull request is already clean '
                 f'for {"all the" if threshold is Applicability.UNSAFE else "the safe"} '
                 f'fixes.{left}', '', *_remaining_lines(plan.remaining, config), *notes]
        return '\n'.join(lines).rstrip() + '\n'
    if pull.head_repo == repo.full_name:
        return _push(repo, pull, plan, config, head, request, notes)
    return _review(repo, pull, plan, config, head, notes)


def _read_scope(repo: RepoGateway, number: int, head: str,
                ) -> tuple[list[FileInput], list[str]]:
    """What to check at ``head``: the pull request's Dockerfiles, those in the folders
    above its changed code, and the entrypoint code their containers run; and the
    files under ``.github/`` among them, which are never changed."""
    changed = [path for path, status in repo.pull_files(number) if status != 'removed']
    reader = ApiReader(repo, head)
    wanted = {p for p in changed if kind_of(posixpath.basename(p)) == 'dockerfile'}
    wanted |= related_dockerfiles(reader.files, [p for p in changed if p not in wanted],
                                  copying=False)
    readable = [p for p in sorted(wanted) if reader.files.read(p) is not None]
    protected = [p for p in readable if p.startswith('.github/')]
    inputs = gather([Target(p, p, Kind.DOCKERFILE) for p in readable if p not in protected],
                    reader)
    protected += sorted(i.path for i in inputs if i.path.startswith('.github/'))
    # Dockerfiles first, then the code they run, each by path.
    inputs.sort(key=lambda i: (i.kind != Kind.DOCKERFILE, i.path))
    return [i for i in inputs if not i.path.startswith('.github/')], protected


def _remaining_lines(findings: list[Finding], config: Config) -> list[str]:
    return [prbody.finding_line(f, config.docs_url) for f in findings[:30]]


def _check_reply(plan: FixPlan, config: Config, head: str) -> str:
    findings = plan.remaining if not plan.changes else [*plan.fixed, *plan.remaining]
    if not findings:
        return f'No findings at {md.code(head[:12])}.\n'
    fixable = len(plan.fixed)
    lines = [f'{len(findings)} findings at {md.code(head[:12])}; {fixable} can be fixed with '
             f'`/modcon fix`.', '',
             *_remaining_lines(findings, config)]
    return '\n'.join(lines) + '\n'


def _commit_message(plan: FixPlan) -> str:
    rules = ', '.join(sorted({c.rule.code for c in plan.changes}))
    lines = [f'modcon: fix {len(plan.fixed)} findings ({rules})', '']
    for finding in plan.fixed:
        title = finding.fix.title if finding.fix else ''
        lines.append(f'- {md.plain(finding.path)}:{finding.begin.line} {finding.rule.code}: '
                     f'{md.plain(title)}')
    return '\n'.join(lines) + '\n'


def _push(repo: RepoGateway, pull: PullFacts, plan: FixPlan, config: Config, head: str,
          request: Request, notes: list[str]) -> str:
    modes = repo.file_modes(head, plan.final)
    commit = repo.write_commit(parents=[head], base_tree=repo.commit_tree(head),
                               files={p: (t, modes.get(p, '100644'))
                                      for p, t in plan.final.items()},
                               message=_commit_message(plan))
    try:
        repo.move_branch(pull.head_ref, commit.sha)  # a fast-forward from the pinned head
    except BranchMoved:
        raise ModconError(f'someone pushed to {pull.head_ref} while modcon worked on '
                          f'{head[:12]}, so nothing was pushed (modcon never overwrites a '
                          f'branch)') from None
    url = pull.url.rsplit('/pull/', 1)[0] + f'/commit/{commit.sha}'
    lines = [f'Pushed {md.link(commit.sha[:12], url)} to {md.code(pull.head_ref)} '
             f'(on top of {md.code(head[:12])}): {len(plan.fixed)} fixes.', '',
             *prbody.explain(plan, config.docs_url, detail=False, max_rows=prbody.TABLE_ROWS),
             *notes]
    return '\n'.join(lines).rstrip() + '\n'


def _review(repo: RepoGateway, pull: PullFacts, plan: FixPlan, config: Config, head: str,
            notes: list[str]) -> str:
    """On a fork: suggestions where the diff allows, a patch for the rest."""
    patches = repo.pull_patches(pull.number)
    original = plan.original  # each file as it is at the head commit
    comments: list[dict[str, Any]] = []
    patch_files: dict[str, tuple[str, str]] = {}
    for path, after in sorted(plan.final.items()):
        split = suggest(path, original[path], after, patches.get(path, ''))
        if split.patched:
            patch_files[path] = (original[path], after)
        else:
            comments.extend(split.comments)
    lines = [f'This pull request comes from a fork, where the workflow token cannot push. '
             f'{len(plan.fixed)} fixes at {md.code(head[:12])}:', '']
    if comments:
        repo.create_review(pull.number, commit=head, marker=REVIEW_MARKER, comments=comments,
                           body=f'{REVIEW_MARKER}\nmodcon suggests these changes; apply them '
                                f'with "Commit suggestion" (or add them to a batch).')
        lines.append(f'- {len(comments)} suggested change{"s" if len(comments) != 1 else ""} '
                     f'in a review, on the lines of the diff.')
    patch = unified_patch(patch_files) if patch_files else ''
    if len(patch) > MAX_PATCH:
        lines.append(f'- Changes outside the diff in {len(patch_files)} files, too many to show '
                     f'as a patch here: run `modcon fix` on your branch.')
    elif patch:
        lines += ['- Changes outside the diff, as a patch: save it as `modcon.patch` and run '
                  '`git apply modcon.patch` in your branch.', '', md.block(patch, 'diff')]
    lines += ['', *prbody.explain(plan, config.docs_url, detail=False,
                                  max_rows=prbody.TABLE_ROWS), *notes]
    return '\n'.join(lines).rstrip() + '\n'
