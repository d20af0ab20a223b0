"""The simple commands of a shell text: their words, redirections and context.

Rules ask the same questions of every ``RUN`` line, ``CMD``, ``HEALTHCHECK``
and entrypoint script: which programs run (``apt-get install -y nginx``,
``curl ... | sh``, ``gunicorn --access-logfile ...``), with which literal
arguments and redirections (``>> /var/log/cron.log``), and how each one runs:

* where it sits: its top-level statement and place in that statement's
  ``&&`` chain, its place in a pipeline, whether it is nested (in a
  subshell, group, branch, loop, function or substitution) -- what an edit
  needs to remove a command or append a cleanup step after the last one;
* the context it runs in (``Command.context``): after ``&``, in a
  condition, a branch, a loop, a function, a subshell, either side of
  ``||``, the left of ``&&`` or of a pipe, and whether the text ends with it.

``read_commands(text)`` answers from tree-sitter's bash grammar, never from
splitting on blanks, and caches the answer by text: several rules read the
same string. Word values follow POSIX quote removal (``modcon.readers.shell.words``);
a word the shell computes has no value but keeps its text (``raw``). Offsets
are character offsets into the text.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from collections.abc import Sequence

from modcon.named_tuple import NamedTuple
from modcon.readers.shell.grammar import bash_parser
from modcon.readers.shell.words import literal_value
from modcon.readers.treesitter_text import TreeSitterText
from modcon.readers.treesitter_text import preorder

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tree_sitter import Node

# Context markers (see ``Command.context``).
CONDITION = 'condition'  # an if/while/until condition, or after `!`: its status is tested
BRANCH = 'branch'  # inside an if/case branch: it may not run
LOOP = 'loop'  # inside a loop body
FUNCTION = 'function'  # inside a function body: runs only when called
SUBSTITUTION = 'substitution'  # inside $(...) or `...`
OR_LEFT = 'or-left'  # left of `||`: a failure is handled by the fallback
FALLBACK = 'fallback'  # right of `||`: runs only on failure
AND_LEFT = 'and-left'  # left of `&&`: a failure skips the rest, silently
PIPED = 'piped'  # a pipeline element that is not the last: its status is lost
SUBSHELL = 'subshell'  # inside ( ... )

# Nodes that only group commands without changing whether they run in order
# at the top level: a command inside anything else is "nested".
_TOP_LEVEL = frozenset(('program', 'list', 'pipeline', 'redirected_statement'))
_NOT_A_STATEMENT = frozenset(('comment', 'heredoc_body'))
# Bytes that may lie between tokens are blanks (and the line ends of continuations).
_NOT_BLANK = re.compile(rb'[^ \t\r\n]')
_BRANCHING = frozenset(('if_statement', 'elif_clause', 'else_clause', 'case_statement',
                        'case_item', 'compound_statement'))


class Word(NamedTuple):
    """One word of a command."""

    start: int
    end: int
    raw: str  # as written
    value: str | None  # after quote removal; None when the shell computes it

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


class Redirect(NamedTuple):
    operator: str  # '>', '>>', '2>>', '&>', ...
    target: str | None  # the literal file name


class Command(NamedTuple):
    """A simple command: ``VAR=x name arg ... > file``."""

    start: int
    end: int
    line: int  # 1-based, in the text
    words: tuple[Word, ...]  # the name first, then the arguments
    assignments: tuple[str, ...]  # ``VAR=value`` prefixes, as written
    redirects: tuple[Redirect, ...]  # its own, and those of a list it ends
    # Where it sits, for edits:
    statement: int  # index of the top-level statement it belongs to; -1: none
    member: int  # index in that statement's ``&&`` chain; -1 when not a direct member
    pipe_index: int  # place in its pipeline; -1 when not in one
    pipe_length: int
    nested: bool  # inside a subshell, group, branch, loop, function or substitution
    substituted: bool  # inside ``$(...)`` or backquotes
    # How it runs:
    context: frozenset[str]  # the markers above
    background: bool  # it, or the statement around it, ends with `&`
    final: bool  # the text ends with it (the last top-level statement's last command)
    conditions: tuple[str, ...]  # raw text of the conditions of the branches around it
    pipeline: tuple[int, int] | None  # the span of the pipeline it belongs to

    @property
    def name(self) -> str | None:
        """The program's base name (``/usr/bin/pip3`` -> ``pip3``), when literal."""
        if not self.words or self.words[0].value is None:
            return None
        return self.words[0].value.rsplit('/', 1)[-1]

    @property
    def program(self) -> str | None:
        """The first word's value as given (``/usr/bin/pip3``), when literal."""
        return self.words[0].value if self.words else None

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]

    @property
    def values(self) -> tuple[str | None, ...]:
        """Every word's value, the name included (None where the shell computes it)."""
        return tuple(w.value for w in self.words)

    @property
    def arg_values(self) -> list[str | None]:
        """The arguments' values (None where the shell computes them)."""
        return [w.value for w in self.words[1:]]

    @property
    def written(self) -> tuple[str, ...]:
        """Every word as written, the name included."""
        return tuple(w.raw for w in self.words)


