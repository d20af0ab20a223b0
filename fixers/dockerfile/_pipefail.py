"""Pipelines in RUN whose failures nobody sees, and the shells that can show them.

Without ``pipefail`` a pipeline's status is its last command's: in
``curl -fsSL $URL | tar -xz`` a failed download leaves ``tar`` reading an
empty stream, the step "succeeds", and the build carries on with a broken
layer. ``set -o pipefail`` (or a ``SHELL`` with ``-o pipefail``) makes any
failing element fail the pipeline.

Not every pipe hides something. ``echo ... | tee file`` cannot fail on the
left; ``yes | installer`` and ``... | head -1`` are the opposite case: the
reader quits early, the writer dies of SIGPIPE, and under pipefail that
*becomes* a failure. Those pipelines are not reported, and a SHELL change
that would reach them is not offered.

Which shells have ``pipefail``: bash, zsh, ksh, mksh and BusyBox ash (so
``/bin/sh`` on Alpine and BusyBox images). dash, ``/bin/sh`` on Debian and
Ubuntu images, has it only since 0.5.13, newer than those images ship.
"""
from __future__ import annotations

import posixpath
import re

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.knowledge import images
from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.stages import DEFAULT_SHELL
from modcon.readers.dockerfile.stages import Stage
from modcon.readers.dockerfile.stages import is_posix_shell
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.shell.simple_commands import CONDITION
from modcon.readers.shell.simple_commands import FUNCTION
from modcon.readers.shell.simple_commands import PIPED
from modcon.readers.shell.simple_commands import Command

# A `|` that is a pipe: not `||`, not `|&` (still a pipe, bash-only) is fine too.
_PIPE = r'(?<!\|)\|(?!\|)'
PIPEFAIL_SHELLS = frozenset(('bash', 'zsh', 'ksh', 'mksh', 'ash'))
# Left-hand commands that cannot fail in a way that matters.
HARMLESS_WRITERS = frozenset(('echo', 'printf', 'true', ':'))
# Writers that are killed by SIGPIPE by design: pipefail would fail the step.
SIGPIPE_WRITERS = frozenset(('yes',))
# Bash and friends that ship with every Debian/Ubuntu-based official image.
_DEBIAN_BASED = frozenset(('python', 'node', 'golang', 'debian', 'ubuntu', 'ruby', 'php',
                           'openjdk', 'eclipse-temurin', 'nginx', 'httpd', 'perl', 'rust',
                           'gcc', 'maven', 'gradle', 'postgres', 'redis', 'mysql', 'mariadb',
                           'mongo', 'rabbitmq', 'haproxy', 'tomcat', 'elixir', 'erlang'))


class Pipeline(NamedTuple):
    start: int  # offsets into the RUN's command text
    end: int
    commands: tuple[Command, ...]

    @property
    def hides(self) -> tuple[Command, ...]:
        """The left-hand commands whose failure the pipeline hides."""
        return tuple(c for c in self.commands if PIPED in c.context
                     and (c.program is None or posixpath.basename(c.program) not in HARMLESS_WRITERS
                          | SIGPIPE_WRITERS))

    @property
    def sigpipe_prone(self) -> bool:
        """pipefail would turn a normal early exit of the reader into a failure."""
        last = len(self.commands) - 1
        for index, command in enumerate(self.commands):
            name = posixpath.basename(command.program or '')
            if index < last and name in SIGPIPE_WRITERS:
                return True
            if index > 0 and (name == 'head' or (name == 'grep' and _quits_early(command))):
                return True
        return False


def _quits_early(command: Command) -> bool:
    """`grep -q` and `grep -m N` stop reading at the first match."""
    for value in command.values[1:]:
        if value is None or not value.startswith('-'):
            continue
        if value in ('--quiet', '--silent') or value.startswith(('--max-count', '-m')):
            return True
        if not value.startswith('--') and 'q' in value:
            return True
    return False


def has_pipefail(shell: tuple[str, ...]) -> bool:
    """Whether a SHELL argv sets pipefail (``-o pipefail``, ``-eo pipefail``, ...)."""
    return any(word == 'pipefail' and index > 0 and shell[index - 1].startswith('-')
               and 'o' in shell[index - 1] for index, word in enumerate(shell))


def pipelines(text: str) -> list[Pipeline] | None:
    """The pipelines of a RUN command not already under ``set -o pipefail``; None: unreadable."""
    if not re.search(_PIPE, text):
        return []
    from modcon.readers.shell.simple_commands import program_commands

    commands = program_commands(text)
    if commands is None:
        return None
    set_at = min((c.start for c in commands if c.program == 'set' and _sets_pipefail(c)),
                 default=None)
    grouped: dict[tuple[int, int], list[Command]] = {}
    for command in commands:
        if command.pipeline is not None and FUNCTION not in command.context:
            grouped.setdefault(command.pipeline, []).append(command)
    found = []
    for (start, end), members in sorted(grouped.items()):
        if set_at is not None and set_at < start:
            continue
        found.append(Pipeline(start, end, tuple(members)))
    return found


def _sets_pipefail(command: Command) -> bool:
    values = command.values
    return CONDITION not in command.context and any(
        v == 'pipefail' and i > 0 and (values[i - 1] or '').startswith('-')
        and 'o' in (values[i - 1] or '') for i, v in enumerate(values))


def shell_in_effect(document: DockerfileDocument, stage: Stage,
                    before: Instruction) -> tuple[str, ...]:
    return document.stages.shell(stage, before=before) or DEFAULT_SHELL


def pipefail_shell(document: DockerfileDocument, stage: Stage,
                   shell: tuple[str, ...]) -> tuple[tuple[str, ...] | None, str]:
    """The SHELL to declare so pipelines fail, and why; None when this shell has no pipefail.

    The second value explains a None (for the message), or is empty.
    """
    if not is_posix_shell(shell):
        return None, 'the SHELL is not a POSIX shell'
    program = posixpath.basename(shell[0].replace('\\', '/')).lower()
    if program == 'busybox' or program in PIPEFAIL_SHELLS:
        return (*shell[:-1], '-o', 'pipefail', shell[-1]), ''
    if program in ('sh', 'dash'):
        root = document.stages.root_image(stage)
        if is_alpine(root):
            return (*shell[:-1], '-o', 'pipefail', shell[-1]), ''
        if images.repository(root) in _DEBIAN_BASED:
            return None, f'`{shell[0]}` is dash on `{root}`, which has no pipefail'
        return None, f'modcon does not know whether `{shell[0]}` on `{root}` has pipefail'
    return None, f'`{shell[0]}` is not known to have pipefail'


def bash_available(document: DockerfileDocument, stage: Stage) -> bool:
    """The base image is a Debian/Ubuntu-based official image, which all have bash."""
    root = document.stages.root_image(stage)
    return images.repository(root) in _DEBIAN_BASED and not is_alpine(root)


def is_alpine(image: str) -> bool:
    """Alpine and BusyBox images, where /bin/sh is BusyBox ash."""
    repository = images.repository(image)
    tag = image.rsplit(':', 1)[1] if ':' in image.rsplit('/', 1)[-1] else ''
    return repository in ('alpine', 'busybox') or 'alpine' in tag.lower()
