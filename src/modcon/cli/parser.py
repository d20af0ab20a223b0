"""The ``modcon`` command line as argparse reads it: every command's options,
its help, and its usage errors on one line.

A line of only ``check`` or ``fix`` and paths is read without it
(``cli/plain.py``); the defaults of those two commands are that module's.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from types import SimpleNamespace

from modcon import __version__
from modcon.cli.plain import defaults
from modcon.errors import EXIT_ERROR
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
    """The arguments ``check`` and ``fix`` share (their defaults: ``cli/plain.py``)."""
    p.add_argument('paths', nargs='*', metavar='PATH',
                   help='files or directories (default: .)')
    p.add_argument('--format', choices=FORMATS,
                   help='output format (default: text)')
    p.add_argument('-o', '--output', metavar='FILE',
                   help='write the report to FILE instead of stdout')
    p.add_argument('--select', type=_codes, action='extend', metavar='CODES',
                   help='only these rules (codes, prefixes such as MC1, or names)')
    p.add_argument('--ignore', type=_codes, action='extend', metavar='CODES',
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
    p.set_defaults(**defaults('check'))


def _fix_arguments(p: argparse.ArgumentParser) -> None:
    _run_arguments(p)
    p.add_argument('--diff', action='store_true',
                   help='print the changes as a unified diff and write nothing')
    _image_facts_argument(p)
    p.set_defaults(**defaults('fix'))


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
COMMANDS: tuple[tuple[str, str, Callable[[argparse.ArgumentParser], None]], ...] = (
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

COMMAND_NAMES = frozenset(name for name, _, _ in COMMANDS)


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
    for name, summary, arguments in COMMANDS:
        if command in (None, name):
            arguments(sub.add_parser(name, help=summary, formatter_class=_Formatter))
    return parser


def parse_arguments(argv: list[str]) -> SimpleNamespace:
    """``argv`` read by argparse (usage errors and ``--help`` exit here), as the
    same namespace a plain command line gives."""
    first = argv[0] if argv else None
    parsed = build_parser(first if first in COMMAND_NAMES else None).parse_args(argv)
    return SimpleNamespace(**vars(parsed))
