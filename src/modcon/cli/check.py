"""``modcon check`` and ``modcon fix``: discover, read, run the engine, report, write."""
from __future__ import annotations

import argparse
import os
import sys

from modcon.cli import EXIT_CLEAN
from modcon.cli import EXIT_ERROR
from modcon.cli import EXIT_FINDINGS
from modcon.cli import report_errors
from modcon.diffs import unified_diff
from modcon.engine.check import FileResult
from modcon.engine.check import check_file
from modcon.engine.check import fix_file
from modcon.engine.config import Config
from modcon.engine.config import check_rule_patterns
from modcon.engine.config import discover as discover_config
from modcon.engine.config import load_file
from modcon.engine.discover import Target
from modcon.engine.discover import discover
from modcon.engine.discover import nothing_found
from modcon.engine.files import create_new
from modcon.engine.files import read_source
from modcon.engine.files import write_atomic
from modcon.engine.parallel import Checked
from modcon.engine.parallel import check_dockerfile
from modcon.engine.parallel import check_dockerfiles
from modcon.engine.parallel import jobs_for
from modcon.engine.report_file import ReportFile
from modcon.engine.scope import FileInput
from modcon.engine.scope import Scope
from modcon.engine.scope import code_scope
from modcon.engine.scope import explained
from modcon.entrypoints.invocation import Invocation
from modcon.errors import InputError
from modcon.errors import ModconError
from modcon.errors import RuleCrashed
from modcon.model import Applicability
from modcon.model import Finding
from modcon.printable import printable
from modcon.reporters import ReportContext
from modcon.reporters import renderer
from modcon.source import SourceFile


def load_config(args: argparse.Namespace) -> Config:
    config = load_file(args.config) if args.config else discover_config(os.getcwd())
    check_rule_patterns(args.select or (), '--select')
    check_rule_patterns(args.ignore, '--ignore')
    if args.select:
        config = config._replace(select=tuple(args.select))
    if args.ignore:
        config = config._replace(ignore=config.ignore + tuple(args.ignore))
    if args.docs_url:
        config = config._replace(docs_url=args.docs_url.rstrip('#'))
    return config


def run_check_or_fix(args: argparse.Namespace) -> int:
    config = load_config(args)
    skipped: list[str] = []
    targets, errors = discover(args.paths, config, skipped)
    # Before anything is written: the report must not land on an input, and
    # its folder must be writable.
    report_file = (ReportFile.open(args.output, ((t.path, t.display) for t in targets))
                   if args.output else None)
    run = _Run(args, config, errors, report_file)
    if not targets and not errors:
        run.nothing_checked = nothing_found(args.paths, skipped)
    try:
        _process_all(run, targets)
    except KeyboardInterrupt:
        run.say_what_was_written()
        if report_file is not None:
            report_file.close()
        raise
    return run.report()


def _process_all(run: _Run, targets: list[Target]) -> None:
    # Dockerfiles first: following each one's command brings the code its
    # container runs into scope, checked as an entrypoint.
    dockerfiles = [t for t in targets if t.kind == 'dockerfile']
    jobs = 1 if run.fixing else jobs_for(run.args.jobs, len(dockerfiles))
    if jobs > 1:
        for checked in check_dockerfiles(dockerfiles, run.config, jobs):
            run.take(checked)
    else:
        for target in dockerfiles:
            run.process(target)
    code = run.scope.code(targets)
    for target, invocations in code:
        run.process(target, invocations)
    known = {t.path for t in targets}
    reached = [t for t, _ in code if t.path not in known]
    order = {t.display: i for i, t in enumerate([*targets, *reached])}
    run.findings.sort(key=lambda f: order.get(f.path, len(order)))


