"""Errors that reach the user as one line, never as a traceback."""
from __future__ import annotations


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
        super().__init__(
            f'{path}: internal error in rule {code}: {type(exc).__name__}: {exc} '
            '(a bug in modcon; please report it)',
        )
        self.code = code
        self.path = path
        self.exc = exc