class Statement(NamedTuple):
    """A top-level statement; ``members`` are the spans of its ``&&`` chain."""

    start: int
    end: int
    members: tuple[tuple[int, int], ...]
    background: bool  # followed by ``&``


class Script(NamedTuple):
    """What ``read_commands`` found in one text."""

    text: str
    commands: tuple[Command, ...]  # in source order, nested ones included
    statements: tuple[Statement, ...]
    parsed: bool  # tree-sitter found no syntax error
    readable: bool  # parsed, and tree-sitter read every character

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


@functools.lru_cache(maxsize=512)
def read_commands(text: str) -> Script:
    """The commands in ``text`` (cached: rules share one parse per string)."""
    return _Reader(text).run()


def program_commands(text: str) -> tuple[Command, ...] | None:
    """The commands of ``text`` that run something (not bare assignments or
    redirections); None when it does not parse."""
    script = read_commands(text)
    if not script.parsed:
        return None
    return tuple(c for c in script.commands if c.words)


def program_words(command: Command) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """The command's words as written and their values, without a leading ``exec``."""
    words, values = command.written, command.values
    if values and values[0] == 'exec' and len(words) > 1:
        return words[1:], values[1:]
    return words, values


def subcommand(command: Command, with_value: frozenset[str] = frozenset(),
               start: int = 0) -> tuple[int, str] | None:
    """The first argument from ``start`` on that is not an option (``install`` in
    ``pip -q install x``), and its index; None when one is not literal. Options in
    ``with_value`` take the next argument as theirs."""
    args = command.args
    i = start
    while i < len(args):
        value = args[i].value
        if value is None:
            return None
        if value.startswith('-'):
            i += 2 if value in with_value else 1
            continue
        return i, value
    return None


def argv_command(values: Sequence[str], start: int = 0, end: int | None = None, line: int = 1,
                 written: Sequence[str] | None = None) -> Command:
    """A command whose words are known to be literal (exec form, or proven by
    ``shell.command``), as the only and final statement of its text.

    Word offsets count from ``start`` in the words joined by blanks.
    """
    shown = tuple(written) if written is not None else tuple(values)
    words = []
    position = start
    for raw, value in zip(shown, values):
        words.append(Word(position, position + len(raw), raw, value))
        position += len(raw) + 1
    if end is None:
        end = position - 1 if words else start
    return Command(start, end, line, tuple(words), (), (), statement=0, member=0, pipe_index=-1,
                   pipe_length=0, nested=False, substituted=False, context=frozenset(),
                   background=False, final=True, conditions=(), pipeline=None)


def first_unread_byte(root: Node, data: bytes) -> int | None:
    """The first byte of ``data`` that no token of the tree covers, or None.

    tree-sitter-bash drops some input silently (an escaped blank at the
    start of a word, for one); never build on a reading that lost text.
    Between tokens there may be blanks, line ends and line continuations
    only; a here-document body is data and counts as read.
    """
    # ``data`` with every byte a token covers blanked: what is left to check.
    uncovered = bytearray(data)
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.children or node.type == 'heredoc_body':
            uncovered[node.start_byte:node.end_byte] = b' ' * (node.end_byte - node.start_byte)
        else:
            stack.extend(node.children)
    for found in _NOT_BLANK.finditer(uncovered):
        at = found.start()
        if not data.startswith((b'\\\n', b'\\\r\n'), at):  # a line continuation
            return at
    return None


