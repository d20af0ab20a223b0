"""Build stages and the image config each one inherits (SHELL, ENTRYPOINT, CMD).

A stage ``FROM other-stage`` inherits the other stage's config; a stage from
an external image inherits what the ``image_facts`` it is given knows about
it (``knowledge/images.py``'s ``facts``), or "unknown".
"""
from __future__ import annotations

import bisect
import posixpath
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence

from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.image_names import is_windows
from modcon.readers.dockerfile.image_names import substitute
from modcon.readers.dockerfile.syntax import Dockerfile
from modcon.readers.dockerfile.syntax import DockerfileSyntaxError
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.dockerfile.syntax import arg_defaults

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing import Any
    from typing import TypeVar

    from modcon.knowledge.image_facts import ImageFacts

    T = TypeVar('T')

DEFAULT_SHELL = ('/bin/sh', '-c')
# Programs that run `-c` scripts and script files as a POSIX shell does.
SHELLS = frozenset(('sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh'))
POSIX_SHELLS = SHELLS | {'busybox'}


class Stage(NamedTuple):
    # Shadows tuple.index(): nothing looks a stage up by value, and every reader
    # says `stage.index` for its position.
    index: int  # type: ignore[assignment]
    name: str | None  # the `AS` name, lower case
    image: str  # what FROM names: an image or an earlier stage
    platform: str | None
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]  # those after FROM, in order
    parent: int | None  # the stage FROM names, if it names one


class Entrypoint(NamedTuple):
    """The ENTRYPOINT a stage's image ends up with, and where it came from.

    ``kind`` is ``none``, ``exec`` or ``shell`` when known (the instruction
    is in this file or the base image is known), else ``unknown``.
    """

    kind: str
    instruction: Instruction | None = None
    facts: ImageFacts | None = None


