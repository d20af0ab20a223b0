"""``modcon action``: what the container action does in a workflow step.

Reads the inputs (``INPUT_*``) and the event (``GITHUB_*``), decides which
files to scan, then, by ``mode``: reports (``check``), fixes the workspace
(``fix``), or delivers the fixes as the bot's pull request (``pr``). Every
mode writes annotations, the job summary, the outputs and, when asked, a
SARIF file. The exit status follows ``fail_on``.
"""
from __future__ import annotations

import os
import posixpath
import sys
from collections.abc import Mapping

from modcon.action import summary as summaries
from modcon.action.events import Context
from modcon.action.events import ScanPlan
from modcon.action.events import plan_scan
from modcon.action.events import read_context
from modcon.action.inputs import ActionInputs
from modcon.action.inputs import confined
from modcon.action.inputs import read_inputs
from modcon.action.workflow import annotation_commands
from modcon.action.workflow import append_summary
from modcon.action.workflow import give_back
from modcon.action.workflow import path_lines
from modcon.action.workflow import workspace_owner
from modcon.action.workflow import write_outputs
from modcon.action.workspace import Workspace
from modcon.action.workspace import WorkspaceProject
from modcon.engine.check import check_file
from modcon.engine.config import Config
from modcon.engine.discover import Target
from modcon.engine.discover import discover
from modcon.engine.discover import kind_of
from modcon.engine.files import write_fixed
from modcon.engine.fixloop import fix_file
from modcon.engine.related import related_dockerfiles
from modcon.engine.scope import FileInput
from modcon.engine.scope import LocalReader
from modcon.engine.scope import gather
from modcon.errors import ConfigError
from modcon.errors import InputError
from modcon.errors import ModconError
from modcon.github import markdown as md
from modcon.model import Applicability
from modcon.model import Finding
from modcon.model import Kind
from modcon.named_tuple import NamedTuple
from modcon.reporters import ReportContext
from modcon.reporters.github import escape_data
from modcon.reporters.github import escape_property
from modcon.source import SourceFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
    from typing import TextIO

# The events whose workspace is a branch of the repository itself at its head:
# the only ones that deliver the bot's pull request or run `verify`.
PR_EVENTS = ('push', 'schedule', 'workflow_dispatch')


class Done(NamedTuple):
    """What a mode did, for the report."""

    findings: list[Finding]  # what is left to report
    fixed: list[Finding]
    pull_line: str | None = None  # the summary's line about the pull request
    outputs: dict[str, str] = {}  # step outputs beside the common ones


def run_action(env: Mapping[str, str], out: TextIO = sys.stdout) -> int:
    try:
        inputs = read_inputs(env)
        context = read_context(env)
        return _Run(inputs, context, out).run()
    except ModconError as exc:
        out.write(f'::error title=modcon::{escape_data(str(exc))}\n')
        return 2


def trust_workspace(workspace: str) -> None:
    """Let git work in a workspace owned by another user (the runner's checkout).

    Set through git's environment configuration (command-line level, which
    ``safe.directory`` honours), so nothing is written to any config file.
    """
    count = int(os.environ.get('GIT_CONFIG_COUNT', '0') or 0)
    os.environ[f'GIT_CONFIG_KEY_{count}'] = 'safe.directory'
    os.environ[f'GIT_CONFIG_VALUE_{count}'] = workspace
    os.environ['GIT_CONFIG_COUNT'] = str(count + 1)


