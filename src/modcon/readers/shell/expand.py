"""The words of a shell command as the shell builds them from what the image sets.

A container's command (``sh -c "exec python server.py --port $PORT"``) and
its entrypoint script reach their program through the shell, which expands
``$VAR``, ``${VAR:-default}``, ``"${VAR}"`` and ``"$@"`` at run time.
``expand(node, source, env, args)`` computes a tree-sitter-bash word the way
the shell would: parameters from ``env`` (the image's ``ENV``), ``"$@"`` and
``$1`` from ``args`` (a script's arguments), quote removal as in
``modcon.readers.shell.words``, and field splitting of unquoted expansions on blanks.

A word whose value is only known at run time (a variable the image does not
set, ``$(...)``, a glob, ``${X%.py}``) becomes an ``Unknown``: a string that
holds the word as written, so that it can be shown, and that callers must not
take for a program or a file name. A variable the image sets may still be
overridden by ``docker run -e``; the image's value is what the image means.
"""
from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence

from modcon.readers.shell.words import double_quoted
from modcon.readers.shell.words import unquoted

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tree_sitter import Node

    from modcon.readers.treesitter_text import TreeSitterText

_BLANKS = ' \t\n'
_GLOB = frozenset('*?[')
_DEFAULTS = frozenset((':-', '-', ':=', '='))
_ALTERNATES = frozenset((':+', '+'))


class Unknown(str):
    """A word whose value the shell computes at run time (the text as written)."""

    __slots__ = ()


def is_known(word: str) -> bool:
    return not isinstance(word, Unknown)


class _Unknowable(Exception):
    """The word's value cannot be known before the container runs."""


class _Fields:
    """Fields being built from the parts of one word."""

    def __init__(self) -> None:
        self.fields: list[str] = ['']
        self.quoted = False  # a quoted part keeps an empty word as an empty field

    def add(self, text: str) -> None:
        self.fields[-1] += text

    def add_split(self, value: str) -> None:
        """An unquoted expansion: split on blanks (the default IFS)."""
        if any(c in _GLOB for c in value):
            raise _Unknowable  # pathname expansion depends on the image's files
        pieces = value.split()
        if not pieces:
            if value and self.fields[-1]:
                self.fields.append('')
            return
        if value[0] in _BLANKS and self.fields[-1]:
            self.fields.append('')
        self.fields[-1] += pieces[0]
        self.fields.extend(pieces[1:])
        if value[-1] in _BLANKS:
            self.fields.append('')

    def add_fields(self, values: Sequence[str]) -> None:
        """``"$@"``: one field per argument, joined to the text around it."""
        if not values:
            return
        self.fields[-1] += values[0]
        self.fields.extend(values[1:])

    def result(self) -> list[str]:
        fields = self.fields
        if fields and fields[-1] == '' and len(fields) > 1:
            fields = fields[:-1]
        if fields == [''] and not self.quoted:
            return []
        return fields


def expand(node: Node, source: TreeSitterText, env: Mapping[str, str],
           args: Sequence[str] | None = None) -> list[str]:
    """The fields the shell makes of word ``node`` (an ``Unknown`` when it cannot tell).

    ``args``: the positional parameters (None when unknown).
    """
    fields = _Fields()
    try:
        parts = node.children if node.type in ('concatenation', 'command_name') else [node]
        if node.type == 'command_name' and len(parts) == 1 and parts[0].type == 'concatenation':
            parts = parts[0].children
        for index, part in enumerate(parts):
            _part(part, source, env, args, fields, word_start=index == 0)
    except _Unknowable:
        return [Unknown(' '.join(source.raw(node).split()))]
    return fields.result()