class _Run:
    """One ``check`` or ``fix`` run: processes files one by one, then reports."""

    def __init__(self, args: argparse.Namespace, config: Config,
                 errors: list[ModconError], report_file: ReportFile | None) -> None:
        self.args = args
        self.config = config
        self.errors: list[ModconError] = list(errors)
        self.report_file = report_file
        self.scope = Scope()
        self.findings: list[Finding] = []
        self.sources: dict[str, SourceFile] = {}
        self.fixing = args.command == 'fix'
        self.threshold = Applicability.UNSAFE if args.unsafe_fixes else Applicability.SAFE
        self.diffs: list[str] = []
        self.fixed_count = 0
        self.diffed_files = 0  # --diff: the files fix would change
        self.written: list[str] = []  # the files fix rewrote or created, as displayed
        self.nothing_checked: str | None = None  # why no file was found, when none was
        self.writing: tuple[Target, str] | None = None  # the file being written, and its text

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
        if self.report_file is not None and self.report_file.same_as(target.path):
            # Found by following a command: refuse it, and the report with it.
            self.errors.append(InputError(target.display, 'is the report file (-o); '
                                                          'not checked'))
            self.report_file.close()
            self.report_file = None  # the report goes to stdout instead
            return
        if target.kind == 'dockerfile' and not self.fixing:
            self.take(check_dockerfile(target, self.config, self.scope))
            return
        try:
            item = self.scope.read(target, invocations)
        except ModconError as exc:
            self.errors.append(exc)
            return
        if target.kind == 'dockerfile':
            self.scope.follow_input(target, item)
        try:
            if self.fixing:
                self._fix(target, item)
            else:
                self.findings.extend(check_file(item, self.config))
                self.sources[item.path] = item.source
        except RuleCrashed as exc:
            self.errors.append(exc)

    def _fix(self, target: Target, item: FileInput) -> None:
        result = fix_file(item, self.config, self.threshold)
        source = item.source
        if result.changed and not self.args.diff:
            self.writing = (target, result.fixed)
            try:
                created = write_fixed(target.path, result)
            except (InputError, OSError) as exc:
                self.writing = None
                reason = exc.reason if isinstance(exc, InputError) else exc.strerror
                try:  # what is on disk now is what to report
                    source = read_source(target.path, target.display)
                except InputError:
                    pass
                if result.fixed != result.original and source.text == result.fixed:
                    self.written.append(target.display)
                    reason = f'fixed, but a file its fix adds could not be created: {reason}'
                else:
                    reason = f'not fixed: {reason}'
                self.errors.append(InputError(target.display, reason))
                self.findings.extend(check_file(item.with_text(source.text), self.config))
                self.sources[source.path] = source
                return
            self.writing = None
            if result.fixed != result.original:
                self.written.append(target.display)
            folder, shown = os.path.dirname(target.path), os.path.dirname(target.display)
            self.written.extend(os.path.join(shown, os.path.relpath(p, folder)) for p in created)
            self.fixed_count += len(result.applied)
            self.findings.extend(result.findings)
            self.sources[source.path] = SourceFile(source.path, result.fixed)
            return
        if result.changed:  # --diff: nothing is written, so the findings stand
            beside = os.path.dirname(target.display)
            if result.fixed != result.original:
                self.diffs.append(unified_diff(target.display, result.original, result.fixed))
            for name, text in result.created.items():
                self.diffs.append(unified_diff(os.path.join(beside, name), '', text))
            self.fixed_count += len(result.applied)
            self.diffed_files += 1
            self.findings.extend(check_file(item, self.config))
        else:
            self.findings.extend(result.findings)
        self.sources[source.path] = source

    def say_what_was_written(self) -> None:
        """On Ctrl-C: which files fix had rewritten already (each completely)."""
        if not self.fixing or self.args.diff:
            return
        if self.writing is not None:  # interrupted around its write: look at the disk
            target, fixed = self.writing
            try:
                if read_source(target.path, target.display).text == fixed:
                    self.written.append(target.display)
            except InputError:
                pass
        if self.written:
            print(f'modcon: interrupted after rewriting {_files(len(self.written))}: '
                  f'{", ".join(printable(p) for p in self.written)}', file=sys.stderr)
        else:
            print('modcon: interrupted; no file was rewritten', file=sys.stderr)

    def report(self) -> int:
        args, config, findings = self.args, self.config, self.findings
        out = sys.stdout
        fixed_count, changed_files = self.fixed_count, len(self.written)
        to_file = self.report_file is not None
        if self.fixing and args.diff:
            diffs = ''.join(self.diffs)
            # Raw for `git apply`; escaped for the eyes on a terminal.
            out.write(printable(diffs, newlines=True) if out.isatty() else diffs)
            out.flush()
            changed_files = self.diffed_files
            report = self._render(to_terminal=False)
            if self.report_file is not None:
                self._write_report(report)
            elif args.format != 'text':
                sys.stderr.write(report)
            print(f'{fixed_count} fix{"es" if fixed_count != 1 else ""} in '
                  f'{_files(changed_files)} would be applied (nothing written).',
                  file=sys.stderr)
        else:
            report = self._render(to_terminal=not to_file and out.isatty())
            if self.report_file is not None:
                self._write_report(report)
            else:
                out.write(report)
            if self.fixing and (args.format == 'text' or to_file):
                print(f'Fixed {fixed_count} finding{"s" if fixed_count != 1 else ""} in '
                      f'{_files(changed_files)}.', file=sys.stderr)
        if self.nothing_checked and (args.format != 'text' or to_file):
            print(f'modcon: checked no files: {printable(self.nothing_checked)}',
                  file=sys.stderr)
        report_errors(self.errors)
        if self.errors:
            return EXIT_ERROR
        if findings and not args.exit_zero:
            return EXIT_FINDINGS
        return EXIT_CLEAN

    def _write_report(self, report: str) -> None:
        assert self.report_file is not None
        try:
            self.report_file.write(report)
        except ModconError as exc:
            self.errors.append(exc)

    def _render(self, to_terminal: bool) -> str:
        args = self.args
        color = to_terminal and args.format == 'text' and 'NO_COLOR' not in os.environ
        nothing = self.nothing_checked or ('see the errors below' if self.errors else None)
        context = ReportContext(self.config.docs_url, self.sources, color,
                                checked=len(self.sources), nothing_checked=nothing)
        return renderer(args.format)(self.findings, context)