class _Run:
    def __init__(self, inputs: ActionInputs, context: Context, out: TextIO) -> None:
        self.inputs = inputs
        self.context = context
        self.out = out
        self.workspace = os.path.abspath(context.workspace)
        self.files = Workspace(self.workspace)  # every read and write goes through it
        self.notes: list[str] = []
        self.errors: list[ModconError] = []
        self.targets: list[Target] = []  # the files of this run, as discover found them
        self._repo: Any = None

    # -- the GitHub connection, made only when needed ----------------------

    def repo(self) -> Any:
        if self._repo is None:
            if not self.inputs.github_token:
                raise ModconError('this needs the github_token input (the default is the '
                                  'workflow token)')
            from modcon.github.gateway import Gateway

            gateway = Gateway(self.inputs.github_token, self.context.api_url)
            self._repo = gateway.repo(self.context.repository)
        return self._repo

    def config(self) -> Config:
        config = self.files.config(self.inputs.config)
        if self.inputs.docs_url:
            config = config._replace(docs_url=self.inputs.docs_url.rstrip('#'))
        return config

    # -- the run ------------------------------------------------------------

    def run(self) -> int:
        if not os.path.isdir(self.workspace):
            raise ConfigError(f'GITHUB_WORKSPACE is not a folder: {self.workspace!r} (check out '
                              f'the repository first, with actions/checkout)')
        trust_workspace(self.workspace)
        os.chdir(self.workspace)
        self.inputs = confined(self.inputs, self.files)
        config = self.config()
        mode = self.inputs.mode
        if self.context.event_name == 'issue_comment':
            return self._comment(config)
        base = None
        if mode == 'pr':
            base, why_not = self._pr_base()
            if base is None:
                self.notes.append(why_not)
                mode = 'check'
        plan = plan_scan(self.context, self.repo)
        if plan.skip:
            self._finish(mode, plan, config, [], [], 0, None)
            return 0
        if mode == 'pr':
            # The pull request holds what `modcon fix` does on the base branch's
            # head, so every run reads every file in `paths`, whatever the
            # event changed: a file's kind comes from what it is, never from
            # where its path was found.
            plan = plan._replace(everything=True, base=base,
                                 description=f'{plan.description}; mode pr reads every file '
                                             f'in paths')
        self.targets = self._targets(plan, config)
        files = self._read(self.targets)

        threshold = Applicability.UNSAFE if self.inputs.unsafe_fixes else Applicability.SAFE
        if mode == 'check':
            done = self._check(files, config)
        elif mode == 'fix':
            done = self._fix(files, config, threshold)
        else:
            done = self._pull_request(plan, files, config, threshold)
        self._finish(mode, plan, config, done.findings, done.fixed, len(files), done.pull_line,
                     sources={name: SourceFile(name, f.text) for name, f in files.items()},
                     extra=done.outputs)
        failing = [f for f in done.findings
                   if self.inputs.fail_on is not None and f.severity >= self.inputs.fail_on]
        if self.errors:
            return 2
        return 1 if failing else 0

    # -- the modes ------------------------------------------------------------

    def _check(self, files: dict[str, FileInput], config: Config) -> Done:
        """`mode: check`: report, change nothing."""
        findings: list[Finding] = []
        for item in files.values():
            try:
                findings.extend(check_file(item, config))
            except ModconError as exc:
                self.errors.append(exc)
        return Done(findings, [])

    def _fix(self, files: dict[str, FileInput], config: Config,
             threshold: Applicability) -> Done:
        """`mode: fix`: fix the workspace's files in place (``files`` then holds
        their new texts), round after round as ``modcon fix`` does, until a round
        changes nothing."""
        from modcon.engine.fixloop import MAX_ROUNDS

        fixed: list[Finding] = []
        findings: list[Finding] = []
        current = files
        for _round in range(MAX_ROUNDS):
            findings = []
            changed = False
            for name, item in list(current.items()):
                try:
                    result = fix_file(item, config, threshold)
                    for path in write_fixed(self.files.locate(name), result):
                        give_back(path, workspace_owner(self.workspace))
                except (ModconError, OSError) as exc:
                    error = exc if isinstance(exc, ModconError) else \
                        ModconError(f'{name}: cannot write: {exc}')
                    if str(error) not in {str(e) for e in self.errors}:  # once, not a round
                        self.errors.append(error)
                    continue
                if result.changed:
                    fixed.extend(result.applied)
                    files[name] = item.with_text(result.fixed)
                    changed = True
                findings.extend(result.findings)
            if not changed:
                break
            current = {item.path: item for item in self._again({})}  # as this round wrote them
        return Done(findings, fixed)

    def _read(self, targets: list[Target],
              pending: Mapping[str, str] | None = None) -> dict[str, FileInput]:
        """Each file to scan, read once, by display path, with what its rules need
        (``scope.gather``: the same scope as ``modcon fix``). ``pending``: texts to
        read in place of files (real path -> text); an error then was said already."""
        errors = self.errors if pending is None else []
        return {item.path: item for item in gather(targets, LocalReader(self._read_file, pending),
                                                   errors)}

    def _again(self, texts: Mapping[str, str]) -> list[FileInput]:
        """The files of this run read again, as fixes not yet written leave them
        (``plan_fixes``; ``texts``: display path -> text)."""
        pending = {self.files.locate(name): text for name, text in texts.items()}
        return list(self._read(self.targets, pending).values())

    def _read_file(self, target: Target) -> str:
        """The one place the Action reads a file of the workspace: confined to it
        and bounded (``workspace.Workspace``)."""
        return self.files.read(target.display).text

    def _comment(self, config: Config) -> int:
        """An `issue_comment` event, whatever the mode: a comment command
        (`/modcon fix`, ...); any other comment is ignored."""
        from modcon.github.commands import Status
        from modcon.github.commands import accept
        from modcon.github.commands import handle

        request = accept(self.context.payload)
        if request is None:
            append_summary(self.context.summary, '## modcon\n\nNot a modcon command; '
                                                 'nothing to do.\n')
            return 0
        outcome = handle(self.repo(), request, config)
        append_summary(self.context.summary,
                       f'## modcon: `/modcon {request.command}` on #{request.number}\n\n'
                       f'{outcome.reply.split(chr(10), 1)[1]}')
        return 1 if outcome.status is Status.FAILED else 0

    def _targets(self, plan: ScanPlan, config: Config) -> list[Target]:
        return [self._through_links(t) for t in self._found(plan, config)]

    def _through_links(self, target: Target) -> Target:
        """``target`` named by the file a symbolic link to it points to, inside the
        workspace: `modcon fix` writes through a link, and a commit at the link's path
        (`mode: pr`) would replace the link with the fixed text."""
        full = os.path.join(self.workspace, target.display)
        if not os.path.islink(full):
            return target
        try:
            real = self.files.locate(target.display)
        except InputError:  # out of the workspace: reading it says so
            return target
        display = os.path.relpath(real, self.files.root).replace(os.sep, '/')
        return Target(os.path.join(self.workspace, display), display, target.kind)

    def _found(self, plan: ScanPlan, config: Config) -> list[Target]:
        if plan.everything:
            targets, errors = discover(list(self.inputs.paths), config)
            self.errors.extend(errors)
            return targets
        wanted: set[str] = set()
        code: list[str] = []
        for path in plan.changed:
            if not self._in_scope(path, config):
                continue
            if kind_of(posixpath.basename(path)) == 'dockerfile':
                wanted.add(path)
            else:
                code.append(path)
        wanted |= {p for p in related_dockerfiles(WorkspaceProject(self.files), code)
                   if self._in_scope(p, config)}
        # Read through self.files: a link out of the workspace is an error, not a file.
        return [Target(os.path.join(self.workspace, path), path, Kind.DOCKERFILE)
                for path in sorted(wanted) if os.path.lexists(os.path.join(self.workspace, path))]

    def _pr_base(self) -> tuple[str | None, str]:
        """The branch the bot's pull request targets, or None and why there is none.

        Only a real branch of the repository's own, on the events where the
        workspace holds that branch's head: a push to it, a schedule, a dispatch.
        """
        event = self.context.event_name
        if event not in PR_EVENTS:
            return None, (f'`mode: pr` delivers fixes on a push to a branch, `schedule` and '
                          f'`workflow_dispatch`; on {md.code(event or "this event")} modcon only '
                          f'checks (on a pull request, `/modcon fix` applies the fixes).')
        ref = self.context.ref or str(self.context.payload.get('ref') or '')
        if not ref.startswith('refs/heads/'):
            return None, (f'{md.code(ref or "no ref")} is not a branch, so there is nothing to '
                          f'open a pull request against; modcon only checks.')
        base = ref[len('refs/heads/'):]
        from modcon.github.bot import branch_name

        if base.startswith('gh-readonly-queue/') or \
                base.startswith(branch_name(self.inputs.pr_branch_prefix, '')):
            return None, (f'{md.code(base)} is a merge-queue or modcon branch, not one to open '
                          f'a pull request against; modcon only checks.')
        return base, ''

    def _in_scope(self, path: str, config: Config) -> bool:
        if config.excluded(path):
            return False
        for scope in self.inputs.paths:
            scope = posixpath.normpath(scope.strip('/')) if scope not in ('.', './') else '.'
            if scope == '.' or path == scope or path.startswith(scope + '/'):
                return True
        return False

    def _pull_request(self, plan: ScanPlan, files: dict[str, FileInput], config: Config,
                      threshold: Applicability) -> Done:
        """`mode: pr`: deliver the fixes as the bot's pull request."""
        from modcon.engine.fixloop import plan_fixes
        from modcon.github.bot import Outcome
        from modcon.github.bot import deliver

        assert plan.base
        fixes = plan_fixes(list(files.values()), config, threshold, self._again)
        modes = {name: _mode(os.path.join(self.workspace, name)) for name in fixes.final}
        verified = self._verify(files, fixes.final) if self.inputs.verify else []
        result = deliver(self.repo(), fixes, base=plan.base, base_sha=self.context.sha,
                         prefix=self.inputs.pr_branch_prefix, labels=self.inputs.pr_labels,
                         docs_url=config.docs_url, modes=modes, run_url=self.context.run_url,
                         verified=verified)
        outputs: dict[str, str] = {'pr_outcome': str(result.outcome)}
        if result.pull is not None and result.outcome is not Outcome.FAILED:
            outputs['pr_number'] = str(result.pull.number)
            outputs['pr_url'] = result.pull.url
            line = (f'Pull request [#{result.pull.number}]({result.pull.url}): '
                    f'{result.outcome} ({md.text(result.message)}).')
        else:
            line = f'No pull request ({result.outcome}): {md.text(result.message)}.'
        if result.outcome is Outcome.STOPPED:
            self.out.write(f'::warning title=modcon::{escape_data(result.message)}\n')
        elif result.outcome is Outcome.FAILED:
            self.errors.append(ModconError(result.message))
        if self.inputs.dashboard:
            self._dashboard(fixes.remaining, config, plan.base)
        # Only what the pull request now holds counts as fixed; anything else
        # is still to do.
        if result.outcome.delivered:
            return Done(fixes.remaining, fixes.fixed, line, outputs)
        return Done([*fixes.fixed, *fixes.remaining], [], line, outputs)

    def _dashboard(self, remaining: list[Finding], config: Config, base: str) -> None:
        from modcon.github.dashboard import update_dashboard
        from modcon.github.gateway import GitHubError

        default = (self.context.payload.get('repository') or {}).get('default_branch')
        if default and base != default:
            self.notes.append(f'The dashboard lists the findings of {md.code(default)} only.')
            return
        try:
            outcome = update_dashboard(self.repo(), remaining, base=base,
                                       docs_url=config.docs_url)
        except GitHubError as exc:
            self.errors.append(ModconError(f'the dashboard issue: {exc} (the job needs the '
                                           f'`issues: write` permission)'))
            return
        self.notes.append(f'Dashboard issue: {md.text(outcome)}.')

    def _verify(self, files: dict[str, FileInput], final: dict[str, str]) -> list[Any]:
        """`modcon verify` on each Dockerfile, before and after the planned fixes.

        This runs the repository's code, so only in `pr` mode, which runs for
        pushes, schedules and dispatches of the repository itself, never for a
        pull request or a comment. The Action's image has no container engine:
        this is the PID-namespace emulation, and each row says so.
        """
        from modcon.github.prbody import Verified
        from modcon.verify.check import verify_fixes

        if self.context.event_name not in PR_EVENTS or \
                not self.context.ref.startswith('refs/heads/'):
            # An allowlist: whatever new event GitHub adds does not run code.
            self.notes.append(f'`verify` runs the repository\'s code only on a push to a '
                              f'branch, `schedule` and `workflow_dispatch`; skipped on '
                              f'{md.code(self.context.event_name or "this event")}.')
            self.out.write('::notice title=modcon::verify skipped: it runs only on push to a '
                           'branch, schedule and workflow_dispatch\n')
            return []
        rows = []
        for item in files.values():
            pair = verify_fixes(item, final, grace=self.inputs.verify_grace)
            if pair is not None:
                before, after = pair
                rows.append(Verified(item.path, ' '.join(after.command), before.describe(),
                                     after.describe()))
        return rows

    # -- reports --------------------------------------------------------------

    def _finish(self, mode: str, plan: ScanPlan, config: Config, findings: list[Finding],
                fixed: list[Finding], files: int, pull_line: str | None, *,
                sources: dict[str, SourceFile] | None = None,
                extra: dict[str, str] | None = None) -> None:
        shown, left_out = annotation_commands(findings, config.docs_url)
        for line in shown:
            self.out.write(line + '\n')
        if left_out:
            self.notes.append(f'{left_out} more findings are not shown as annotations '
                              f'(GitHub shows 10 of each level per step).')
        for error in self.errors:
            path = getattr(error, 'path', None)
            where = f'file={escape_property(path)},' if path else ''
            self.out.write(f'::error {where}title=modcon::{escape_data(str(error))}\n')
        if plan.skip:
            self.notes.append(f'Nothing scanned: {plan.skip}.')
        append_summary(self.context.summary, summaries.render(
            mode=mode, scanned=plan.description, files=files, findings=findings, fixed=fixed,
            docs_url=config.docs_url, pull=pull_line, notes=self.notes))
        outputs = {
            'findings': str(len(findings)),
            'fixed_files': path_lines(sorted({f.path for f in fixed})),
            'pr_number': '',
            'pr_url': '',
            'pr_outcome': '',
            'sarif_file': '',
        }
        if self.inputs.sarif_file:
            outputs['sarif_file'] = self._write_sarif(findings, config, sources or {})
        outputs.update(extra or {})
        write_outputs(self.context.output, outputs)

    def _write_sarif(self, findings: list[Finding], config: Config,
                     sources: dict[str, SourceFile]) -> str:
        from modcon.reporters.sarif import render

        return self.files.write_output('sarif_file', self.inputs.sarif_file,
                                       render(findings, ReportContext(config.docs_url, sources)))


def _mode(path: str) -> str:
    try:
        return '100755' if os.stat(path).st_mode & 0o111 else '100644'
    except OSError:
        return '100644'