class Stages:
    """The stages of one Dockerfile, with their inherited config."""

    def __init__(self, dockerfile: Dockerfile,
                 image_facts: Callable[[str], ImageFacts | None] = lambda image: None) -> None:
        self._image_facts = image_facts  # what is known of an external base image
        self.stages: list[Stage] = []
        self._shell_index: dict[int, tuple[list[int], list[tuple[str, ...]]]] = {}
        self._facts: dict[str, dict[int, Any]] = {}  # what _inherited found, by stage
        self._folds: dict[object, dict[int, Any]] = {}  # what state_before folded, by stage
        current: list[Instruction] = []
        head: tuple[Instruction, str | None, str, str | None, int | None] | None = None
        by_name: dict[str, int] = {}
        global_args: dict[str, str | None] = {}  # what a FROM may substitute
        for ins in dockerfile.instructions:
            if ins.name == 'FROM':
                if head is not None:
                    self._add(head, current)
                head = self._from(ins, by_name, global_args)
                if head[1]:
                    by_name[head[1]] = len(self.stages)
                current = []
            elif head is None:
                if ins.name != 'ARG':
                    raise DockerfileSyntaxError(
                        f'{ins.keyword} before the first FROM (no build stage)', ins.line,
                    )
                global_args.update(arg_defaults(ins.args.text))
            else:
                current.append(ins)
        if head is None:
            raise DockerfileSyntaxError('no FROM instruction', dockerfile.instructions[-1].line)
        self._add(head, current)

    def _from(
            self, ins: Instruction, by_name: dict[str, int], global_args: dict[str, str | None],
    ) -> tuple[Instruction, str | None, str, str | None, int | None]:
        words = ins.args.text.split()
        platform = next((f.split('=', 1)[1] for f in ins.flags
                         if f.startswith('--platform=')), None)
        if not words:
            raise DockerfileSyntaxError('FROM requires an image', ins.line)
        image = words[0]
        name = words[2].lower() if len(words) >= 3 and words[1].lower() == 'as' else None
        parent = by_name.get(image.lower())
        if parent is None and '$' in image:
            # `FROM base-${VARIANT}` with `ARG VARIANT=slim` names the stage `base-slim`.
            substituted = substitute(image, global_args)
            if substituted is not None:
                parent = by_name.get(substituted[0].lower())
        return ins, name, image, platform, parent

    def _add(self, head: tuple[Instruction, str | None, str, str | None, int | None],
             body: list[Instruction]) -> None:
        ins, name, image, platform, parent = head
        self.stages.append(Stage(len(self.stages), name, image, platform, ins, tuple(body), parent))

    def __iter__(self) -> Iterator[Stage]:
        return iter(self.stages)

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage_of(self, ins: Instruction) -> Stage:
        """The stage ``ins`` belongs to: the last one whose FROM comes before it (a stage
        of a FROM line alone holds nothing after it). One before every FROM (a global
        ``ARG``) is given the last stage."""
        found = None
        for stage in self.stages:
            if stage.from_instruction.start > ins.start:
                break
            found = stage
        return found if found is not None else self.stages[-1]

    def lineage(self, stage: Stage) -> tuple[Stage, ...]:
        """The stages ``stage`` is built from, root first, ``stage`` last
        (``FROM build AS final`` continues ``build``)."""
        chain = [stage]
        while chain[-1].parent is not None:
            chain.append(self.stages[chain[-1].parent])
        return tuple(reversed(chain))

    @property
    def final_lineage(self) -> tuple[Stage, ...]:
        """The stages the final image is built from, root first."""
        return self.lineage(self.final)

    def root_image(self, stage: Stage) -> str:
        """The external image ``stage`` builds on, through the stages it continues."""
        return self._inherited(stage, 'root', lambda s: None, lambda root: root.image)

    def is_windows(self, stage: Stage) -> bool:
        return self._inherited(
            stage, 'windows',
            lambda s: (True,) if s.platform and s.platform.lower().startswith('windows') else None,
            lambda root: is_windows(root.image))

    def shell(self, stage: Stage, before: Instruction | None = None) -> tuple[str, ...] | None:
        """The SHELL in effect in ``stage`` (before ``before``), or None for the default."""
        # Rules ask once per RUN: a bisection over the stage's SHELLs keeps that
        # linear overall (a scan of the stage for each RUN was quadratic).
        if before is not None:
            starts, shells = self._shells(stage)
            count = bisect.bisect_left(starts, before.start)
            if count:
                return shells[count - 1]
            if stage.parent is None:
                return self._base_shell(stage)
            stage = self.stages[stage.parent]  # what the parent ends with
        return self._inherited(stage, 'shell', self._last_shell, self._base_shell)

    def _last_shell(self, stage: Stage) -> tuple[tuple[str, ...]] | None:
        shells = self._shells(stage)[1]
        return (shells[-1],) if shells else None

    def _base_shell(self, root: Stage) -> tuple[str, ...] | None:
        known = self._image_facts(root.image)
        return known.shell if known else None

    def _inherited(self, stage: Stage, fact: str, own: Callable[[Stage], tuple[T] | None],
                   at_root: Callable[[Stage], T]) -> T:
        """``fact`` of ``stage``: what the stage itself says (``own``, a 1-tuple, or None
        when it says nothing), else what the stage it continues says, down to ``at_root``
        of the first one. Each stage is answered once and remembered: rules ask per
        instruction, and a chain of stages can be thousands long."""
        memo: dict[int, T] = self._facts.setdefault(fact, {})
        climbed = []
        while stage.index not in memo:
            said = own(stage)
            if said is None and stage.parent is not None:
                climbed.append(stage)
                stage = self.stages[stage.parent]
                continue
            memo[stage.index] = said[0] if said is not None else at_root(stage)
        answer = memo[stage.index]
        for passed in climbed:
            memo[passed.index] = answer
        return answer

    def state_before(self, stage: Stage, before: Instruction, key: object,
                     step: Callable[[T, Instruction], T], initial: T) -> T:
        """``step`` folded over the instructions of ``stage``'s lineage up to ``before``
        (the stages it continues in full, then its own until ``before``): the build
        state a ``RUN`` sees, such as its environment or the files copied so far.

        Rules ask for every ``RUN``: the state after each instruction is remembered
        (per ``key``), and a later question goes on from the last one answered, so
        thousands of ``RUN`` lines cost a step each, not a scan of all the lines before
        them; no instruction past ``before`` is stepped over. ``step`` must return a new
        state when an instruction changes it and the same one otherwise: states are
        shared, and every one is kept, so a state that grows (variables, copied files)
        is a new layer on the one before (``modcon.layered``), never a copy of it."""
        memo: dict[int, tuple[T, list[int], list[T]]] = self._folds.setdefault(key, {})
        if stage.index not in memo:
            state = initial
            for link in self.lineage(stage):
                if link.index not in memo:
                    memo[link.index] = (state, [ins.start for ins in link.instructions], [])
                if link is not stage:
                    state = self._fold(memo[link.index], link, len(link.instructions), step)
        entry = memo[stage.index]
        return self._fold(entry, stage, bisect.bisect_left(entry[1], before.start), step)

    @staticmethod
    def _fold(entry: tuple[T, list[int], list[T]], stage: Stage, count: int,
              step: Callable[[T, Instruction], T]) -> T:
        """The state after the first ``count`` instructions of ``stage``."""
        begin, _, after = entry
        for ins in stage.instructions[len(after):count]:
            after.append(step(after[-1] if after else begin, ins))
        return after[count - 1] if count else begin

    def _shells(self, stage: Stage) -> tuple[list[int], list[tuple[str, ...]]]:
        """Where each SHELL of ``stage`` starts, and its argv, in file order."""
        found = self._shell_index.get(stage.index)
        if found is None:
            found = ([], [])
            for ins in stage.instructions:
                if ins.name == 'SHELL' and ins.args.json:
                    found[0].append(ins.start)
                    found[1].append(ins.args.json)
            self._shell_index[stage.index] = found
        return found

    def entrypoint(self, stage: Stage) -> Entrypoint:
        """The ENTRYPOINT the stage's image ends with."""
        return self._inherited(stage, 'entrypoint', _own_entrypoint, self._base_entrypoint)

    def _base_entrypoint(self, root: Stage) -> Entrypoint:
        known = self._image_facts(root.image)
        if known is None:
            return Entrypoint('unknown')
        return Entrypoint('none' if known.entrypoint is None else 'exec', None, known)

    def reaches_final_image(self, stage: Stage, name: str) -> bool:
        """Whether ``stage``'s last ``name`` (CMD or ENTRYPOINT) is the final image's."""
        descendants = []
        current = self.final
        while current is not stage:
            if current.parent is None:
                return False  # not an ancestor: it runs only with --target
            descendants.append(current)
            current = self.stages[current.parent]
        for later in descendants:
            names = {ins.name for ins in later.instructions}
            if name in names or (name == 'CMD' and 'ENTRYPOINT' in names):
                return False  # overridden (an ENTRYPOINT resets an inherited CMD)
        return True

    def final_commands(self, target: Stage | None = None,
                       ) -> tuple[Instruction | None, Instruction | None]:
        """The ENTRYPOINT and CMD of the final image (or of the ``target`` stage's)
        where this file sets them, as written: either may be empty or ``[]``
        (which clears it); callers decide.

        Docker's rule: an ENTRYPOINT resets the CMD inherited from an earlier stage.
        """
        entrypoint: Instruction | None = None
        cmd: Instruction | None = None
        for stage in self.lineage(target or self.final):
            cmd_set = False
            for ins in stage.instructions:
                if ins.name == 'ENTRYPOINT':
                    entrypoint = ins
                    if not cmd_set:
                        cmd = None
                elif ins.name == 'CMD':
                    cmd = ins
                    cmd_set = True
        return entrypoint, cmd

    def cmd(self, stage: Stage) -> Instruction | None:
        """The CMD that takes effect in ``stage`` if one is set in it."""
        for ins in reversed(stage.instructions):
            if ins.name == 'CMD':
                return ins
        return None