def _files(count: int) -> str:
    return f'{count} file{"s" if count != 1 else ""}'


def write_fixed(path: str, result: FileResult) -> list[str]:
    """Write the fixed text over ``path`` and the files its fixes add beside it.

    Returns the files created; one that exists already is left as it is.
    """
    if result.fixed != result.original:
        write_atomic(path, result.fixed)
    created = []
    for name, text in result.created.items():
        new = os.path.join(os.path.dirname(path), name)
        if create_new(new, text):
            created.append(new)
    return created


def run_explain(paths: list[str]) -> int:
    """``modcon explain-entrypoint``: how each Dockerfile's command was followed."""
    skipped: list[str] = []
    targets, errors = discover(paths, Config(), skipped)
    dockerfiles = [t for t in targets if t.kind == 'dockerfile']
    for text in explained(code_scope(dockerfiles)):
        sys.stdout.write(printable(text, newlines=True))
    _say_if_none(dockerfiles, errors, paths, skipped)
    report_errors(errors)
    return EXIT_ERROR if errors else EXIT_CLEAN


def run_verify(args: argparse.Namespace) -> int:
    """``modcon verify``: stop each container's command like ``docker stop``."""
    import json

    from modcon.containers.engine import find_engine
    from modcon.verify.check import verify

    engine = find_engine(args.engine)
    if engine is None and args.engine in ('docker', 'podman'):
        raise ModconError(f'{args.engine} is not usable here (not installed, or it does not '
                          f'answer); --engine namespace uses the PID-namespace emulation')
    skipped: list[str] = []
    targets, errors = discover(args.paths, Config(), skipped)
    _say_if_none([t for t in targets if t.kind == 'dockerfile'], errors, args.paths, skipped)
    results = []
    scope = Scope()
    for target in targets:
        if target.kind != 'dockerfile':
            continue
        try:
            item = scope.read(target)
        except InputError as exc:
            errors.append(exc)
            continue
        document = item.document
        if document.error is not None:
            errors.append(InputError(target.display, f'does not parse: {document.error.message}'))
            continue
        results.append(verify(document, target.display, item.project, grace=args.grace,
                              settle=args.settle, engine=engine,
                              fallback=args.engine == 'auto'))
    if args.format == 'json':
        print(json.dumps([r.to_json() for r in results], indent=2))
    else:
        for r in results:
            print(printable(f'{r.dockerfile}: {" ".join(r.command)}: {r.describe()}'))
    report_errors(errors)
    if errors:
        return EXIT_ERROR
    if any(r.result.verified and r.result.killed for r in results):
        return EXIT_FINDINGS
    if any(not r.result.verified for r in results):
        return 3
    return EXIT_CLEAN


def _say_if_none(dockerfiles: list[Target], errors: list[InputError], paths: list[str],
                 skipped: list[str]) -> None:
    """Tell, on stderr, that there was no Dockerfile to look at, and why."""
    if not dockerfiles and not errors:
        print(f'modcon: no Dockerfile to look at: {printable(nothing_found(paths, skipped))}',
              file=sys.stderr)
