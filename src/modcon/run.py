"""``modcon check`` and ``modcon fix``: discover, read, run the engine, report, write."""
from __future__ import annotations

import argparse
import os
import sys

from modcon.cli import EXIT_CLEAN
from modcon.cli import EXIT_ERROR
from modcon.cli import EXIT_FINDINGS
from modcon.cli import report_errors
from modcon.config import Config
from modcon.config import discover as discover_config
from modcon.config import load_file
from modcon.diffs import unified_diff
from modcon.discover import Target
from modcon.discover import discover
from modcon.dockerfile.document import DockerfileDocument
from modcon.engine import FileResult
from modcon.engine import check_source
from modcon.engine import fix_source
from modcon.entrypoints import Invocation
from modcon.errors import InputError
from modcon.errors import ModconError
from modcon.errors import RuleCrashed
from modcon.files import read_source
from modcon.files import create_new
from modcon.files import write_atomic
from modcon.model import Applicability
from modcon.model import Finding
from modcon.reporters import ReportContext
from modcon.reporters import renderer
from modcon.parallel import Checked
from modcon.parallel import check_dockerfile
from modcon.parallel import check_dockerfiles
from modcon.parallel import jobs_for
from modcon.scope import ScopeBuilder
from modcon.scope import code_scope
from modcon.scope import context_of
from modcon.source import SourceFile


def load_config(args: argparse.Namespace) -> Config:
    config = load_file(args.config) if args.config else discover_config(os.getcwd())
    if args.select:
        config = config._replace(select=tuple(args.select))
    if args.ignore:
        config = config._replace(ignore=config.ignore + tuple(args.ignore))
    if args.docs_url:
        config = config._replace(docs_url=args.docs_url.rstrip('#'))
    return config


INTERPRETERS = {'python': 'python', 'shell': 'sh', 'javascript': 'node'}


def run_check_or_fix(args: argparse.Namespace) -> int:
    config = load_config(args)
    targets, errors = discover(args.paths, config)
    run = _Run(args, config, errors)
    # Dockerfiles first: following each one's command brings the code its
    # container runs into scope, checked as an entrypoint.
    dockerfiles = [t for t in targets if t.kind == 'dockerfile']
    jobs = 1 if run.fixing else jobs_for(args.jobs, len(dockerfiles))
    if jobs > 1:
        for checked in check_dockerfiles(dockerfiles, config, jobs):
            run.take(checked)
    else:
        for target in dockerfiles:
            run.process(target)
    scope = run.scope.scope()
    known = {t.path for t in targets}
    targets.extend(t for t in scope.targets if t.path not in known)
    for target in targets:
        if target.kind != 'dockerfile':
            invocations = scope.invocations.get(target.display, ())
            if not invocations:
                # Named by the user: treat it as the program a container runs.
                invocations = (Invocation(None, 0, (INTERPRETERS[target.kind], target.display)),)
            run.process(target, invocations)
    order = {t.display: i for i, t in enumerate(targets)}
    run.findings.sort(key=lambda f: order.get(f.path, len(order)))
    return run.report()


