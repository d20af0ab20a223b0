"""Pipelines in RUN whose failures nobody sees, and the shells that can show them.

Without ``pipefail`` a pipeline's status is its last command's: in
``curl -fsSL $URL | sh`` a failed download leaves ``sh`` reading an empty
script, the step "succeeds", and the build carries on with a broken layer.
``set -o pipefail`` (or a ``SHELL`` with ``-o pipefail``) makes any failing
element fail the pipeline.

Not every pipe hides something. ``echo ... | tee file`` cannot fail on the
left; in ``curl -fsSL $URL | apt-key add -``, ``grep " $FILE" SHASUMS |
sha256sum -c -`` or ``pyenv exec python --version | grep "Python 3.12"`` the
reader fails on the empty stream a failed writer leaves, so the step fails
anyway; ``yes | installer`` and ``... | head -1`` are the opposite case: the
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
# Readers of stdin that exit non-zero on an empty stream, and write nothing then
# (measured with GNU coreutils, gzip, xz, bzip2, grep, apt-key and BusyBox 1.35):
# the status of what writes into them is not lost. Each needs its mode
# (``sha256sum -c``, ``gzip -d``, ...) and no file operand, so that it reads stdin:
# ``fails_on_empty_input``. ``tar -x`` and ``gpg --import``/``--dearmor`` fail on an
# empty stream as well but are not listed yet: MC121's tests stand on them as readers.
_CHECKSUMS = frozenset(('md5sum', 'sha1sum', 'sha224sum', 'sha256sum', 'sha384sum',
                        'sha512sum', 'b2sum', 'shasum'))
_DECOMPRESSORS = frozenset(('gunzip', 'zcat', 'unxz', 'xzcat', 'bunzip2', 'bzcat'))
_COMPRESSORS = frozenset(('gzip', 'xz', 'bzip2'))  # with -d
_GREPS = frozenset(('grep', 'egrep', 'fgrep'))
# Options that take the next word as their value, by reader.
_VALUED = {'shasum': ('-a', '--algorithm'),
           'grep': ('-e', '-f', '--regexp', '--file', '-m', '--max-count', '-A', '-B', '-C',
                    '--label')}
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
        """The left-hand commands whose failure the pipeline hides: none when the
        reader at the end fails on the empty stream a failed writer leaves."""
        if self.ends_in_strict_reader:
            return ()
        return tuple(c for c in self.commands if PIPED in c.context
                     and (c.program is None or posixpath.basename(c.program) not in HARMLESS_WRITERS
                          | SIGPIPE_WRITERS))

    @property
    def ends_in_strict_reader(self) -> bool:
        """The readers after the first command all fail on an empty stream (and then
        write nothing): ``grep ... | sha256sum -c -``."""
        readers = self.commands[1:]
        return bool(readers) and all(fails_on_empty_input(_unwrapped(c.values))
                                     for c in readers)

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


def fails_on_empty_input(values: tuple[str | None, ...]) -> bool:
    """A command (its words' values) that reads stdin and exits non-zero, writing
    nothing, when the stream is empty: ``sha256sum -c``, ``apt-key add -``,
    ``grep PATTERN``, ``gunzip``."""
    if not values or values[0] is None:
        return False
    name = posixpath.basename(values[0])
    args = values[1:]
    if name in _CHECKSUMS:
        return _has_flag(args, 'c', '--check') and not _operands(args, _VALUED.get(name, ()))
    if name == 'apt-key':
        return any(a == 'add' and b == '-' for a, b in zip(args, args[1:]))
    if name in _GREPS:
        return _grep_reads_stdin(args)
    if name in _DECOMPRESSORS or (name in _COMPRESSORS and _has_flag(args, 'd', '--decompress')):
        return not _operands(args, ())
    if name == 'tar':  # GNU or BusyBox: bsdtar (libarchive) reads an empty stream as an
        return _tar_reads_stdin(args)  # empty archive and exits 0
    if name in ('gpg', 'gpg2'):
        return any(a in ('--import', '--dearmor', '--dearmour') for a in args) and \
            not _operands(args, _GPG_VALUED)
    return False


# gpg's options that take the next word as their value.
_GPG_VALUED = ('-o', '--output', '--homedir', '--keyring', '--secret-keyring', '--trustdb-name',
               '--keyserver', '--default-key', '-r', '--recipient', '-u', '--local-user',
               '--status-fd', '--passphrase-fd', '--passphrase', '--pinentry-mode')


def _tar_reads_stdin(args: tuple[str | None, ...]) -> bool:
    """``tar -xz``, ``tar xzf -``, ``tar --extract -f -``: extracts (or lists) an
    archive read from stdin, which fails on an empty stream (GNU tar exits 2,
    BusyBox 1). Unsure (a computed word, an `f` bundled before other letters):
    not counted."""
    if not args or any(a is None for a in args):
        return False
    words = [a for a in args if a is not None]
    extracts = False
    archive = '-'  # tar's archive when none is named: stdin
    for i, word in enumerate(words):
        if word.startswith('--'):
            extracts = extracts or word in ('--extract', '--get', '--list')
            if word.startswith('--file='):
                archive = word[len('--file='):]
            elif word == '--file':
                archive = words[i + 1] if i + 1 < len(words) else ''
            continue
        if not word.startswith('-') and i > 0:
            continue  # an operand, or an option's value
        letters = word.lstrip('-')  # `-xzf`, or the first word in old style: `xzf`
        extracts = extracts or 'x' in letters or 't' in letters
        if 'f' in letters:
            if not letters.endswith('f'):
                return False
            archive = words[i + 1] if i + 1 < len(words) else ''
    return extracts and archive == '-'


def _unwrapped(values: tuple[str | None, ...]) -> tuple[str | None, ...]:
    """``sudo apt-key add -`` is ``apt-key add -`` (sudo without options)."""
    if len(values) > 1 and values[0] is not None and posixpath.basename(values[0]) == 'sudo' \
            and values[1] is not None and not values[1].startswith('-'):
        return values[1:]
    return values


def _has_flag(args: tuple[str | None, ...], letter: str, long: str) -> bool:
    return any(a == long or (a is not None and re.fullmatch(f'-[a-zA-Z]*{letter}[a-zA-Z]*', a)
                             is not None) for a in args)


def _operands(args: tuple[str | None, ...], valued: tuple[str, ...]) -> list[str | None]:
    """The words that are neither options, nor option values, nor ``-`` (stdin);
    a computed word (None) counts as one."""
    found: list[str | None] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in valued:
            skip = True
        elif arg is None or not arg.startswith('-'):
            found.append(arg)
    return found


def _grep_reads_stdin(args: tuple[str | None, ...]) -> bool:
    """``grep PATTERN`` with no file: exits 1 on an empty stream; not ``-r``
    (which reads the working folder), ``-c`` or ``-L`` (which write on no match)."""
    if any(a is not None and (a in ('--recursive', '--count', '--files-without-match')
                              or re.fullmatch('-[a-zA-Z]*[rRcL][a-zA-Z]*', a)) for a in args):
        return False
    patterns_given = any(a is not None and (a in ('-e', '-f', '--regexp', '--file')
                                            or a.startswith(('--regexp=', '--file=')))
                         for a in args)
    return len(_operands(args, _VALUED['grep'])) <= (0 if patterns_given else 1)


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
