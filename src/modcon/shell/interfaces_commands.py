"""The simple commands a shell script runs, each with the context it runs in.

Several rules ask the same question of a start-up script (an entrypoint
script, a ``sh -c`` string in a Dockerfile): which programs does it start, in
what order, and how? Does a command run in the background (``&``), inside a
condition, a loop, a branch or a function, on the left of ``||`` or inside a
pipeline, and is it the command the script ends with?

``simple_commands(text)`` answers with one ``SimpleCommand`` per command, in
source order, read with tree-sitter-bash (a real shell grammar). Word values
are given only where they are literal in every POSIX shell; anything that
expands is ``None`` and its raw text stays available.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING
from typing import NamedTuple

from modcon.shell.grammar import bash_parser

if TYPE_CHECKING:  # pragma: no cover - typing only
    from tree_sitter import Node

# Context markers (see ``SimpleCommand.context``).
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

_SPECIAL = frozenset('$`\'"\\*?[]{}~')
_DQ_SAFE = r'[^$`\\]*'


class SimpleCommand(NamedTuple):
    """One simple command; offsets are characters of the script text."""

    words: tuple[str, ...]  # the name and arguments as written (no assignments, redirections)
    values: tuple[str | None, ...]  # their literal values, None where a word expands
    start: int
    end: int
    line: int  # 1-based
    background: bool  # it, or the statement around it, ends with `&`
    context: frozenset[str]
    final: bool  # the script ends with it (the last top-level statement's last command)
    conditions: tuple[str, ...]  # raw text of the conditions of the branches around it
    pipeline: tuple[int, int] | None  # the span of the pipeline it belongs to

    @property
    def name(self) -> str | None:
        return self.values[0] if self.values else None

    @property
    def top_level(self) -> bool:
        """Runs unconditionally, in the script's main line (not a branch, loop, function)."""
        return not self.context & {CONDITION, BRANCH, LOOP, FUNCTION, SUBSTITUTION,
                                   FALLBACK, SUBSHELL}


def literal_word(node: Node, raw: str) -> str | None:
    """The value of a word that expands to itself in every POSIX shell, else None."""
    kind = node.type
    if kind == 'command_name':
        children = node.children
        return literal_word(children[0], raw) if len(children) == 1 else None
    if kind in ('word', 'number'):
        return None if _SPECIAL & set(raw) else raw
    if kind == 'raw_string':
        return raw[1:-1]
    if kind == 'string':
        inner = raw[1:-1]
        if all(c.type in ('"', 'string_content') for c in node.children) and \
                re.fullmatch(_DQ_SAFE, inner):
            return inner
        return None
    if kind == 'concatenation':
        parts = []
        for child in node.children:
            text = raw[child.start_byte - node.start_byte:child.end_byte - node.start_byte]
            value = literal_word(child, text)
            if value is None:
                return None
            parts.append(value)
        return ''.join(parts)
    return None


