"""What a ``RUN`` instruction runs, read as shell, with offsets back to the file.

A ``RUN`` runs one of three texts: its logical line (continuations joined, as
``syntax.py`` builds it), the body of a ``RUN <<EOF`` heredoc (BuildKit runs a
lone heredoc as the script itself), or, for exec form, a fixed argv. Rules of
properties 4 to 6 read all three the same way (``shell.commands``); only
the first two can be edited, and ``RunScript.at``/``after`` map a place in the
text back to the Dockerfile so an edit keeps every other byte.

Also here: the stages whose layers end up in the image (``shipped_stages``),
``RUN --mount`` flags, and the build-time environment a ``RUN`` sees.
"""
from __future__ import annotations

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.stages import SHELLS
from modcon.readers.dockerfile.stages import Stage
from modcon.readers.dockerfile.stages import Stages
from modcon.readers.dockerfile.stages import is_posix_shell
from modcon.readers.dockerfile.stages import shell_script
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.dockerfile.syntax import arg_defaults
from modcon.readers.shell.simple_commands import Script
from modcon.readers.shell.simple_commands import Statement
from modcon.readers.shell.simple_commands import argv_command
from modcon.readers.shell.simple_commands import read_commands

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.layered import Layered

_LONE_HEREDOC = lazy_compile(r'^<<([A-Za-z_][A-Za-z0-9_]*|"[^"]+"|\'[^\']+\')$')


class RunScript(NamedTuple):
    """The shell text one ``RUN`` runs.

    ``kind`` is ``line`` (the logical line; edits map through the
    instruction's segments), ``heredoc`` (the body of ``RUN <<EOF``; edits
    are offsets into the body) or ``fixed`` (exec form, or a heredoc fed to
    a command: read, never edited). ``text`` is available at once, so rules
    can skip a ``RUN`` that does not mention their programs before the shell
    grammar is loaded; ``script`` parses on first use (and is cached).
    """

    instruction: Instruction
    stage: Stage
    text: str
    kind: str
    base: int  # where the text starts: in the logical line (line) or the file (heredoc)
    argv: tuple[str, ...] | None = None  # exec form without a shell: the words themselves

    @property
    def script(self) -> Script:
        if self.argv is not None:
            return argv_script(self.argv)
        return read_commands(self.text)

    @property
    def editable(self) -> bool:
        return self.kind != 'fixed' and self.script.readable

    def at(self, offset: int) -> int:
        """The file offset of the character at ``offset`` in the text."""
        if self.kind == 'heredoc':
            return self.base + offset
        return self.instruction.source_offset(self.base + offset)

    def after(self, offset: int) -> int:
        """The file offset right after the character before ``offset``.

        For an insertion at the end of a word that ends a physical line, this
        stays on that line instead of jumping past the continuation.
        """
        if offset == 0:
            return self.at(0)
        return self.at(offset - 1) + 1


def mounts(instruction: Instruction) -> list[dict[str, str]]:
    """The ``--mount=...`` flags of a ``RUN``, as key/value maps."""
    found = []
    for flag in instruction.command.flags:
        if not flag.startswith('--mount='):
            continue
        options: dict[str, str] = {}
        for part in flag[len('--mount='):].split(','):
            key, _, value = part.partition('=')
            options[key.strip().lower()] = value.strip()
        if 'dst' in options or 'destination' in options:
            options.setdefault('target', options.get('dst') or options.get('destination', ''))
        options.setdefault('type', 'bind')
        found.append(options)
    return found


def mounted(instruction: Instruction, path: str, types: tuple[str, ...] = ('cache', 'tmpfs'),
            ) -> bool:
    """Whether a cache or tmpfs mount covers ``path``, so nothing there reaches the layer."""
    for options in mounts(instruction):
        target = options.get('target', '').rstrip('/')
        if options['type'] in types and target and (
                path == target or path.startswith(target + '/')):
            return True
    return False


def shipped_stages(stages: Stages) -> list[Stage]:
    """The final stage and the stages it is built ``FROM``: their layers are the image.

    Other stages only hand files over through ``COPY --from``; what they leave
    in their own layers is never shipped (with ``--target`` they would be,
    which modcon does not know about).
    """
    return list(stages.final_lineage)


