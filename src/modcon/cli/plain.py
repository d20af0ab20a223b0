"""The command lines read without argparse: ``check`` or ``fix`` and paths, nothing else.

``modcon check Dockerfile``, and what a pre-commit hook runs, ``modcon check``
with the staged files, ask for a command's defaults and name its paths. To say
so argparse would be imported and the command's parser built: about a tenth of
a cold check (docs/benchmarks.md), most of it ``gettext`` looking up
translations of argparse's own messages. Such a line is read here instead.
Every other line (an option, ``--``, ``--help``, a path that starts with
``-``, another command) goes to argparse (``cli/parser.py``), whose ``check``
and ``fix`` parsers take their defaults from ``defaults`` below;
tests/test_cli_parser.py reads lines both ways and requires the same.
"""
from __future__ import annotations

from types import SimpleNamespace

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from collections.abc import Sequence
    from typing import Protocol

    class RunArguments(Protocol):
        """What ``check`` and ``fix`` read from their command line."""

        command: str
        paths: list[str]
        format: str
        output: str | None
        select: list[str] | None
        ignore: list[str]
        config: str | None
        docs_url: str | None
        unsafe_fixes: bool
        jobs: int | None
        exit_zero: bool
        image_facts: str | None
        diff: bool  # fix only

_RUN_DEFAULTS: dict[str, object] = {
    'paths': ['.'],
    'format': 'text',
    'output': None,
    'select': None,
    'ignore': [],
    'config': None,
    'docs_url': None,
    'unsafe_fixes': False,
    'jobs': None,
    'exit_zero': False,
    'image_facts': None,
}
_DEFAULTS: dict[str, dict[str, object]] = {
    'check': _RUN_DEFAULTS,
    'fix': {**_RUN_DEFAULTS, 'diff': False},
}


def defaults(command: str) -> dict[str, object]:
    """The values of ``command``'s options when the command line gives none
    (fresh lists: a run may extend them)."""
    return {name: list(value) if isinstance(value, list) else value
            for name, value in _DEFAULTS[command].items()}


def plain_arguments(argv: Sequence[str]) -> SimpleNamespace | None:
    """``argv`` read as argparse would read it, if it is ``check`` or ``fix``
    followed by paths only; None for any other command line."""
    if not argv or argv[0] not in _DEFAULTS:
        return None
    paths = list(argv[1:])
    if not all(path and path[0] != '-' for path in paths):
        return None  # an option, `--`, or a path argparse may take for one
    values = defaults(argv[0])
    if paths:
        values['paths'] = paths
    return SimpleNamespace(command=argv[0], **values)
