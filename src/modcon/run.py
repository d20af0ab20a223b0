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
from modcon.discover import discover
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
    errors_all: list[ModconError] = list(errors)
    # The code the Dockerfiles' containers run is checked too, as entrypoints.
    scope = code_scope([t for t in targets if t.kind == 'dockerfile'])
    known = {t.path for t in targets}
    targets.extend(t for t in scope.targets if t.path not in known)
    findings: list[Finding] = []
    sources: dict[str, SourceFile] = {}
    fixing = args.command == 'fix'
    threshold = Applicability.UNSAFE if args.unsafe_fixes else Applicability.SAFE
    diffs: list[str] = []
    fixed_count = 0
    changed_files = 0
    for target in targets:
        try:
            source = read_source(target.path, target.display)
        except InputError as exc:
            errors_all.append(exc)
            continue
        invocations = scope.invocations.get(target.display, ())
        if target.kind != 'dockerfile' and not invocations:
            # Named by the user: treat it as the program a container runs.
            invocations = (Invocation(None, 0, (INTERPRETERS[target.kind], target.display)),)
        project = context_of(target) if target.kind == 'dockerfile' else None
        try:
            if fixing:
                result = fix_source(source, target.kind, config, threshold, invocations, project)
                if result.changed:
                    changed_files += 1
                    fixed_count += len(result.applied)
                    beside = os.path.dirname(target.display)
                    if args.diff:
                        if result.fixed != result.original:
                            diffs.append(unified_diff(target.display, result.original,
                                                      result.fixed))
                        for name, text in result.created.items():
                            diffs.append(unified_diff(os.path.join(beside, name), '', text))
                        findings.extend(result.applied)
                        findings.extend(result.findings)
                        sources[source.path] = source
                        continue
                    if result.fixed != result.original:
                        write_atomic(target.path, result.fixed)
                    for name, text in result.created.items():
                        create_new(os.path.join(os.path.dirname(target.path), name), text)
                    source = SourceFile(source.path, result.fixed)
                findings.extend(result.findings)
            else:
                findings.extend(check_source(source, target.kind, config, invocations, project))
        except RuleCrashed as exc:
            errors_all.append(exc)
            continue
        except OSError as exc:
            errors_all.append(InputError(target.display, f'cannot write: {exc.strerror}'))
            continue
        sources[source.path] = source

    out = sys.stdout
    if fixing and args.diff:
        out.write(''.join(diffs))
        out.flush()
        report = _render(findings, args, config, sources, to_terminal=False)
        if args.output:
            _write_report(args.output, report)
        elif args.format != 'text':
            sys.stderr.write(report)
        print(f'{fixed_count} fix{"es" if fixed_count != 1 else ""} in {changed_files} '
              f'file{"s" if changed_files != 1 else ""} would be applied (nothing written).',
              file=sys.stderr)
    else:
        report = _render(findings, args, config, sources,
                         to_terminal=not args.output and out.isatty())
        if args.output:
            _write_report(args.output, report)
        else:
            out.write(report)
        if fixing and args.format == 'text' or fixing and args.output:
            print(f'Fixed {fixed_count} finding{"s" if fixed_count != 1 else ""} in '
                  f'{changed_files} file{"s" if changed_files != 1 else ""}.', file=sys.stderr)
    report_errors(errors_all)
    if errors_all:
        return EXIT_ERROR
    if findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


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

    from modcon.dockerfile.document import DockerfileDocument
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
