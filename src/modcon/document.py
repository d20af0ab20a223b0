"""The rule contract's types: what a rule's document offers, and what a check is.

Type checkers read this module; modcon's own modules import it only under
``if TYPE_CHECKING:``, so a run never loads ``typing`` for it (tests import it to
check that each document class keeps the contract).
"""
from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from typing import Protocol
from typing import runtime_checkable

from modcon.model import Hit

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.model import Kind
    from modcon.source import SourceFile
    from modcon.suppress import Pragmas


@runtime_checkable
class Document(Protocol):
    """What every document a rule receives offers: a file parsed once, for all rules.

    ``DockerfileDocument`` and ``CodeDocument`` implement it; each adds what
    its rules read (instructions and stages; the invocations of a code file).
    """

    @property
    def source(self) -> SourceFile: ...

    @property
    def kind(self) -> Kind: ...

    @property
    def error(self) -> Exception | None:
        """Why the file does not parse (then only ``SYNTAX_RULE`` runs), or None."""

    @property
    def SYNTAX_RULE(self) -> str | None:
        """The rule that reports a file that does not parse, if its kind has one."""

    def file_pragmas(self) -> Pragmas:
        """The suppressions that hold for the whole file."""

    def pragmas_in(self, start: int, end: int) -> Pragmas:
        """The suppressions that hold for a finding over ``start..end``: pragmas
        anywhere in the range, and those just above where it starts."""


Check = Callable[[Document], Iterator[Hit]]