def misread_pipelines(root: Node) -> Iterator[tuple[Node, list[Node], Node]]:
    """Each pipeline tree-sitter-bash read as ``a | (b | c && d)``: the pipeline, its
    members before the list, and the list's leftmost operand (``b | c``)."""
    for node in preorder(root):
        if node.type != 'pipeline':
            continue
        named = _named(node.children)
        if not named or _and_or(named[-1]) is None:
            continue
        left = named[-1]
        while (parts := _and_or(left)) is not None:
            left = parts[0]
        yield node, named[:-1], left


def misread_pipeline(root: Node, data: bytes) -> int | None:
    """Where tree-sitter-bash reads the next line into a pipeline, or None.

    It reads ``a | b | c && d`` as ``a | (b | c && d)``, and when a line of two
    or more pipes is followed by one with ``&&`` or ``||``, it takes that line's
    first words for arguments of the pipeline's last command
    (tree-sitter-bash #347): ``head -1`` then ``python migrate.py && app``
    become ``head -1 python migrate.py``. The shell ends the pipeline at the
    line end; a reading across it is not the script.
    """
    for _pipeline, _members, left in misread_pipelines(root):
        text = data[left.start_byte:left.end_byte].replace(b'\\\r\n', b'  ').replace(b'\\\n', b' ')
        at = text.find(b'\n')
        if at != -1:
            return left.start_byte + at
    return None


def statements_of(children: list[Node]) -> list[tuple[Node, bool]]:
    """The statements among ``children``, each with whether ``&`` follows it."""
    out: list[tuple[Node, bool]] = []
    for child in children:
        if child.type == '&' and out:
            out[-1] = (out[-1][0], True)
        elif child.is_named and child.type not in _NOT_A_STATEMENT:
            out.append((child, False))
    return out


class _Around(NamedTuple):
    """What the walk knows about the place of the node it is at."""

    context: frozenset[str] = frozenset()
    background: bool = False
    conditions: tuple[str, ...] = ()
    pipeline: tuple[int, int] | None = None
    statement: int = -1


