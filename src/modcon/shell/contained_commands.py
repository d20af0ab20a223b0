"""The simple commands contained in a shell string, with their words and places.

The rules of properties 4 to 6 ask the same questions of every ``RUN`` line,
``CMD`` and entrypoint script: which programs run (``apt-get update``,
``pip install``, ``curl ... | sh``), with which literal arguments, where each
one sits (in a pipeline, inside a subshell or an ``if``), and where a cleanup
step could be appended so that it runs last without changing the status of
the whole command. ``read_commands(text)`` answers them from tree-sitter's
bash grammar; the result is cached by text, because several rules read the
same ``RUN`` line.

Word values follow POSIX quote removal; a word whose value depends on the
shell at run time (``$VAR``, ``$(...)``, ``~``, globs) has no value, but keeps
its text (``raw``), which rules may use where an unmatched glob stays literal.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from typing import NamedTuple

from modcon.shell.grammar import bash_parser

if TYPE_CHECKING:  # pragma: no cover - typing only
    from tree_sitter import Node

# Nodes that only group commands without changing whether they run in order
# at the top level: a command inside anything else is "nested".
_TOP_LEVEL = frozenset(('program', 'list', 'pipeline', 'redirected_statement'))
_GLOB = frozenset('*?[')
_EXPANDS = frozenset('$`')


class Word(NamedTuple):
    """One word of a command; offsets are characters into the analysed text."""

    start: int
    end: int
    raw: str
    value: str | None  # after quote removal; None when the shell expands it

    @property
    def text(self) -> str:
        """The value when literal, else the text as written (for messages)."""
        return self.value if self.value is not None else self.raw

    @property
    def plain(self) -> str | None:
        """The value, also for a word whose only specials are glob characters.

        A glob that matches no file stays as written in every POSIX shell;
        ``pkg[extra]==1.0`` is meant as a package name, not a pattern.
        """
        if self.value is not None:
            return self.value
        if any(c in self.raw for c in '$`\'"\\') or self.raw.startswith('~'):
            return None
        return self.raw


class Command(NamedTuple):
    """A simple command: ``VAR=x name arg ...``."""

    start: int
    end: int
    words: tuple[Word, ...]  # the name first, then the arguments
    assignments: tuple[str, ...]  # ``VAR=value`` prefixes, as written
    statement: int  # index of the top-level statement it belongs to
    member: int  # index in that statement's ``&&`` chain; -1 when not a direct member
    pipe_index: int  # place in its pipeline; -1 when not in one
    pipe_length: int
    nested: bool  # inside a subshell, group, branch, loop, function or substitution
    substituted: bool  # inside ``$(...)`` or backquotes

    @property
    def name(self) -> str | None:
        """The program's base name (``/usr/bin/pip3`` -> ``pip3``), when literal."""
        if not self.words or self.words[0].value is None:
            return None
        return self.words[0].value.rsplit('/', 1)[-1]

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]

    def values(self) -> list[str | None]:
        """The arguments' literal values (None where the shell expands)."""
        return [w.value for w in self.words[1:]]


class Statement(NamedTuple):
    """A top-level statement; ``members`` are the spans of its ``&&`` chain."""

    start: int
    end: int
    members: tuple[tuple[int, int], ...]
    background: bool  # followed by ``&``


class Script(NamedTuple):
    """What ``read_commands`` found in one text."""

    text: str
    commands: tuple[Command, ...]
    statements: tuple[Statement, ...]
    readable: bool  # tree-sitter read every character

    @property
    def append_at(self) -> int | None:
        """Where `` && step`` makes ``step`` run last and keeps the status.

        ``S && step`` has the status of ``S`` when ``S`` fails, and of
        ``step`` (a cleanup that succeeds) otherwise: the status of the whole
        text is kept. Shells read ``a || b && step`` as ``(a || b) && step``,
        so the end of the last statement is right whatever it is, unless it
        runs in the background or the text cannot be read.
        """
        if not self.readable or not self.statements or self.statements[-1].background:
            return None
        return self.statements[-1].end

    def named(self, *names: str) -> list[Command]:
        return [c for c in self.commands if c.name in names]


def read_commands(text: str) -> Script:
    """The commands in ``text`` (cached: rules share one parse per string)."""
    return _read(text)


