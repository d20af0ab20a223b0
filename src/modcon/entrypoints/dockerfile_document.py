"""A Dockerfile as the rules see it: text, instructions and stages, parsed once."""
from __future__ import annotations

import bisect
from collections.abc import Callable

from modcon.knowledge import images
from modcon.model import Kind
from modcon.project import Project
from modcon.readers.dockerfile.stages import Stages
from modcon.readers.dockerfile.syntax import Dockerfile
from modcon.readers.dockerfile.syntax import DockerfileSyntaxError
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.dockerfile.syntax import parse
from modcon.source import SourceFile
from modcon.suppress import Pragmas
from modcon.suppress import directive_pragmas

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing import TypeVar

    from modcon.entrypoints.resolve import Resolution

    T = TypeVar('T')


class DockerfileDocument:
    """Parses lazily; ``error`` is set instead of raising when BuildKit would refuse."""

    kind = Kind.DOCKERFILE
    SYNTAX_RULE = 'MC001'

    def __init__(self, source: SourceFile, project: Project | None = None) -> None:
        self.source = source
        self.project = project  # the build context, for rules that follow the command
        self.error: DockerfileSyntaxError | None = None
        self._syntax: Dockerfile | None = None
        self._stages: Stages | None = None
        self._resolution: Resolution | None = None
        self._derived: dict[Callable[..., object], object] = {}
        try:
            self._syntax = parse(source.text)
            self._stages = Stages(self._syntax, images.facts)
        except DockerfileSyntaxError as exc:
            self.error = exc

    @property
    def syntax(self) -> Dockerfile:
        assert self._syntax is not None, 'rules run only on files that parse'
        return self._syntax

    @property
    def stages(self) -> Stages:
        assert self._stages is not None, 'rules run only on files that parse'
        return self._stages

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        return self.syntax.instructions

    @property
    def instruction_names(self) -> frozenset[str]:
        """The instructions that occur, ONBUILD triggers included: which rules can apply."""
        return self.derived(_instruction_names)

    @property
    def resolution(self) -> Resolution:
        """Where the container's command leads in the build context (computed once)."""
        if self._resolution is None:
            from modcon.entrypoints.resolve import resolve
            from modcon.entrypoints.resolve import unfollowed
            from modcon.project import Project as Empty

            try:
                self._resolution = resolve(self, self.source.path, self.project or Empty())
            except RecursionError:  # a command of thousands of `&&`, or stages as many
                self._resolution = unfollowed(
                    self.source.path, 'not followed: nested deeper than Python\'s recursion limit')
        return self._resolution

    def derived(self, compute: Callable[[DockerfileDocument], T]) -> T:
        """``compute(self)``, computed once: a fact about this document that several
        rules need. It lives and dies with the document."""
        try:
            return self._derived[compute]  # type: ignore[return-value]
        except KeyError:
            value = self._derived[compute] = compute(self)
            return value

    def instruction_at(self, offset: int) -> Instruction | None:
        """The instruction whose text contains ``offset`` (or starts after it)."""
        index = bisect.bisect_right(self.derived(_instruction_starts), offset) - 1
        if index < 0:
            return self.instructions[0] if self.instructions else None
        return self.instructions[index]

    def file_pragmas(self) -> Pragmas:
        comments = [c.text for c in self.syntax.comments]
        return Pragmas.parse(comments, file_wide=True) | directive_pragmas(self.syntax.directives)

    def pragmas_in(self, start: int, end: int) -> Pragmas:
        """The comment lines above the instruction where ``start`` is (every tool's
        pragmas, as each reads them), and ``# modcon: ignore=`` on any comment
        line inside ``start..end`` (between continuation lines, or above a later
        instruction of a finding over several)."""
        instruction = self.instruction_at(start)
        above = Pragmas() if instruction is None else Pragmas.parse(
            [c.text for c in instruction.comments], file_wide=False)
        comments = self.syntax.comments
        starts = self.derived(_comment_starts)
        inside = [c.text for c in comments[bisect.bisect_left(starts, start):
                                           bisect.bisect_left(starts, end)]]
        return above | Pragmas.parse(inside, file_wide=False, foreign=False)


def _instruction_starts(document: DockerfileDocument) -> list[int]:
    return [ins.start for ins in document.instructions]


def _comment_starts(document: DockerfileDocument) -> list[int]:
    return [comment.start for comment in document.syntax.comments]


def _instruction_names(document: DockerfileDocument) -> frozenset[str]:
    return frozenset(name for ins in document.instructions
                     for name in (ins.name, ins.sub.name if ins.sub else ins.name))
