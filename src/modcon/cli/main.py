"""The ``modcon`` command line: parse arguments, run, report, choose the exit code.

Exit codes: 0 nothing left to report, 1 findings remain, 2 usage or input
error (a file that could not be read, a bad config). Every error is one line
on stderr; other files are still processed. ``modcon verify``: 0 every
container stopped on SIGTERM within the grace period, 1 one ignored it, 3 one
could not be verified here.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from collections.abc import Sequence

from modcon import __version__
from modcon.cli import collector
from modcon.errors import EXIT_ERROR
from modcon.errors import EXIT_INTERRUPTED
from modcon.errors import ModconError
from modcon.errors import report_errors
from modcon.reporters import FORMATS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, sized without ``shutil``.

    argparse builds a formatter for every ``add_argument`` and asks
    ``shutil.get_terminal_size`` for the width; importing shutil (and the
    compression modules it pulls in) costs ~1.7 ms of every start.
    """

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            try:
                width = os.get_terminal_size(sys.__stdout__.fileno()).columns - 2  # type: ignore[union-attr]
            except (OSError, AttributeError, ValueError):
                width = int(os.environ.get('COLUMNS', 80)) - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f'modcon: error: {message} (see `{self.prog} --help`)\n')


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.split(',') if part.strip()]


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f'expected a whole number of at least 1, got {value!r}')
    return int(value)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = float('nan')
    if not 0 < seconds < 86400:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f'expected a number of seconds above 0, got {value!r}')
    return seconds


def _image_fact_sources(value: str) -> str:
    names = [part.strip() for part in value.split(',') if part.strip()]
    wrong = [n for n in names if n not in ('engine', 'registry', 'off')]
    if wrong or not names:
        raise argparse.ArgumentTypeError(f'expected engine, registry, both (engine,registry) '
                                         f'or off, got {value!r}')
    return ','.join(names)


def _run_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments ``check`` and ``fix`` share."""
    p.add_argument('paths', nargs='*', default=['.'], metavar='PATH',
                   help='files or directories (default: .)')
    p.add_argument('--format', choices=FORMATS, default='text',
                   help='output format (default: text)')
    p.add_argument('-o', '--output', metavar='FILE',
                   help='write the report to FILE instead of stdout')
    p.add_argument('--select', type=_codes, action='extend', metavar='CODES',
                   help='only these rules (codes, prefixes such as MC1, or names)')
    p.add_argument('--ignore', type=_codes, action='extend', default=[], metavar='CODES',
                   help='skip these rules')
    p.add_argument('--config', metavar='FILE',
                   help='use this .modcon.toml or pyproject.toml (default: nearest one)')
    p.add_argument('--docs-url', metavar='URL',
                   help='base URL of docs/properties.md for the links in findings')
    p.add_argument('--unsafe-fixes', action='store_true',
                   help='also apply (fix) or count (check) unsafe fixes')
    p.add_argument('-j', '--jobs', type=_positive, metavar='N',
                   help='processes to check with (default: one per CPU for large '
                        'batches; fix always uses one)')
    p.add_argument('--exit-zero', action='store_true',
                   help='exit 0 even when findings remain (errors still exit 2)')


def _image_facts_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument('--image-facts', type=_image_fact_sources, metavar='SOURCES',
                   help='read base images\' ENTRYPOINT, CMD, USER, ... from the image '
                        'itself: engine (docker/podman image inspect), registry (its HTTP '
                        'API; network), or engine,registry; cached. Default: off '
                        '($MODCON_IMAGE_FACTS): the built-in table only')


def _check_arguments(p: argparse.ArgumentParser) -> None:
    _run_arguments(p)
    _image_facts_argument(p)


def _fix_arguments(p: argparse.ArgumentParser) -> None:
    _run_arguments(p)
    p.add_argument('--diff', action='store_true',
                   help='print the changes as a unified diff and write nothing')
    _image_facts_argument(p)


def _rules_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument('--format', choices=('text', 'json', 'markdown'), default='text')


def _rule_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument('code', metavar='CODE', help='a rule code (MC101) or name')


def _explain_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument('paths', nargs='*', default=['.'], metavar='PATH')


def _verify_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument('paths', nargs='*', default=['.'], metavar='PATH')
    p.add_argument('--grace', type=_seconds, default=10.0, metavar='SECONDS',
                   help='how long to wait after SIGTERM before SIGKILL (default: 10)')
    p.add_argument('--settle', type=_seconds, default=1.0, metavar='SECONDS',
                   help='how long the command runs before it is stopped (default: 1)')
    p.add_argument('--format', choices=('text', 'json'), default='text')
    p.add_argument('--engine', choices=('auto', 'docker', 'podman', 'namespace'),
                   default='auto',
                   help='build and stop the image with docker or podman; namespace: the '
                        'PID-namespace emulation; auto (default): an engine when one '
                        'works here, else the emulation')
    _image_facts_argument(p)


def _no_arguments(p: argparse.ArgumentParser) -> None:
    """``action`` reads its inputs from the environment."""


# Each command: its name, its summary in ``modcon --help``, and what adds its arguments.
_COMMANDS: tuple[tuple[str, str, Callable[[argparse.ArgumentParser], None]], ...] = (
    ('check', 'report findings; change nothing', _check_arguments),
    ('fix', 'apply fixes in place (or show them with --diff)', _fix_arguments),
    ('rules', 'list the rules', _rules_arguments),
    ('rule', "print a rule's documentation", _rule_arguments),
    ('explain-entrypoint', "show how each Dockerfile's command leads to the files it runs",
     _explain_arguments),
    ('verify', "run each container's command as PID 1 and stop it like docker stop (runs "
               "the repository's code)", _verify_arguments),
    ('action', 'run as the GitHub Action (reads INPUT_* and GITHUB_*)', _no_arguments),
)

_COMMAND_NAMES = frozenset(name for name, _, _ in _COMMANDS)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of ``command`` when the command line
    starts with it: argparse then hands all that follows to that command's parser,
    and no message or help lists the others."""
    parser = _Parser(
        prog='modcon',
        description='Find and fix where containers break the module-container properties.',
        formatter_class=_Formatter,
    )
    parser.add_argument('--version', action='version', version=f'modcon {__version__}')
    sub = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for name, summary, arguments in _COMMANDS:
        if command in (None, name):
            arguments(sub.add_parser(name, help=summary, formatter_class=_Formatter))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    first = argv[0] if argv else None
    args = build_parser(first if first in _COMMAND_NAMES else None).parse_args(argv)
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
