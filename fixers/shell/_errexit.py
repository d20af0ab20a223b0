"""Set-up commands of a script whose failure nobody notices (no ``set -e``).

A shell script goes on after a failing command unless ``errexit`` is on.
In an entrypoint script that means: ``mkdir``, ``chown``, ``cd`` or a
config template fails, the script carries on and starts the program
anyway, which then fails later with a confusing error, or worse, runs half
configured; the status of the command that actually failed is lost.

``hidden_failures(text)`` lists the commands ``set -e`` would stop at: the
script's own top-level commands before its last one, not already checked
(``cmd || exit 1``, ``if cmd``), not in a pipeline's left side, and not
shell built-ins that cannot fail in a way that matters (``echo``,
``export``, ``[ ... ]``). A script that turns errexit on before them (in
its ``#!`` line or with ``set -e``/``set -o errexit``), turns it off on
purpose (``set +e``), reads ``$?`` or traps ``ERR`` manages its own
statuses and is left alone.
"""
from __future__ import annotations

import re

from modcon.named_tuple import NamedTuple
from modcon.readers.shell.grammar import bash_parser
from modcon.readers.shell.script import BOURNE_SHELLS
from modcon.readers.shell.script import interpreter
from modcon.readers.shell.script import misread_heredoc
from modcon.readers.shell.simple_commands import FUNCTION
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import program_commands
from modcon.readers.treesitter_text import TreeSitterText
from modcon.source import BOM

# Built-ins and no-ops whose failure would not stop anything worth stopping.
HARMLESS = frozenset((
    'echo', 'printf', 'export', 'set', 'unset', 'local', 'readonly', 'declare', 'typeset',
    'shift', ':', 'true', 'trap', 'umask', 'exec', 'exit', 'return', '[', 'test', 'source',
    '.', 'wait', 'sleep', 'ulimit', 'alias', 'shopt', 'getopts', 'read', 'let',
))
_STATUS = r'\$\?|\$\{\?\}'


class HiddenFailures(NamedTuple):
    commands: tuple[Command, ...]
    # Where a `set -e` line goes: after the `#!` line; None when it cannot go
    # first (a byte order mark starts the file, and no `#!` line follows it).
    insert_at: int | None
    start: int  # the finding's range: from that line to the first hidden command
    end: int


def _errexit_flag(word: str | None) -> bool:
    return word is not None and word.startswith('-') and not word.startswith('--') and \
        'e' in word[1:] and word[1:].isalpha()


def _turns_on(command: Command) -> bool:
    values = command.values
    if any(_errexit_flag(v) for v in values[1:]):
        return True
    return any(v == 'errexit' and i > 0 and values[i - 1] == '-o' for i, v in enumerate(values))


def _turns_off(command: Command) -> bool:
    values = command.values
    for index, value in enumerate(values[1:], start=1):
        if value is None:
            continue
        if value.startswith('+') and 'e' in value[1:] and value[1:].isalpha():
            return True
        if value == 'errexit' and values[index - 1] == '+o':
            return True
    return False


def hidden_failures(text: str) -> HiddenFailures | None:
    """The set-up commands whose failure the script ignores, or None."""
    shell = interpreter(text.removeprefix(BOM))
    if shell is not None and shell not in BOURNE_SHELLS:
        return None
    first_line = text.removeprefix(BOM).split('\n', 1)[0]
    if first_line.startswith('#!') and any(_errexit_flag(w) for w in first_line[2:].split()[1:]):
        return None
    if re.search(_STATUS, text) or ('ERR' in text and re.search(r'\btrap\b[^\n]*\bERR\b', text)):
        return None
    commands = program_commands(text)
    if not commands:
        return None
    data = TreeSitterText(text).data
    if misread_heredoc(bash_parser().parse(data).root_node, data) is not None:
        return None  # the commands read are partly here-document data
    on_at = None
    for command in commands:
        if command.program != 'set':
            continue
        if _turns_off(command):
            return None
        if _turns_on(command) and FUNCTION not in command.context and on_at is None:
            on_at = command.start
    hidden = tuple(
        c for c in commands
        if not c.context and not c.final and not c.background
        and (on_at is None or c.start < on_at)
        and (c.program is None or c.program not in HARMLESS)
    )
    if not hidden:
        return None
    if not text.removeprefix(BOM).startswith('#!'):
        return HiddenFailures(hidden, None if text.startswith(BOM) else 0, 0, hidden[0].end)
    newline = text.find('\n')
    if newline == -1:
        return None
    return HiddenFailures(hidden, newline + 1, newline + 1, hidden[0].end)
