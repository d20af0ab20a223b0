"""The ``modcon`` command line: parse arguments, run, report, choose the exit code.

Exit codes: 0 nothing left to report, 1 findings remain, 2 usage or input
error (a file that could not be read, a bad config). Every error is one line
on stderr; other files are still processed. ``modcon verify``: 0 every
container stopped on SIGTERM within the grace period, 1 one ignored it, 3 one
could not be verified here.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from modcon.cli import collector
from modcon.cli.plain import plain_arguments
from modcon.errors import EXIT_ERROR
from modcon.errors import EXIT_INTERRUPTED
from modcon.errors import ModconError
from modcon.errors import report_errors


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = plain_arguments(argv)
    if args is None:
        from modcon.cli.parser import parse_arguments

        args = parse_arguments(argv)
    if getattr(args, 'image_facts', None):
        # An environment variable, so that the checking worker processes see it too.
        os.environ['MODCON_IMAGE_FACTS'] = args.image_facts
    if args.command not in ('check', 'fix'):
        collector.resume()  # the others resume after their first file
    try:
        if args.command in ('check', 'fix', 'explain-entrypoint', 'verify'):
            _require_working_folder()
        if args.command == 'check':
            from modcon.cli.check import run_check

            return run_check(args)
        if args.command == 'fix':
            from modcon.cli.fix import run_fix

            return run_fix(args)
        if args.command == 'rules':
            from modcon.cli.rules import print_rules

            return print_rules(args.format)
        if args.command == 'rule':
            from modcon.cli.rules import print_rule

            return print_rule(args.code)
        if args.command == 'explain-entrypoint':
            from modcon.cli.explain import run_explain

            return run_explain(args.paths)
        if args.command == 'verify':
            from modcon.cli.verify import run_verify

            return run_verify(args)
        if args.command == 'action':
            from modcon.action.main import run_action

            return run_action(os.environ)
        raise AssertionError(f'unhandled command {args.command!r}')
    except ModconError as exc:
        report_errors([exc])
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `modcon check | head`: the reader left; say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


def _require_working_folder() -> None:
    """Paths are read relative to the working folder: refuse to start in one that was deleted
    (a shell left in a folder another process removed), rather than fail half-way."""
    try:
        os.getcwd()
    except FileNotFoundError:
        raise ModconError('the current folder no longer exists (was it deleted?); '
                          'cd to an existing folder and run modcon again') from None