class Command(NamedTuple):
    """A CMD, ENTRYPOINT or HEALTHCHECK that takes effect, with its stage.

    ``outer`` is the instruction on the line; ``instruction`` carries the
    arguments (they differ for ``ONBUILD CMD ...``).
    """

    stage: Stage
    outer: Instruction
    instruction: Instruction

    @property
    def name(self) -> str:
        return self.instruction.name

    @property
    def onbuild(self) -> bool:
        return self.outer is not self.instruction


def _own_entrypoint(stage: Stage) -> tuple[Entrypoint] | None:
    """The stage's last ENTRYPOINT, when it has one."""
    for ins in reversed(stage.instructions):
        if ins.name == 'ENTRYPOINT':
            if not ins.args.text:
                return (Entrypoint('none', ins),)  # `ENTRYPOINT []` clears it
            return (Entrypoint('exec' if ins.is_exec_form else 'shell', ins),)
    return None


def commands(stages: Stages, names: tuple[str, ...] = ('CMD', 'ENTRYPOINT', 'HEALTHCHECK'),
             ) -> list[Command]:
    """The last of each of ``names`` in every stage, and every ONBUILD one.

    Earlier CMDs in a stage are overridden by the last and never run.
    """
    found: list[Command] = []
    for stage in stages:
        last: dict[str, Instruction] = {}
        for ins in stage.instructions:
            if ins.name in names:
                last[ins.name] = ins
            elif ins.name == 'ONBUILD' and ins.sub is not None and ins.sub.name in names:
                found.append(Command(stage, ins, ins.sub))
        found.extend(Command(stage, ins, ins) for ins in last.values())
    found.sort(key=lambda c: c.outer.start)
    return found


