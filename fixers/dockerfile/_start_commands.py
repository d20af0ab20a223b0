"""What the final image runs at start-up, command by command.

``resolve.py`` follows the container's command to the code files it runs;
the rules of properties 1b, 2 and 3 need the commands themselves, as words:
which port the server is given, whether a step sleeps or migrates a
database, what runs in the background, and whether an init sits in front.

``start_command(document)`` unwraps the final image's ENTRYPOINT and CMD the
way Docker and the shell run them: inits (``tini``), user switchers
(``gosu``), ``env``, ``sh -c "..."`` scripts and entrypoint scripts of the
build context that end by running their arguments (``exec "$@"``). Each
command met on the way becomes a ``StartStep``, tied to the Dockerfile
instruction a finding should point at. The result is computed once per
document.
"""
from __future__ import annotations

import posixpath

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.resolve import DROPPERS
from modcon.entrypoints.resolve import after_wrapper_options
from modcon.knowledge.inits import INITS
from modcon.model import Kind
from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.stages import DEFAULT_SHELL
from modcon.readers.dockerfile.stages import SHELLS
from modcon.readers.dockerfile.stages import command_argv
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.shell.options import is_script_option
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import argv_command

# Characters that make a `sh -c` string more than blank-separated literal words.
_SHELL_SYNTAX = frozenset('$`\'"\\|&;<>()*?[]{}~#=\n')
# Characters that need the shell grammar (operators, expansions, globs, comments).
_OPERATORS = frozenset('$`|&;<>()*?[]{}~#\n')


class StartStep(NamedTuple):
    """One command the container runs at start-up."""

    command: Command
    instruction: Instruction  # the CMD/ENTRYPOINT it comes from, or that runs its script
    script: str | None  # the build-context path of the script it is in (None: the Dockerfile)
    shell: bool  # it runs inside a shell (a `sh -c` string or a script), not as exec form

    @property
    def where(self) -> str:
        """`entry.sh line 4`, or `the command` for the Dockerfile's own."""
        if self.script is None:
            return f'line {self.instruction.line}'
        return f'`{self.script}` line {self.command.line}'


class ShellString(NamedTuple):
    """A shell the start-up runs on a script given as words: ``["sh", "-c", "script"]``."""

    shell: str  # the shell as written (`sh`, `/bin/dash`)
    option: str  # the word with `c` (`-c`, `-ec`)
    script: str
    instruction: Instruction  # the CMD or ENTRYPOINT whose word the script is
    position: int  # the script's place among that instruction's words


class StartCommand(NamedTuple):
    steps: tuple[StartStep, ...]
    init: str | None  # an init in front of everything (tini, dumb-init, ...)
    program: StartStep | None  # what the container ends up running
    program_is_pid1: bool  # nothing but an init sits between Docker and the program
    entrypoint: Instruction | None  # the ENTRYPOINT and CMD in effect in the final image
    cmd: Instruction | None
    # Shell `sh -c` strings or scripts that could not be read (tree-sitter found an error).
    unreadable: tuple[Instruction, ...] = ()
    shell_strings: tuple[ShellString, ...] = ()  # in the order start-up meets them


def final_commands(document: DockerfileDocument) -> tuple[Instruction | None, Instruction | None]:
    """The ENTRYPOINT and CMD of the final image, where this file sets them.

    An ENTRYPOINT resets the CMD inherited from an earlier stage (Docker's rule);
    ``ENTRYPOINT []`` clears it.
    """
    entrypoint, cmd = document.stages.final_commands()
    if entrypoint is not None and not (entrypoint.args.text and entrypoint.args.json != ()):
        entrypoint = None
    if cmd is not None and not cmd.args.text:
        cmd = None
    return entrypoint, cmd


def start_command(document: DockerfileDocument) -> StartCommand:
    """The final image's start-up commands (computed once per document)."""
    return document.derived(_start_command)


def _start_command(document: DockerfileDocument) -> StartCommand:
    return _Unwrap(document).run()


def exec_step(argv: tuple[str, ...], instruction: Instruction) -> StartStep:
    """A command given as exec-form words: every word is literal."""
    command = argv_command(argv, instruction.start, instruction.end, instruction.line)
    return StartStep(command, instruction, None, False)


def _wrapped(name: str, words: list[tuple[str, Instruction]]) -> list[tuple[str, Instruction]]:
    """The words of the command that the wrapper ``words[0]`` runs."""
    rest = after_wrapper_options(name, [w for w, _ in words[1:]])
    return words[len(words) - len(rest):] if rest else []


def _script_option(words: list[tuple[str, Instruction]]) -> int | None:
    """Where the option with ``c`` is among a shell's leading options (``-c``, ``-ec``,
    ``-e -c``, ``-o pipefail -c``), when a script word follows it; else None."""
    index = 1
    while index < len(words) - 1:
        word = words[index][0]
        if word in ('-o', '+o'):
            index += 2  # its value: `pipefail`
        elif is_script_option(word):
            return index
        elif len(word) > 1 and word.startswith(('-', '+')) and word != '--' and \
                not word.startswith(('--rcfile', '--init-file')):
            index += 1
        else:
            return None  # an operand (a script file), `--`, or an option with a value
    return None


