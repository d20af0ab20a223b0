"""``modcon check``: discover, read, run the engine, report.

``modcon fix`` (``cli/fix.py``) is this run with fixing in place of checking.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from modcon.cli import collector
from modcon.engine.check import check_file
from modcon.engine.config import Config
from modcon.engine.config import check_rule_patterns
from modcon.engine.config import discover as discover_config
from modcon.engine.config import load_file
from modcon.engine.discover import Target
from modcon.engine.discover import discover
from modcon.engine.discover import nothing_found
from modcon.engine.parallel import Checked
from modcon.engine.parallel import check_dockerfile
from modcon.engine.parallel import check_dockerfiles
from modcon.engine.parallel import jobs_for
from modcon.engine.scope import FileInput
from modcon.engine.scope import Scope
from modcon.errors import EXIT_CLEAN
from modcon.errors import EXIT_ERROR
from modcon.errors import EXIT_FINDINGS
from modcon.errors import InputError
from modcon.errors import ModconError
from modcon.errors import RuleCrashed
from modcon.errors import report_errors
from modcon.model import Applicability
from modcon.model import Finding
from modcon.model import Kind
from modcon.printable import printable
from modcon.reporters import ReportContext
from modcon.reporters import renderer
from modcon.source import SourceFile
from modcon.source import lossy

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.cli.plain import RunArguments
    from modcon.engine.report_file import ReportFile
    from modcon.entrypoints.invocation import Invocation


def load_config(args: RunArguments) -> Config:
    config = load_file(args.config) if args.config else discover_config(os.getcwd())
    if args.select:  # (checking none would still list every rule module)
        check_rule_patterns(args.select, '--select')
    if args.ignore:
        check_rule_patterns(args.ignore, '--ignore')
    if args.select:
        config = config._replace(select=tuple(args.select))
    if args.ignore:
        config = config._replace(ignore=config.ignore + tuple(args.ignore))
    if args.docs_url:
        config = config._replace(docs_url=args.docs_url.rstrip('#'))
    return config


def run_check(args: RunArguments) -> int:
    return run_files(args, CheckRun)


def run_files(args: RunArguments, kind: type[CheckRun]) -> int:
    """Discover the files under ``args.paths`` and run ``kind`` over them."""
    config = load_config(args)
    skipped: list[str] = []
    targets, errors = discover(args.paths, config, skipped)
    # Before anything is written: the report must not land on an input, and
    # its folder must be writable.
    report_file = None
    if args.output:
        from modcon.engine.report_file import ReportFile

        report_file = ReportFile.open(args.output, ((t.path, t.display) for t in targets))
    run = kind(args, config, errors, report_file)
    if not targets and not errors:
        run.nothing_checked = nothing_found(args.paths, skipped)
    try:
        run.process_all(targets)
    except KeyboardInterrupt:
        run.say_what_was_written()
        if report_file is not None:
            report_file.close()
        raise
    return run.report()


class CheckRun:
    """One ``check`` run: processes files one by one, then reports."""

    fixing = False

    def __init__(self, args: RunArguments, config: Config,
                 errors: Sequence[ModconError], report_file: ReportFile | None) -> None:
        self.args = args
        self.config = config
        self.errors: list[ModconError] = list(errors)
        self.report_file = report_file
        self.scope = Scope()
        self.findings: list[Finding] = []
        self.sources: dict[str, SourceFile] = {}
        self.threshold = Applicability.UNSAFE if args.unsafe_fixes else Applicability.SAFE
        self.nothing_checked: str | None = None  # why no file was found, when none was
        self.begun = False  # a file was processed
        self.refused: str | None = None  # the code file refused as the report file (-o)

    def process_all(self, targets: list[Target]) -> None:
        # Dockerfiles first: following each one's command brings the code its
        # container runs into scope, checked as an entrypoint.
        dockerfiles = [t for t in targets if t.kind == Kind.DOCKERFILE]
        jobs = 1 if self.fixing else jobs_for(self.args.jobs, len(dockerfiles))
        if jobs > 1:
            collector.resume()  # before the workers fork: each collects
            for checked in check_dockerfiles(dockerfiles, self.config, jobs):
                self.take(checked)
        else:
            for target in dockerfiles:
                self.process(target)
        code = self.scope.code(targets)
        for target, invocations in code:
            self.process(target, invocations)
        known = {t.path for t in targets}
        reached = [t for t, _ in code if t.path not in known]
        order = {t.display: i for i, t in enumerate([*targets, *reached])}
        self.findings.sort(key=lambda f: order.get(f.path, len(order)))

    def take(self, checked: Checked) -> None:
        """The outcome of checking one Dockerfile, here or in a worker process."""
        if checked.resolution is not None:
            self.scope.follow(checked.target, checked.resolution)
        if checked.error is not None:
            self.errors.append(checked.error)
        if checked.source is not None and checked.error is None:
            self.findings.extend(checked.findings)
            self.sources[checked.source.path] = checked.source

    def process(self, target: Target, invocations: tuple[Invocation, ...] = ()) -> None:
        if self.begun:
            collector.resume()  # the work goes beyond one file: collect as usual
        self.begun = True
        if self.report_file is not None and self.report_file.same_as(target.path):
            # Found by following a command: refuse it, and the report with it.
            self.errors.append(InputError(target.display, 'is the report file (-o); '
                                                          'not checked'))
            self.report_file.close()
            self.report_file = None  # the report goes to stdout instead
            self.refused = target.path
            return
        if target.path == self.refused:
            return  # refused as the report file in an earlier round: never fixed either
        if target.kind == Kind.DOCKERFILE and not self.fixing:
            self.take(check_dockerfile(target, self.config, self.scope))
            return
        try:
            item = self.scope.read(target, invocations)
        except ModconError as exc:
            self.errors.append(exc)
            return
        if target.kind == Kind.DOCKERFILE:
            self.scope.follow_input(target, item)
        try:
            self.handle(target, item)
        except RuleCrashed as exc:
            self.errors.append(exc)

    def handle(self, target: Target, item: FileInput) -> None:
        """Check one file read by the scope."""
        self.findings.extend(check_file(item, self.config))
        self.sources[item.path] = item.source

    def say_what_was_written(self) -> None:
        """On Ctrl-C: what was written already (checking writes nothing)."""

    def report(self) -> int:
        args = self.args
        self.write_reports()
        if self.nothing_checked and (args.format != 'text' or self.report_file is not None):
            print(f'modcon: checked no files: {printable(self.nothing_checked)}',
                  file=sys.stderr)
        report_errors(self.errors)
        if self.errors:
            return EXIT_ERROR
        if self.findings and not args.exit_zero:
            return EXIT_FINDINGS
        return EXIT_CLEAN

    def write_reports(self) -> None:
        """The report, to ``-o`` or stdout."""
        report = self.render(to_terminal=self.report_file is None and sys.stdout.isatty())
        if self.report_file is not None:
            self.write_report(report)
        else:
            sys.stdout.write(report)

    def write_report(self, report: str) -> None:
        assert self.report_file is not None
        try:
            self.report_file.write(report)
        except ModconError as exc:
            self.errors.append(exc)

    def render(self, to_terminal: bool) -> str:
        args = self.args
        color = to_terminal and args.format == 'text' and 'NO_COLOR' not in os.environ
        nothing = self.nothing_checked or ('see the errors below' if self.errors else None)
        context = ReportContext(self.config.docs_url, self.sources, color,
                                checked=len(self.sources), nothing_checked=nothing)
        # Valid UTF-8 whatever the file names and texts hold (the text format escapes them).
        return lossy(renderer(args.format)(self.findings, context))


def files_phrase(count: int) -> str:
    return f'{count} file{"s" if count != 1 else ""}'