def command_argv(ins: Instruction, shell: tuple[str, ...]) -> tuple[str, ...]:
    """What Docker runs for a CMD or ENTRYPOINT: exec form as written, shell form under
    ``shell``."""
    if ins.args.json is not None:
        return ins.args.json
    return (*shell, ins.args.text)


def shell_script(argv: Sequence[str]) -> str | None:
    """The script of exec-form words that run a shell on it (``["sh", "-c", "script"]``)."""
    if len(argv) >= 3 and posixpath.basename(argv[0]) in SHELLS and argv[1].startswith('-') \
            and 'c' in argv[1]:
        return argv[2]
    return None


def shell_for(stages: Stages, command: Command) -> tuple[str, ...] | None:
    """The shell a shell-form command runs under, or None when it is not a POSIX sh.

    A CMD or ENTRYPOINT is wrapped in the SHELL in effect at its line when the image
    is built. A HEALTHCHECK is not: the image keeps ``CMD-SHELL`` and its text, and
    the engine runs it under the image's own, final SHELL (moby's health checks),
    whatever SHELL a later line of the stage, or a stage built from it, declares.
    """
    if stages.is_windows(command.stage):
        return None
    if command.instruction.name == 'HEALTHCHECK':
        image = stages.final if command.stage in stages.lineage(stages.final) else command.stage
        shell = stages.shell(image)
    else:
        shell = stages.shell(command.stage, before=command.outer)
    if shell is None:
        return DEFAULT_SHELL
    return shell if is_posix_shell(shell) else None


def is_posix_shell(shell: tuple[str, ...]) -> bool:
    """Whether a SHELL runs POSIX-compatible ``-c`` scripts (sh, bash, ash, ...)."""
    if not shell:
        return False
    program = shell[0].replace('\\', '/').rsplit('/', 1)[-1].lower()
    if program == 'busybox':
        return len(shell) > 1 and shell[1] in ('sh', 'ash')
    return program in POSIX_SHELLS and shell[-1].startswith('-') and 'c' in shell[-1]


def is_bash(shell: tuple[str, ...] | None) -> bool:
    if not shell:
        return False
    return shell[0].replace('\\', '/').rsplit('/', 1)[-1].lower() in ('bash', 'zsh', 'ksh', 'mksh')
