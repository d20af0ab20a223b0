"""``modcon fix``: the check run, fixing each file in place (or showing the fixes as a diff)."""
from __future__ import annotations

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
from modcon.engine.fixloop import MAX_ROUNDS
from modcon.engine.fixloop import fix_file
from modcon.engine.scope import FileInput
from modcon.engine.scope import LocalReader
from modcon.engine.scope import Scope
from modcon.errors import InputError
from modcon.errors import ModconError
from modcon.model import Finding
from modcon.printable import printable
from modcon.project import LocalTree
from modcon.source import SourceFile
from modcon.source import encode

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.cli.plain import RunArguments
    from modcon.engine.report_file import ReportFile


def run_fix(args: RunArguments) -> int:
    return run_files(args, FixRun)


class FixRun(CheckRun):
    """One ``fix`` run: fixes files one by one, in one process, then reports.

    Fixing stays in one process: fixes write files, and two Dockerfiles of one
    folder may both create its ``.dockerignore``.

    Files depend on each other: once a fix makes an entrypoint script `exec` its
    program, that program is PID 1, and the Dockerfile that runs it may need a
    fix of its own (``STOPSIGNAL SIGINT`` for Python). So the run goes round
    again, over files as the last round left them, until a round changes
    nothing: a second ``modcon fix`` then has nothing to do. ``--diff`` writes
    nothing; its rounds read the texts it would write (``LocalTree``'s pending).
    """

    fixing = True

    def __init__(self, args: RunArguments, config: Config,
                 errors: list[ModconError], report_file: ReportFile | None) -> None:
        super().__init__(args, config, errors, report_file)
        self.fixed_count = 0
        self.written: list[str] = []  # the files fix rewrote or created, as displayed
        self.writing: tuple[Target, str] | None = None  # the file being written, and its text
        # --diff: what fix would write (real path -> text), and what was there before
        # (real path -> displayed path, text; '' for a file a fix adds), in order.
        self.pending: dict[str, str] = {}
        self.before: dict[str, tuple[str, str]] = {}
        self.changed = False  # this round changed a file (or would, with --diff)

    def process_all(self, targets: list[Target]) -> None:
        first: tuple[list[Finding], dict[str, SourceFile]] | None = None
        seen_errors = {str(e) for e in self.errors}
        for round_number in range(MAX_ROUNDS):
            self.changed = False
            if round_number:
                self.scope = Scope(LocalReader(pending=self.pending))
                self.findings, self.sources = [], {}
            before_round = len(self.errors)
            super().process_all(targets)
            # An error (an unreadable file) is said once, not once a round.
            new = [e for e in self.errors[before_round:] if str(e) not in seen_errors]
            seen_errors.update(str(e) for e in new)
            self.errors[before_round:] = new
            if first is None:
                first = self.findings, self.sources
            if not self.changed:
                break
        if self.args.diff and first is not None:
            # Nothing is written, so the files' own findings stand.
            self.findings, self.sources = first

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
                self._wrote(target.display)
            folder, shown = os.path.dirname(target.path), os.path.dirname(target.display)
            for created_path in created:
                self._wrote(os.path.join(shown, os.path.relpath(created_path, folder)))
            self.changed = self.changed or result.fixed != result.original or bool(created)
            self.fixed_count += len(result.applied)
            self.findings.extend(result.findings)
            self.sources[source.path] = SourceFile(source.path, result.fixed)
            return
        if result.changed:  # --diff: kept for the next round and the diff
            self.changed = True
            if result.fixed != result.original:
                self._would_write(target.path, target.display, result.original, result.fixed)
            folder, shown = os.path.dirname(target.path), os.path.dirname(target.display)
            for name, text in result.created.items():
                self._would_write(os.path.join(folder, name), os.path.join(shown, name), '', text)
            self.fixed_count += len(result.applied)
            self.findings.extend(check_file(item, self.config))
        else:
            self.findings.extend(result.findings)
        self.sources[source.path] = source

    def _wrote(self, display: str) -> None:
        if display not in self.written:
            self.written.append(display)

    def _would_write(self, path: str, display: str, original: str, text: str) -> None:
        self.before.setdefault(path, (display, original))
        self.pending[path] = text
        # The files after this one, in this round, see it as `fix` would have written it
        # (a second Dockerfile of the folder finds the .dockerignore the first one adds).
        tree = getattr(self.scope.reader, 'tree', None)
        if isinstance(tree, LocalTree):
            tree.stage(path, text)

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
        diffs = ''.join(unified_diff(display, original, self.pending[path])
                        for path, (display, original) in self.before.items()
                        if self.pending[path] != original)
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
        changed_files = sum(self.pending[path] != original
                            for path, (_display, original) in self.before.items())
        print(f'{fixed_count} fix{"es" if fixed_count != 1 else ""} in '
              f'{files_phrase(changed_files)} would be applied (nothing written).',
              file=sys.stderr)