def _runs_by_stage(document: DockerfileDocument) -> dict[int, list[RunScript]]:
    return {}


def runs_of(document: DockerfileDocument, stage: Stage) -> list[RunScript]:
    """The ``RUN`` instructions of ``stage`` that a POSIX shell runs, read (once:
    several rules read the same RUN lines)."""
    cache = document.derived(_runs_by_stage)
    found = cache.get(stage.index)
    if found is None:
        found = []
        if not document.stages.is_windows(stage):
            for ins in stage.instructions:
                if ins.name == 'RUN':
                    read = read_run(document, stage, ins)
                    if read is not None:
                        found.append(read)
        cache[stage.index] = found
    return found


def read_run(document: DockerfileDocument, stage: Stage, ins: Instruction) -> RunScript | None:
    """What ``ins`` (a ``RUN``, ``CMD`` or ``ENTRYPOINT``) runs, or None (a non-POSIX
    ``SHELL``, nothing to run). Windows stages are the caller's to skip."""
    args = ins.args
    if args.json is not None:
        argv = args.json
        if not argv:
            return None
        script = shell_script(argv)
        if script is not None:
            return RunScript(ins, stage, script, 'fixed', 0)
        return RunScript(ins, stage, ' '.join(argv), 'fixed', 0, argv)
    shell = document.stages.shell(stage, before=ins)
    if shell is not None and not is_posix_shell(shell):
        return None
    if not args.text:
        return None
    if ins.heredocs:
        text = document.source.text
        first = ins.heredocs[0]
        if len(ins.heredocs) == 1 and _LONE_HEREDOC.match(args.text) and not first.chomp:
            body = text[first.body_start:first.body_end]
            if body.startswith('#!'):
                interpreter = body[2:].split('\n', 1)[0].split()
                name = interpreter[0].rsplit('/', 1)[-1] if interpreter else ''
                if name == 'env' and len(interpreter) > 1:
                    name = interpreter[1]
                if name not in SHELLS:
                    return None  # a Python (or other) script, not shell
            return RunScript(ins, stage, body, 'heredoc', first.body_start)
        # A heredoc fed to a command (`RUN python3 <<EOF`, `cat <<EOF > f`):
        # the shell sees the line, then the bodies; read it, never edit it.
        whole = args.text + '\n' + text[first.body_start:ins.end]
        return RunScript(ins, stage, whole, 'fixed', 0)
    return RunScript(ins, stage, args.text, 'line', args.offset)


def argv_script(argv: tuple[str, ...]) -> Script:
    """An exec-form ``RUN ["pip", "install", "x"]`` as one command with literal words."""
    text = ' '.join(argv)
    statement = Statement(0, len(text), ((0, len(text)),), False)
    return Script(text, (argv_command(argv),), (statement,), parsed=True, readable=True)


def build_env(stages: Stages, stage: Stage, before: Instruction) -> Layered:
    """``ENV`` and ``ARG`` values a ``RUN`` sees (quotes removed; variables not expanded):
    one layer per instruction that sets some, shared by the ``RUN`` lines after it."""
    from modcon.layered import Layered  # only RUN lines that install packages ask

    return stages.state_before(stage, before, build_env, _with_env, Layered())


def _with_env(env: Layered, ins: Instruction) -> Layered:
    if ins.name == 'ARG':  # one without a default sets nothing
        return env.with_layer({k: v for k, v in arg_defaults(ins.args.text).items()
                               if v is not None})
    if ins.name == 'ENV':
        return env.with_layer(_env_pairs(ins.args.text))
    return env


def _env_pairs(text: str) -> dict[str, str]:
    words = text.split()
    if not words:
        return {}
    if '=' not in words[0]:  # `ENV KEY value with blanks`
        return {words[0]: text.split(None, 1)[1].strip().strip('"\'') if len(words) > 1 else ''}
    pairs = {}
    for word in words:
        key, _, value = word.partition('=')
        pairs[key] = value.strip('"\'')
    return pairs