def _part(node: Node, source: TreeSitterText, env: Mapping[str, str],
          args: Sequence[str] | None, fields: _Fields, word_start: bool) -> None:
    kind = node.type
    if kind in ('word', 'number'):
        value = unquoted(source.raw(node), word_start)
        if value is None:
            raise _Unknowable
        fields.add(value)
    elif kind == 'raw_string':
        fields.quoted = True
        fields.add(source.raw(node)[1:-1])
    elif kind == 'string':
        _double_quoted(node, source, env, args, fields)
    elif kind in ('simple_expansion', 'expansion'):
        name = _parameter(node, source)
        if name in ('@', '*'):
            if args is None:
                raise _Unknowable
            fields.add_split(' '.join(args))  # unquoted: every argument is split again
            return
        fields.add_split(_value(node, source, env, args))
    else:  # command substitution, arithmetic, process substitution, ...
        raise _Unknowable


def _double_quoted(node: Node, source: TreeSitterText, env: Mapping[str, str],
                   args: Sequence[str] | None, fields: _Fields) -> None:
    inner = [child for child in node.children if child.type != '"']
    if not inner:
        fields.quoted = True  # "": an empty field
    for child in inner:
        kind = child.type
        # "$@" with no arguments makes no field at all; anything else quoted
        # keeps the word, even when it is empty.
        fields.quoted |= _parameter(child, source) != '@' if kind in (
            'simple_expansion', 'expansion') else True
        if kind == 'string_content':
            value = double_quoted(source.raw(child))
            if value is None:
                raise _Unknowable
            fields.add(value)
        elif kind in ('simple_expansion', 'expansion'):
            name = _parameter(child, source)
            if name == '@':  # "$@": each argument stays one field
                if args is None:
                    raise _Unknowable
                fields.add_fields(args)
            elif name == '*':
                if args is None:
                    raise _Unknowable
                fields.add(' '.join(args))
            else:
                fields.add(_value(child, source, env, args))
        else:
            raise _Unknowable


def _parameter(node: Node, source: TreeSitterText) -> str | None:
    for child in node.children:
        if child.type in ('variable_name', 'special_variable_name'):
            return source.raw(child)
    return None


def _value(node: Node, source: TreeSitterText, env: Mapping[str, str],
           args: Sequence[str] | None) -> str:
    """The value of ``$NAME`` or ``${NAME...}`` (defaults and alternates only)."""
    children = node.children
    name = _parameter(node, source)
    if name is None:
        raise _Unknowable
    inner = [c for c in children if c.type not in ('$', '${', '}')]
    known = _lookup(name, env, args)
    if len(inner) == 1:  # $NAME, ${NAME}
        if known is None:
            raise _Unknowable
        return known
    operator = inner[1].type if len(inner) >= 2 else ''
    words = inner[2:]
    if inner[0].type not in ('variable_name', 'special_variable_name') or \
            operator not in _DEFAULTS | _ALTERNATES:
        raise _Unknowable  # ${#X}, ${X%.py}, ${X/a/b}, ${!X}, ...
    if known is None:
        raise _Unknowable  # the container's environment decides
    empty = known == '' and operator.startswith(':')  # `:-` treats empty as unset
    if operator in _DEFAULTS and not empty:
        return known
    if operator in _ALTERNATES and empty:
        return ''
    pieces: list[str] = []
    for word in words:
        expanded = expand(word, source, env, args)
        if not all(is_known(p) for p in expanded):
            raise _Unknowable
        pieces.append(' '.join(expanded))
    return ''.join(pieces)


def _lookup(name: str, env: Mapping[str, str], args: Sequence[str] | None) -> str | None:
    if name.isdigit():
        if args is None or name == '0':
            return None
        index = int(name)
        return args[index - 1] if index <= len(args) else ''
    if name == '#':
        return None if args is None else str(len(args))
    return env.get(name)


def command_words(command: Node, source: TreeSitterText, env: Mapping[str, str],
                  args: Sequence[str] | None = None) -> list[str]:
    """The argv a simple command runs: its name and arguments, expanded
    (prefix assignments and redirections are not words of the program)."""
    words: list[str] = []
    name = command.child_by_field_name('name')
    if name is not None:
        words.extend(expand(name, source, env, args))
    for argument in command.children_by_field_name('argument'):
        if argument.type != 'comment':
            words.extend(expand(argument, source, env, args))
    return words
