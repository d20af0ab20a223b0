"""The `/modcon` comment commands: the one table that the parser, the help reply,
the bot's pull-request body and the README's table are made from."""
from __future__ import annotations

from modcon.named_tuple import NamedTuple


class Command(NamedTuple):
    words: str  # what follows `/modcon` on the comment's first line
    does: str  # what happens, in one line


COMMANDS = (
    Command('fix', "the safe fixes, as a commit on the pull request's branch (on a fork: one "
                   'review with suggested changes, plus a patch for changes outside the diff)'),
    Command('fix --unsafe', 'also the fixes marked unsafe'),
    Command('check', 'the findings, as a comment'),
    Command('help', 'the list of commands'),
)
NAMES = tuple(c.words for c in COMMANDS)


def markdown_list() -> str:
    """The commands as a Markdown list (the help reply, the pull-request body)."""
    return '\n'.join(f'- `/modcon {c.words}`: {c.does}' for c in COMMANDS)


def markdown_table() -> str:
    """The commands as the README's table."""
    rows = ['| command (first line of the comment) | what happens |', '| --- | --- |']
    rows += [f'| `/modcon {c.words}` | {c.does} |' for c in COMMANDS]
    return '\n'.join(rows) + '\n'