class _Run:
    """One ``check`` or ``fix`` run: processes files one by one, then reports."""

    def __init__(self, args: argparse.Namespace, config: Config,
                 errors: list[ModconError]) -> None:
        self.args = args
        self.config = config
        self.errors: list[ModconError] = list(errors)
        self.scope = ScopeBuilder()
        self.findings: list[Finding] = []
        self.sources: dict[str, SourceFile] = {}
        self.fixing = args.command == 'fix'
        self.threshold = Applicability.UNSAFE if args.unsafe_fixes else Applicability.SAFE
        self.diffs: list[str] = []
        self.fixed_count = 0
        self.changed_files = 0

    def take(self, checked: Checked) -> None:
        """The outcome of checking one Dockerfile, here or in a worker process."""
        if checked.resolution is not None:
            self.scope.add(checked.target, checked.resolution)
        if checked.error is not None:
            self.errors.append(checked.error)
        if checked.source is not None and checked.error is None:
            self.findings.extend(checked.findings)
            self.sources[checked.source.path] = checked.source

    def process(self, target: Target, invocations: tuple[Invocation, ...] = ()) -> None:
        args, config = self.args, self.config
        if target.kind == 'dockerfile' and not self.fixing:
            self.take(check_dockerfile(target, config, self.scope))
            return
        try:
            source = read_source(target.path, target.display)
        except InputError as exc:
            self.errors.append(exc)
            return
        project = document = None
        if target.kind == 'dockerfile':
            project = self.scope.context(target)
            document = DockerfileDocument(source, project)
            if document.error is None:
                self.scope.add(target, document.resolution)
        try:
            if self.fixing:
                result = fix_source(source, target.kind, config, self.threshold, invocations,
                                    project, document)
                if result.changed:
                    self.changed_files += 1
                    self.fixed_count += len(result.applied)
                    beside = os.path.dirname(target.display)
                    if args.diff:
                        if result.fixed != result.original:
                            self.diffs.append(unified_diff(target.display, result.original,
                                                           result.fixed))
                        for name, text in result.created.items():
                            self.diffs.append(unified_diff(os.path.join(beside, name), '', text))
                        self.findings.extend(result.applied)
                        self.findings.extend(result.findings)
                        self.sources[source.path] = source
                        return
                    write_fixed(target.path, result)
                    source = SourceFile(source.path, result.fixed)
                self.findings.extend(result.findings)
            else:
                self.findings.extend(check_source(source, target.kind, config, invocations,
                                                  project, document))
        except RuleCrashed as exc:
            self.errors.append(exc)
            return
        except OSError as exc:
            self.errors.append(InputError(target.display, f'cannot write: {exc.strerror}'))
            return
        self.sources[source.path] = source

    def report(self) -> int:
        args, config, findings = self.args, self.config, self.findings
        out = sys.stdout
        fixed_count, changed_files = self.fixed_count, self.changed_files
        if self.fixing and args.diff:
            out.write(''.join(self.diffs))
            out.flush()
            report = _render(findings, args, config, self.sources, to_terminal=False)
            if args.output:
                _write_report(args.output, report)
            elif args.format != 'text':
                sys.stderr.write(report)
            print(f'{fixed_count} fix{"es" if fixed_count != 1 else ""} in {changed_files} '
                  f'file{"s" if changed_files != 1 else ""} would be applied (nothing written).',
                  file=sys.stderr)
        else:
            report = _render(findings, args, config, self.sources,
                             to_terminal=not args.output and out.isatty())
            if args.output:
                _write_report(args.output, report)
            else:
                out.write(report)
            if self.fixing and (args.format == 'text' or args.output):
                print(f'Fixed {fixed_count} finding{"s" if fixed_count != 1 else ""} in '
                      f'{changed_files} file{"s" if changed_files != 1 else ""}.', file=sys.stderr)
        report_errors(self.errors)
        if self.errors:
            return EXIT_ERROR
        if findings and not args.exit_zero:
            return EXIT_FINDINGS
        return EXIT_CLEAN


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


def _render(findings: list[Finding], args: argparse.Namespace, config: Config,
            sources: dict[str, SourceFile], to_terminal: bool) -> str:
    color = to_terminal and args.format == 'text' and 'NO_COLOR' not in os.environ
    context = ReportContext(config.docs_url, sources, color)
    return renderer(args.format)(findings, context)


def _write_report(path: str, report: str) -> None:
    try:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(report)
    except OSError as exc:
        raise ModconError(f'{path}: cannot write the report: {exc.strerror}') from None


def run_explain(paths: list[str]) -> int:
    """``modcon explain-entrypoint``: how each Dockerfile's command was followed."""
    from modcon.dockerfile.resolve import explain

    targets, errors = discover(paths, Config())
    scope = code_scope(t for t in targets if t.kind == 'dockerfile')
    for resolution in scope.resolutions:
        sys.stdout.write(explain(resolution))
    report_errors(errors)
    return EXIT_ERROR if errors else EXIT_CLEAN


def run_verify(args: argparse.Namespace) -> int:
    """``modcon verify``: stop each container's command like ``docker stop``."""
    import json

    from modcon.verify.check import verify

    targets, errors = discover(args.paths, Config())
    results = []
    for target in targets:
        if target.kind != 'dockerfile':
            continue
        try:
            source = read_source(target.path, target.display)
        except InputError as exc:
            errors.append(exc)
            continue
        project = context_of(target)
        document = DockerfileDocument(source, project)
        if document.error is not None:
            errors.append(InputError(target.display, f'does not parse: {document.error.message}'))
            continue
        results.append(verify(document, target.display, project, grace=args.grace,
                              settle=args.settle))
    if args.format == 'json':
        print(json.dumps([r.to_json() for r in results], indent=2))
    else:
        for r in results:
            print(f'{r.dockerfile}: {" ".join(r.command)}: {r.result.describe()}')
    report_errors(errors)
    if errors:
        return EXIT_ERROR
    if any(r.result.verified and r.result.killed for r in results):
        return EXIT_FINDINGS
    if any(not r.result.verified for r in results):
        return 3
    return EXIT_CLEAN