class _Walker:
    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode()
        self.chars: list[int] | None = None
        if not text.isascii():
            index: list[int] = []
            for position, ch in enumerate(text):
                index.extend([position] * len(ch.encode()))
            index.append(len(text))
            self.chars = index
        self.found: list[SimpleCommand] = []
        self.final_nodes: set[int] = set()

    def char(self, byte: int) -> int:
        return byte if self.chars is None else self.chars[byte]

    def raw(self, node: Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode()

    def run(self) -> list[SimpleCommand] | None:
        root = bash_parser().parse(self.data).root_node
        if root.has_error:
            return None
        statements = _statements(root.children)
        # The script ends with its last statement, unless that is a bare
        # `exit`/`exit $?`/`wait`, which only passes the status of what ran before.
        while statements and self._passes_status(statements[-1][0]):
            statements = statements[:-1]
        if statements:
            self._mark_final(statements[-1][0])
        for node, background in _statements(root.children):
            self.walk(node, frozenset(), background, ())
        self.found.sort(key=lambda c: c.start)
        return self.found

    def _passes_status(self, node: Node) -> bool:
        if node.type != 'command':
            return False
        name = node.child_by_field_name('name')
        if name is None or self.raw(name) not in ('exit', 'wait'):
            return False
        args = [a for a in node.children_by_field_name('argument') if a.type != 'comment']
        return not args or (len(args) == 1 and self.raw(args[0]) in ('$?', '"$?"'))

    def _mark_final(self, node: Node) -> None:
        kind = node.type
        if kind == 'command':
            self.final_nodes.add(node.id)
        elif kind == 'redirected_statement':
            body = node.child_by_field_name('body')
            if body is not None:
                self._mark_final(body)
        elif kind in ('list', 'pipeline'):
            named = [c for c in node.children if c.is_named and c.type != 'comment']
            if named:
                self._mark_final(named[-1])
        elif kind in ('if_statement', 'elif_clause', 'else_clause', 'case_statement',
                      'case_item', 'compound_statement'):
            for body in self._bodies(node):
                if body:
                    self._mark_final(body[-1])

    def _bodies(self, node: Node) -> list[list[Node]]:
        """The statement lists of a compound command's branches (not its conditions)."""
        kind = node.type
        if kind == 'compound_statement':
            return [[n for n, _ in _statements(node.children)]]
        if kind == 'case_statement':
            return [b for item in node.children if item.type == 'case_item'
                    for b in self._bodies(item)]
        if kind == 'case_item':
            seen = False
            body: list[Node] = []
            for child in node.children:
                if child.type == ')' and not seen:
                    seen = True
                elif seen and child.is_named and child.type != 'comment':
                    body.append(child)
            return [body]
        bodies: list[list[Node]] = []
        current: list[Node] | None = None
        for child in node.children:
            if child.type in ('then', 'else'):
                current = []
                bodies.append(current)
            elif child.type in ('elif_clause', 'else_clause'):
                bodies.extend(self._bodies(child))
                current = None
            elif child.type in ('elif', 'fi'):
                current = None
            elif current is not None and child.is_named and child.type != 'comment':
                current.append(child)
        return bodies

    # -- the walk ---------------------------------------------------------------

    def walk(self, node: Node, context: frozenset[str], background: bool,
             conditions: tuple[str, ...], pipeline: tuple[int, int] | None = None) -> None:
        kind = node.type
        if kind == 'command':
            self.command(node, context, background, conditions, pipeline)
            for child in node.children:  # $(...) inside the arguments
                self.walk_substitutions(child, context, conditions)
            return
        if kind in ('command_substitution', 'process_substitution'):
            inner = context | {SUBSTITUTION}
            for child, bg in _statements(node.children):
                self.walk(child, inner, bg, conditions)
            return
        if kind == 'list':
            named = [c for c in node.children if c.is_named and c.type != 'comment']
            operators = [c.type for c in node.children if c.type in ('&&', '||')]
            if len(named) == 2 and len(operators) == 1:
                left_mark = OR_LEFT if operators[0] == '||' else AND_LEFT
                self.walk(named[0], context | {left_mark}, background, conditions)
                right = context | {FALLBACK} if operators[0] == '||' else context
                self.walk(named[1], right, background, conditions)
                return
        if kind == 'pipeline':
            named = [c for c in node.children if c.is_named and c.type != 'comment']
            span = (self.char(node.start_byte), self.char(node.end_byte))
            for index, child in enumerate(named):
                inner = context if index == len(named) - 1 else context | {PIPED}
                self.walk(child, inner, background, conditions, span)
            return
        if kind == 'negated_command':
            for child in node.children:
                if child.is_named:
                    self.walk(child, context | {CONDITION}, background, conditions, pipeline)
            return
        if kind in ('if_statement', 'elif_clause'):
            self.if_statement(node, context, background, conditions)
            return
        if kind in ('while_statement', 'for_statement', 'c_style_for_statement'):
            for child in node.children:
                if child.type == 'do_group':
                    for inner, bg in _statements(child.children):
                        self.walk(inner, context | {LOOP}, bg or background, conditions)
                elif child.is_named and child.type not in ('variable_name', 'comment'):
                    # the loop condition (while/until) or the word list (for)
                    self.walk(child, context | {LOOP, CONDITION}, background, conditions)
            return
        if kind == 'function_definition':
            body = node.child_by_field_name('body')
            if body is not None:
                self.walk(body, context | {FUNCTION}, False, conditions)
            return
        if kind == 'subshell':
            for inner, bg in _statements(node.children):
                self.walk(inner, context | {SUBSHELL}, bg or background, conditions)
            return
        if kind in ('case_statement',):
            for body in self._bodies(node):
                for inner in body:
                    self.walk(inner, context | {BRANCH}, background, conditions)
            return
        if kind == 'compound_statement':
            for inner, bg in _statements(node.children):
                self.walk(inner, context, bg or background, conditions)
            return
        # redirected statements, assignments with $(...), test commands, ...
        for child in node.children:
            if child.is_named:
                self.walk(child, context, background, conditions, pipeline)

    def walk_substitutions(self, node: Node, context: frozenset[str],
                           conditions: tuple[str, ...]) -> None:
        if node.type in ('command_substitution', 'process_substitution'):
            self.walk(node, context, False, conditions)
            return
        for child in node.children:
            self.walk_substitutions(child, context, conditions)

    def if_statement(self, node: Node, context: frozenset[str], background: bool,
                     conditions: tuple[str, ...]) -> None:
        condition_nodes: list[Node] = []
        in_condition = True
        for child in node.children:
            if child.type in ('if', 'elif'):
                in_condition = True
                continue
            if child.type == 'then':
                in_condition = False
                continue
            if child.type in ('elif_clause', 'else_clause', 'fi', 'else'):
                in_condition = False
            if in_condition and child.is_named and child.type != 'comment':
                condition_nodes.append(child)
        condition_text = ' '.join(self.raw(n) for n in condition_nodes)
        for child in condition_nodes:
            self.walk(child, context | {CONDITION}, background, conditions)
        inner_conditions = (*conditions, condition_text)
        for body in self._bodies(node):
            for inner in body:
                self.walk(inner, context | {BRANCH}, background, inner_conditions)

    def command(self, node: Node, context: frozenset[str], background: bool,
                conditions: tuple[str, ...], pipeline: tuple[int, int] | None) -> None:
        name = node.child_by_field_name('name')
        if name is None:
            return  # only assignments or redirections
        parts = [name, *(a for a in node.children_by_field_name('argument')
                         if a.type != 'comment')]
        words = tuple(self.raw(p) for p in parts)
        values = tuple(literal_word(p, w) for p, w in zip(parts, words))
        self.found.append(SimpleCommand(
            words=words, values=values,
            start=self.char(node.start_byte), end=self.char(node.end_byte),
            line=node.start_point[0] + 1, background=background, context=context,
            final=node.id in self.final_nodes, conditions=conditions, pipeline=pipeline,
        ))


def _statements(children: list[Node]) -> list[tuple[Node, bool]]:
    """The statements among ``children``, each with whether ``&`` follows it."""
    out: list[tuple[Node, bool]] = []
    for child in children:
        if child.type == '&' and out:
            out[-1] = (out[-1][0], True)
        elif child.is_named and child.type not in ('comment', 'heredoc_body'):
            out.append((child, False))
    return out


def simple_commands(text: str) -> list[SimpleCommand] | None:
    """Every simple command of ``text`` in source order; None if it does not parse."""
    return _Walker(text).run()


def program_words(command: SimpleCommand) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """The command's words without a leading ``exec`` (the program and its arguments)."""
    words, values = command.words, command.values
    if values and values[0] == 'exec' and len(words) > 1:
        return words[1:], values[1:]
    return words, values