class _Reader:
    def __init__(self, text: str) -> None:
        self.source = TreeSitterText(text)
        self.commands: list[Command] = []
        self.statements: list[Statement] = []
        self.member_of: dict[tuple[int, int], tuple[int, int]] = {}
        self.final_nodes: set[int] = set()
        # pipeline node: (member node: index, how many members)
        self.pipelines: dict[int, tuple[dict[int, int], int]] = {}
        self.spans: dict[int, tuple[int, int]] = {}  # pipeline node: the span it really has
        self.places: dict[int, tuple[bool, bool, int, int]] = {}  # node: what `_place` says

    def run(self) -> Script:
        data = self.source.data
        root = bash_parser().parse(data).root_node
        parsed = not root.has_error
        readable = parsed and first_unread_byte(root, data) is None and \
            misread_pipeline(root, data) is None
        if readable:
            self._mend_pipelines(root)
        top = statements_of(root.children)
        for node, background in top:
            members = self._chain(node)
            index = len(self.statements)
            for m, member in enumerate(members):
                self.member_of[(member.start_byte, member.end_byte)] = (index, m)
            self.statements.append(Statement(*self.source.span(node),
                                             tuple(self.source.span(n) for n in members),
                                             background))
        self._mark_final(top)
        index = 0
        for child in root.children:
            if index < len(top) and child.id == top[index][0].id:
                self.walk(child, _Around(background=top[index][1], statement=index))
                index += 1
            elif child.type == 'heredoc_body':  # its substitutions run with the statement
                self.walk(child, _Around(statement=self._statement_at(child)))
        self.commands.sort(key=lambda c: c.start)
        return Script(self.source.text, tuple(self.commands), tuple(self.statements), parsed,
                      readable)

    def _mend_pipelines(self, root: Node) -> None:
        """tree-sitter-bash reads ``a | b | c && d`` as ``a | (b | c && d)``: give the
        commands the places and the span of ``(a | b | c) && d``, the shell's reading
        (the statement's members stay as read)."""
        for node, outer, leftmost in misread_pipelines(root):
            if leftmost.type != 'pipeline':
                continue
            inner = _named(leftmost.children)
            total = len(outer) + len(inner)
            self.pipelines[node.id] = ({c.id: i for i, c in enumerate(outer)}, total)
            self.pipelines[leftmost.id] = (
                {c.id: len(outer) + i for i, c in enumerate(inner)}, total)
            span = (self.source.span(node)[0], self.source.span(leftmost)[1])
            self.spans[node.id] = self.spans[leftmost.id] = span

    def _statement_at(self, node: Node) -> int:
        start = self.source.char(node.start_byte)
        for index, st in enumerate(self.statements):
            if st.start <= start < max(st.end, st.start + 1):
                return index
        return -1

    def _chain(self, node: Node) -> list[Node]:
        """``a && b && c`` as [a, b, c]; anything else as itself.

        The grammar nests the chain to the left, as deep as it is long: read in a loop."""
        tail: list[Node] = []
        while node.type == 'list' and len(node.children) == 3 and node.children[1].type == '&&':
            tail.append(node.children[2])
            node = node.children[0]
        return [node, *reversed(tail)]

    # -- the command the text ends with -----------------------------------------

    def _mark_final(self, statements: list[tuple[Node, bool]]) -> None:
        # The text ends with its last statement, unless that is a bare
        # `exit`/`exit $?`/`wait`, which only passes the status of what ran before.
        nodes = [node for node, _ in statements]
        while nodes and self._passes_status(nodes[-1]):
            nodes.pop()
        if nodes:
            self._mark_final_in(nodes[-1])

    def _passes_status(self, node: Node) -> bool:
        if node.type != 'command':
            return False
        name = node.child_by_field_name('name')
        if name is None or self.source.raw(name) not in ('exit', 'wait'):
            return False
        args = _arguments(node)
        return not args or (len(args) == 1 and self.source.raw(args[0]) in ('$?', '"$?"'))

    def _mark_final_in(self, node: Node) -> None:
        kind = node.type
        if kind == 'command':
            self.final_nodes.add(node.id)
        elif kind == 'redirected_statement':
            body = node.child_by_field_name('body')
            if body is not None:
                self._mark_final_in(body)
        elif kind in ('list', 'pipeline'):
            named = _named(node.children)
            if named:
                self._mark_final_in(named[-1])
        elif kind in _BRANCHING:
            for statements in _bodies(node):
                if statements:
                    self._mark_final_in(statements[-1])

    # -- the walk ---------------------------------------------------------------

    def walk(self, node: Node, around: _Around) -> None:
        kind = node.type
        context = around.context
        if kind == 'command':
            self.command(node, around)
            inner = _Around(context, conditions=around.conditions, statement=around.statement)
            for child in node.children:  # $(...) inside the arguments
                if child.type == 'subshell':  # tree-sitter reads `name (a)` so
                    self.walk(child, inner)
                else:
                    self.walk_substitutions(child, inner)
        elif kind in ('command_substitution', 'process_substitution'):
            self.walk_statements(node.children, around._replace(
                context=context | {SUBSTITUTION}, background=False, pipeline=None), False)
        elif kind == 'list' and self.walk_list(node, around):
            pass
        elif kind == 'pipeline':
            named = _named(node.children)
            span = self.spans.get(node.id) or self.source.span(node)
            for index, child in enumerate(named):
                piped = context if index == len(named) - 1 else context | {PIPED}
                self.walk(child, around._replace(context=piped, pipeline=span))
        elif kind == 'negated_command':
            for child in node.children:
                if child.is_named:
                    self.walk(child, around._replace(context=context | {CONDITION}))
        elif kind == 'if_statement':
            self.if_statement(node, around._replace(pipeline=None))
        elif kind in ('while_statement', 'for_statement', 'c_style_for_statement'):
            loop = around._replace(context=context | {LOOP}, pipeline=None)
            for child in node.children:
                if child.type == 'do_group':
                    self.walk_statements(child.children, loop, around.background)
                elif child.is_named and child.type not in ('variable_name', 'comment'):
                    # the loop condition (while/until) or the word list (for)
                    self.walk(child, loop._replace(context=loop.context | {CONDITION}))
        elif kind == 'function_definition':
            body = node.child_by_field_name('body')
            if body is not None:
                self.walk(body, around._replace(context=context | {FUNCTION}, background=False,
                                                pipeline=None))
        elif kind == 'subshell':
            self.walk_statements(node.children, around._replace(
                context=context | {SUBSHELL}, pipeline=None), around.background)
        elif kind == 'case_statement':
            self.case_statement(node, around._replace(pipeline=None))
        elif kind == 'compound_statement':
            self.walk_statements(node.children, around._replace(pipeline=None),
                                 around.background)
        else:  # redirected statements, assignments with $(...), test commands, ...
            for child in node.children:
                if child.is_named:
                    self.walk(child, around)

    def walk_statements(self, children: list[Node], around: _Around, background: bool) -> None:
        """Statements run one after another; each in the background if ``&``
        follows it or ``background`` (the whole group's ``&``)."""
        for child, after in statements_of(children):
            self.walk(child, around._replace(background=after or background))

    def walk_list(self, node: Node, around: _Around) -> bool:
        """``a && b`` and ``a || b``; False for a list of another shape.

        The grammar nests a chain to the left (``a && b || c`` is ``(a && b) || c``),
        as deep as it is long: its left spine is followed in a loop, each right-hand
        command kept with its context, and the commands walked in order."""
        plain = around._replace(pipeline=None)
        context = around.context
        rights: list[tuple[Node, _Around]] = []
        while (parts := _and_or(node)) is not None:
            left, operator, right = parts
            fallback = context | {FALLBACK} if operator == '||' else context
            rights.append((right, plain._replace(context=fallback)))
            context = context | {OR_LEFT if operator == '||' else AND_LEFT}
            node = left
        if not rights:
            return False
        self.walk(node, plain._replace(context=context))
        for right, right_around in reversed(rights):
            self.walk(right, right_around)
        return True

    def walk_substitutions(self, node: Node, around: _Around) -> None:
        if node.type in ('command_substitution', 'process_substitution'):
            self.walk(node, around)
            return
        for child in node.children:
            self.walk_substitutions(child, around)

    def if_statement(self, node: Node, around: _Around) -> None:
        conditions = _condition_nodes(node)
        text = ' '.join(self.source.raw(n) for n in conditions)
        for child in conditions:
            self.walk(child, around._replace(context=around.context | {CONDITION}))
        branch = around._replace(context=around.context | {BRANCH},
                                 conditions=(*around.conditions, text))
        for clause in node.children:
            if clause.type == 'elif_clause':  # tested only when the `if` failed
                for child in _condition_nodes(clause):
                    self.walk(child, branch._replace(context=branch.context | {CONDITION}))
        for body in _bodies(node):
            for inner in body:
                self.walk(inner, branch)

    def case_statement(self, node: Node, around: _Around) -> None:
        value = node.child_by_field_name('value')
        if value is not None:  # `case $(uname) in`: runs whichever branch is taken
            self.walk(value, around)
        branch = around._replace(context=around.context | {BRANCH})
        for item in node.children:
            if item.type == 'case_item':
                for pattern in _named(item.children[:_pattern_end(item)]):
                    self.walk(pattern, branch._replace(context=branch.context | {CONDITION}))
        for body in _bodies(node):
            for inner in body:
                self.walk(inner, branch)

    # -- one command --------------------------------------------------------------

    def command(self, node: Node, around: _Around) -> None:
        source = self.source
        words: list[Word] = []
        name = node.child_by_field_name('name')
        if name is not None:
            words.append(self._word(name))
        words.extend(self._word(child) for child in _arguments(node))
        assignments = tuple(source.raw(c) for c in node.children
                            if c.type == 'variable_assignment')
        nested, substituted, pipe_index, pipe_length = self._place(node)
        statement, member = around.statement, -1
        # A direct member of a top-level `&&` chain: the command itself, or
        # the command under its redirections (`b > log` in `a && b > log`).
        for candidate in (node, node.parent):
            if candidate is not None and not nested and pipe_index == -1:
                found = self.member_of.get((candidate.start_byte, candidate.end_byte))
                if found is not None:
                    statement, member = found
                    break
        self.commands.append(Command(
            *source.span(node), node.start_point[0] + 1, tuple(words), assignments,
            self._redirects(node), statement, member, pipe_index, pipe_length, nested,
            substituted, around.context, around.background, node.id in self.final_nodes,
            around.conditions, around.pipeline,
        ))

    def _word(self, node: Node) -> Word:
        return Word(*self.source.span(node), self.source.raw(node),
                    literal_value(node, self.source))

    def _place(self, node: Node) -> tuple[bool, bool, int, int]:
        """Nested, substituted, and the place in the innermost pipeline that
        holds the command with nothing nesting in between.

        Each node's answer follows from its parent's, which is remembered: the
        commands of a chain thousands deep share their ancestors' answers instead
        of each climbing to the root."""
        climbed = []
        current = node
        while current.id not in self.places:
            parent = current.parent
            if parent is None:
                self.places[current.id] = (False, False, -1, 0)
                break
            climbed.append((current, parent))
            current = parent
        for current, parent in reversed(climbed):
            nested, substituted, pipe_index, pipe_length = self.places[parent.id]
            kind = parent.type
            if kind == 'pipeline':
                pipe_index, pipe_length = self._pipeline_place(parent, current)
            elif kind not in _TOP_LEVEL:  # nested: a pipeline further up does not hold it
                pipe_index, pipe_length = -1, 0
            self.places[current.id] = (
                nested or kind not in _TOP_LEVEL,
                substituted or kind in ('command_substitution', 'process_substitution'),
                pipe_index, pipe_length)
        return self.places[node.id]

    def _pipeline_place(self, pipeline: Node, member: Node) -> tuple[int, int]:
        """``member``'s index among ``pipeline``'s commands, and how many there are.

        Each pipeline's members are listed once, for all of them: a pipeline of
        n commands costs n, not n squared (20,000 `cat |` took minutes)."""
        known = self.pipelines.get(pipeline.id)
        if known is None:
            members = [c.id for c in pipeline.children if c.is_named]
            known = self.pipelines[pipeline.id] = (
                {id_: i for i, id_ in enumerate(members)}, len(members))
        places, length = known
        index = places.get(member.id)
        return (index, length) if index is not None else (-1, 0)  # a mended pipeline's list

    def _redirects(self, command: Node) -> tuple[Redirect, ...]:
        """The file redirections that apply to ``command``: its own, and those of a
        ``redirected_statement`` whose body it ends (``a && b >> log`` hangs them
        on the list; they belong to ``b``, the last command)."""
        nodes = [c for c in command.children if c.type == 'file_redirect']
        parent = command.parent
        while parent is not None and parent.type == 'list':
            if parent.children[-1].end_byte != command.end_byte:
                break
            parent = parent.parent
        if parent is not None and parent.type == 'redirected_statement':
            nodes.extend(c for c in parent.children if c.type == 'file_redirect')
        out = []
        for node in nodes:
            operator = self.source.raw(node)
            destination = node.child_by_field_name('destination')
            if destination is not None:
                operator = operator[:self.source.char(destination.start_byte)
                                    - self.source.char(node.start_byte)]
            target = literal_value(destination, self.source) if destination is not None \
                else None
            out.append(Redirect(operator.strip(), target))
        return tuple(out)