@functools.lru_cache(maxsize=512)
def _read(text: str) -> Script:
    return _Reader(text).run()


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode()
        self._chars: list[int] | None = None
        if not text.isascii():
            index: list[int] = []
            for position, ch in enumerate(text):
                index.extend([position] * len(ch.encode()))
            index.append(len(text))
            self._chars = index

    def char(self, byte: int) -> int:
        return byte if self._chars is None else self._chars[byte]

    def raw(self, node: Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode()

    def run(self) -> Script:
        root = bash_parser().parse(self.data).root_node
        readable = not root.has_error and self._covered(root)
        statements: list[Statement] = []
        member_of: dict[tuple[int, int], tuple[int, int]] = {}
        children = list(root.children)
        for i, child in enumerate(children):
            if not child.is_named or child.type in ('comment', 'heredoc_body'):
                continue
            background = i + 1 < len(children) and children[i + 1].type == '&'
            members = self._chain(child)
            index = len(statements)
            for m, node in enumerate(members):
                member_of[(node.start_byte, node.end_byte)] = (index, m)
            statements.append(Statement(
                self.char(child.start_byte), self.char(child.end_byte),
                tuple((self.char(n.start_byte), self.char(n.end_byte)) for n in members),
                background,
            ))
        commands: list[Command] = []
        stack: list[Node] = [root]
        while stack:
            node = stack.pop()
            if node.type == 'command':
                commands.append(self._command(node, statements, member_of))
            stack.extend(reversed(node.children))
        commands.sort(key=lambda c: c.start)
        return Script(self.text, tuple(commands), tuple(statements), readable)

    def _chain(self, node: Node) -> list[Node]:
        """``a && b && c`` as [a, b, c]; anything else as itself."""
        if node.type == 'list' and len(node.children) == 3 and node.children[1].type == '&&':
            return [*self._chain(node.children[0]), node.children[2]]
        return [node]

    def _covered(self, root: Node) -> bool:
        """Every character that is not a blank or a line continuation belongs to a token.

        tree-sitter-bash drops some input silently (an escaped blank at the
        start of a word, for one); never build on a reading that lost text.
        """
        covered = bytearray(len(self.data))
        stack = [root]
        while stack:
            node = stack.pop()
            if not node.children or node.type == 'heredoc_body':
                covered[node.start_byte:node.end_byte] = b'\1' * (node.end_byte - node.start_byte)
            else:
                stack.extend(node.children)
        data = self.data
        i = 0
        while i < len(data):
            if covered[i] or data[i] in b' \t\r\n':
                i += 1
            elif data[i:i + 2] == b'\\\n':
                i += 2
            elif data[i:i + 3] == b'\\\r\n':
                i += 3
            else:
                return False
        return True

    def _command(self, node: Node, statements: list[Statement],
                 member_of: dict[tuple[int, int], tuple[int, int]]) -> Command:
        words: list[Word] = []
        assignments: list[str] = []
        name = node.child_by_field_name('name')
        if name is not None:
            words.append(self._word(name))
        for child in node.children_by_field_name('argument'):
            if child.type != 'comment':
                words.append(self._word(child))
        for child in node.children:
            if child.type == 'variable_assignment':
                assignments.append(self.raw(child))
        nested = False
        substituted = False
        pipe_index, pipe_length = -1, 0
        statement, member = -1, -1
        current: Node = node
        parent = node.parent
        while parent is not None:
            if parent.type == 'pipeline' and pipe_index == -1 and not nested:
                named = [c for c in parent.children if c.is_named]
                pipe_length = len(named)
                pipe_index = next(i for i, c in enumerate(named) if c.id == current.id)
            if parent.type in ('command_substitution', 'process_substitution'):
                substituted = True
            if parent.type not in _TOP_LEVEL:
                nested = True
            if parent.type == 'program':
                for index, st in enumerate(statements):
                    if st.start <= self.char(current.start_byte) < max(st.end, st.start + 1):
                        statement = index
                        break
            current, parent = parent, parent.parent
        # A direct member of a top-level `&&` chain: the command itself, or
        # the command under its redirections (`b > log` in `a && b > log`).
        for candidate in (node, node.parent):
            if candidate is not None and not nested and pipe_index == -1:
                found = member_of.get((candidate.start_byte, candidate.end_byte))
                if found is not None:
                    statement, member = found
                    break
        return Command(self.char(node.start_byte), self.char(node.end_byte), tuple(words),
                       tuple(assignments), statement, member, pipe_index, pipe_length, nested,
                       substituted)

    def _word(self, node: Node) -> Word:
        raw = self.raw(node)
        return Word(self.char(node.start_byte), self.char(node.end_byte), raw,
                    self._value(node))

    def _value(self, node: Node) -> str | None:
        kind = node.type
        if kind == 'command_name':
            return self._value(node.children[0]) if len(node.children) == 1 else None
        if kind == 'concatenation':
            parts = []
            for index, part in enumerate(node.children):
                value = self._part(part, index == 0)
                if value is None:
                    return None
                parts.append(value)
            return ''.join(parts)
        return self._part(node, True)

    def _part(self, node: Node, word_start: bool) -> str | None:
        raw = self.raw(node)
        if node.type in ('word', 'number'):
            return _unquoted(raw, word_start)
        if node.type == 'raw_string':
            return raw[1:-1]
        if node.type == 'string':
            if any(c.type not in ('"', 'string_content') for c in node.children):
                return None
            return _double_quoted(raw[1:-1])
        return None


def _unquoted(raw: str, word_start: bool) -> str | None:
    if word_start and raw.startswith('~'):
        return None
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == '\\':
            if i + 1 == len(raw):
                return None
            if raw[i + 1] != '\n':  # a line continuation inside a word joins it
                out.append(raw[i + 1])
            i += 2
            continue
        if ch in _GLOB or ch in _EXPANDS or ch in '\'"{}':
            return None
        out.append(ch)
        i += 1
    return ''.join(out)


def _double_quoted(inner: str) -> str | None:
    out: list[str] = []
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == '\\' and i + 1 < len(inner):
            nxt = inner[i + 1]
            if nxt in '$`"\\':
                out.append(nxt)
                i += 2
                continue
            if nxt == '\n':
                i += 2
                continue
        if ch in _EXPANDS:
            return None
        out.append(ch)
        i += 1
    return ''.join(out)