class _Unwrap:
    def __init__(self, document: DockerfileDocument) -> None:
        self.document = document
        self.steps: list[StartStep] = []
        self.init: str | None = None
        self.program: StartStep | None = None
        self.pid1 = True
        self.unreadable: list[Instruction] = []
        self.shell_strings: list[ShellString] = []
        # id of each (word, instruction) pair of the Dockerfile's own words: its place
        # among its instruction's words (a script's words have none).
        self.places: dict[int, int] = {}

    def run(self) -> StartCommand:
        entrypoint, cmd = final_commands(self.document)
        words: list[tuple[str, Instruction]] = []
        shell = self.document.stages.shell(self.document.stages.final) or DEFAULT_SHELL
        if entrypoint is not None:
            words.extend((w, entrypoint) for w in command_argv(entrypoint, shell))
        if cmd is not None and (entrypoint is None or entrypoint.is_exec_form):
            words.extend((w, cmd) for w in command_argv(cmd, shell))
        # Where each word stands among its instruction's own words.
        self.places = {id(pair): i - sum(1 for _, ins in words[:i] if ins is not pair[1])
                       for i, pair in enumerate(words)}
        if words:
            self.follow(words, depth=0)
        return StartCommand(tuple(self.steps), self.init, self.program,
                            self.program is not None and self.pid1, entrypoint, cmd,
                            tuple(self.unreadable), tuple(self.shell_strings))

    def follow(self, words: list[tuple[str, Instruction]], depth: int) -> None:
        while words and depth < 8:
            depth += 1
            word, ins = words[0]
            name = posixpath.basename(word)
            init = INITS.get(name)
            if init is not None and init.reaps and not self.steps:
                self.init = name
                if not init.runs_command:
                    return  # s6-svscan: its argument is a folder of services
                words = _wrapped(name, words)
                continue
            if name in DROPPERS or name == 'env':
                words = _wrapped(name, words)
                continue
            option = _script_option(words) if name in SHELLS else None
            if option is not None:
                text, carrier = words[option + 1]
                place = self.places.get(id(words[option + 1]))
                if place is not None:  # words of the Dockerfile, not of a script
                    self.shell_strings.append(ShellString(word, words[option][0], text, carrier,
                                                          place))
                self.shell_string(text, carrier)
                return
            script = self._script_path(words)
            if script is not None:
                path, rest = script
                if not self.script(path, ins):
                    return
                words = rest
                continue
            step = exec_step(tuple(w for w, _ in words), ins)
            self.steps.append(step)
            self.program = step
            return

    def _script_path(self, words: list[tuple[str, Instruction]],
                     ) -> tuple[str, list[tuple[str, Instruction]]] | None:
        """The build-context path of a shell script the words run, and what follows it."""
        name = posixpath.basename(words[0][0])
        index = 0
        if name in SHELLS:
            index = 1
            while index < len(words) and words[index][0].startswith(('-', '+')):
                index += 2 if words[index][0] in ('-o', '+o') else 1
            if index >= len(words):
                return None
        wanted = posixpath.basename(words[index][0])
        for target in self.document.resolution.targets:
            if target.kind == Kind.SHELL and posixpath.basename(target.path) == wanted:
                return target.path, words[index + 1:]
        return None

    def shell_string(self, text: str, ins: Instruction) -> None:
        words: tuple[str, ...] | None = None
        values: tuple[str, ...] = ()
        if not any(c in _SHELL_SYNTAX for c in text):  # plain words: split them
            words = values = tuple(text.split())
        elif not any(c in _OPERATORS for c in text):
            # Quotes and escapes only: command.py proves such words literal
            # without a parser; anything else needs the grammar below.
            from modcon.readers.shell.shell_form import analyze

            analysis = analyze(text)
            if analysis.argv is not None:
                raw = tuple(text[a:b] for a, b in analysis.spans)
                words, values = raw, analysis.argv
                if analysis.already_execs:
                    words, values = ('exec', *raw), ('exec', *analysis.argv)
        if words is not None:
            if words:
                command = argv_command(values, ins.start, ins.end, ins.line, written=words)
                step = StartStep(command, ins, None, True)
                self.steps.append(step)
                self.program = step
                self.pid1 = self.pid1 and values[0] == 'exec'
            return
        from modcon.readers.shell.simple_commands import program_commands

        commands = program_commands(text)
        if commands is None:
            self.unreadable.append(ins)
            return
        self._take(commands, ins, None)

    def script(self, path: str, ins: Instruction) -> bool:
        """Read an entrypoint script; True when it ends by running its arguments."""
        project = self.document.project
        text = project.read(path) if project is not None else None
        if text is None:
            return False
        from modcon.readers.shell.simple_commands import program_commands

        commands = program_commands(text)
        if commands is None:
            self.unreadable.append(ins)
            return False
        final = self._take(commands, ins, path)
        if final is not None and any('$@' in w or '${@' in w for w in final.command.written):
            # The entrypoint-script convention: it ends by running its arguments.
            self.steps.remove(final)
            self.program = None
            return True
        return False

    def _take(self, commands: tuple[Command, ...], ins: Instruction,
              path: str | None) -> StartStep | None:
        final: StartStep | None = None
        for command in commands:
            step = StartStep(command, ins, path, True)
            self.steps.append(step)
            if command.final and final is None:
                final = step
        if final is not None:
            self.program = final
            self.pid1 = self.pid1 and final.command.program == 'exec'
        return final