def _and_or(node: Node) -> tuple[Node, str, Node] | None:
    """``a && b`` or ``a || b`` as (a, operator, b); None for anything else."""
    if node.type != 'list':
        return None
    named = _named(node.children)
    operators = [c.type for c in node.children if c.type in ('&&', '||')]
    if len(named) != 2 or len(operators) != 1:
        return None
    return named[0], operators[0], named[1]


def _arguments(command: Node) -> list[Node]:
    return [a for a in command.children_by_field_name('argument') if a.type != 'comment']


def _named(children: list[Node]) -> list[Node]:
    return [c for c in children if c.is_named and c.type != 'comment']


def _condition_nodes(node: Node) -> list[Node]:
    """The condition of an ``if`` or ``elif``: what comes before its ``then``."""
    found: list[Node] = []
    for child in node.children:
        if child.type in ('then', 'elif_clause', 'else_clause', 'fi', 'else'):
            break
        if child.is_named and child.type != 'comment':
            found.append(child)
    return found


def _pattern_end(case_item: Node) -> int:
    """The index of the ``)`` that ends a case item's patterns."""
    children = case_item.children
    return next((i for i, c in enumerate(children) if c.type == ')'), len(children))


def _bodies(node: Node) -> list[list[Node]]:
    """The statement lists of a compound command's branches (not its conditions)."""
    kind = node.type
    if kind == 'compound_statement':
        return [[n for n, _ in statements_of(node.children)]]
    if kind == 'case_statement':
        return [b for item in node.children if item.type == 'case_item' for b in _bodies(item)]
    if kind == 'case_item':
        return [_named(node.children[_pattern_end(node):])]
    bodies: list[list[Node]] = []
    current: list[Node] | None = None
    for child in node.children:
        if child.type in ('then', 'else'):
            current = []
            bodies.append(current)
        elif child.type in ('elif_clause', 'else_clause'):
            bodies.extend(_bodies(child))
            current = None
        elif child.type in ('elif', 'fi'):
            current = None
        elif current is not None and child.is_named and child.type != 'comment':
            current.append(child)
    return bodies
