"""``modcon fix``: the check run, fixing each file in place (or showing the fixes as a diff)."""
from __future__ import annotations

import argparse
import os
import sys

from modcon.cli.check import CheckRun
from modcon.cli.check import files_phrase
from modcon.cli.check import run_files
from modcon.diffs import unified_diff
from modcon.engine.check import check_file
from modcon.engine.config import Config
from modcon.engine.discover import Target
from modcon.engine.files import read_source
from modcon.engine.files import write_fixed
from modcon.engine.fixloop import fix_file
from modcon.engine.scope import FileInput
from modcon.errors import InputError
from modcon.errors import ModconError
from modcon.printable import printable
from modcon.source import SourceFile
from modcon.source import encode

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.engine.report_file import ReportFile


def run_fix(args: argparse.Namespace) -> int:
    return run_files(args, FixRun)


class FixRun(CheckRun):
    """One ``fix`` run: fixes files one by one, in one process, then reports.

    Fixing stays in one process: fixes write files, and two Dockerfiles of one
    folder may both create its ``.dockerignore``.
    """

    fixing = True

    def __init__(self, args: argparse.Namespace, config: Config,
                 errors: list[ModconError], report_file: ReportFile | None) -> None:
        super().__init__(args, config, errors, report_file)
        self.diffs: list[str] = []
        self.fixed_count = 0
        self.diffed_files = 0  # --diff: the files fix would change
        self.written: list[str] = []  # the files fix rewrote or created, as displayed
        self.writing: tuple[Target, str] | None = None  # the file being written, and its text

    def handle(self, target: Target, item: FileInput) -> None:
        """Fix one file read by the scope: write it, or keep its diff (``--diff``)."""
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
        if self.args.diff:
            return
        if self.writing is not None:  # interrupted around its write: look at the disk
            target, fixed = self.writing
            try:
                if read_source(target.path, target.display).text == fixed:
                    self.written.append(target.display)
            except InputError:
                pass
        if self.written:
            print(f'modcon: interrupted after rewriting {files_phrase(len(self.written))}: '
                  f'{", ".join(printable(p) for p in self.written)}', file=sys.stderr)
        else:
            print('modcon: interrupted; no file was rewritten', file=sys.stderr)

    def write_reports(self) -> None:
        args = self.args
        fixed_count, changed_files = self.fixed_count, len(self.written)
        if not args.diff:
            to_file = self.report_file is not None
            super().write_reports()
            if args.format == 'text' or to_file:
                print(f'Fixed {fixed_count} finding{"s" if fixed_count != 1 else ""} in '
                      f'{files_phrase(changed_files)}.', file=sys.stderr)
            return
        out = sys.stdout
        diffs = ''.join(self.diffs)
        raw = getattr(out, 'buffer', None)
        if out.isatty():  # escaped for the eyes on a terminal
            out.write(printable(diffs, newlines=True))
        elif raw is not None:  # for `git apply`: the files' own bytes, UTF-8 or not
            out.flush()
            raw.write(encode(diffs))
        else:
            out.write(diffs)
        out.flush()
        report = self.render(to_terminal=False)
        if self.report_file is not None:
            self.write_report(report)
        elif args.format != 'text':
            sys.stderr.write(report)
        print(f'{fixed_count} fix{"es" if fixed_count != 1 else ""} in '
              f'{files_phrase(self.diffed_files)} would be applied (nothing written).',
              file=sys.stderr)
