"""Errors that reach the user as one line, never as a traceback; the exit codes.

Exit codes: 0 nothing left to report, 1 findings remain, 2 usage or input
error (a file that could not be read, a bad config), 130 interrupted.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


class ModconError(Exception):
    """A problem the user can act on; printed as ``modcon: error: <message>``."""


class InputError(ModconError):
    """One input file cannot be processed; the other files still are."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f'{path}: {reason}')
        self.path = path
        self.reason = reason


class ConfigError(ModconError):
    """The configuration (file or command line) is invalid."""


class RuleCrashed(ModconError):
    """A rule raised: a bug in modcon, reported per file so the run goes on."""

    def __init__(self, code: str, path: str, exc: BaseException) -> None:
        super().__init__(self.describe(code, path, exc))
        self.code = code
        self.path = path
        self.exc = exc

    @staticmethod
    def describe(code: str, path: str, exc: BaseException) -> str:
        return (f'{path}: internal error in rule {code}: {type(exc).__name__}: {exc} '
                '(a bug in modcon; please report it)')


class TooDeep(RuleCrashed):
    """A rule ran out of Python's stack on a file nested deeper than any real one (a
    chain of thousands of ``&&``): reported per file like a crash, but as the limit it is."""

    @staticmethod
    def describe(code: str, path: str, exc: BaseException) -> str:
        return (f'{path}: nested too deeply for rule {code} to read (more levels of '
                f'commands or brackets than Python\'s recursion limit); not checked')


def report_errors(errors: Sequence[ModconError]) -> None:
    """Each error as one line on stderr (and its cause's traceback with MODCON_DEBUG)."""
    from modcon.printable import printable

    for exc in errors:
        print(f'modcon: error: {printable(str(exc))}', file=sys.stderr)
        if os.environ.get('MODCON_DEBUG') and exc.__cause__ is not None:
            import traceback

            traceback.print_exception(exc.__cause__)
