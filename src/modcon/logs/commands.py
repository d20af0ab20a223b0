"""The simple commands of a shell script, word by word, with their places.

The log rules need to know which programs a ``RUN`` line or an entrypoint
script runs with which literal arguments: ``apt-get install -y nginx``,
``ln -sf /dev/stdout /var/log/nginx/access.log``, ``mkdir -p /var/log/app``,
``gunicorn --access-logfile /var/log/access.log app:app``, and the
redirections of a cron job (``>> /var/log/cron.log``). The structure comes
from tree-sitter's bash grammar (see ``modcon.shell.grammar``), never from
splitting on blanks: quotes, ``&&`` lists, pipelines and comments are read as
a shell reads them. A word whose value depends on the shell at run time
(``$VAR``, globs, command substitution) has the value None.

Offsets are character offsets into the script text, so a fix can edit one
word in place.
"""
from __future__ import annotations

from typing import NamedTuple

_SPECIAL = frozenset('$`*?[]{}~')


class Word(NamedTuple):
    value: str | None  # the literal value, None when the shell computes it
    start: int
    end: int
    raw: str = ''  # the word as written


class Redirect(NamedTuple):
    operator: str  # '>', '>>', '2>>', '&>', ...
    target: str | None  # the literal file name


class SimpleCommand(NamedTuple):
    """One simple command: the program and its arguments, assignments left out."""

    words: tuple[Word, ...]
    redirects: tuple[Redirect, ...]
    start: int
    end: int

    @property
    def name(self) -> str | None:
        """The program's base name (``/usr/bin/apt-get`` -> ``apt-get``), if literal."""
        if not self.words or self.words[0].value is None:
            return None
        return self.words[0].value.rsplit('/', 1)[-1]

    @property
    def args(self) -> list[str | None]:
        return [w.value for w in self.words[1:]]


def simple_commands(script: str) -> list[SimpleCommand]:
    """Every simple command in ``script``, in order (those inside
    ``if``/``for``/subshells too). Returns [] when nothing can be read."""
    from modcon.shell.grammar import bash_parser  # tree-sitter loads on first use

    data = script.encode()
    chars = None if script.isascii() else _char_index(script)

    def char(byte: int) -> int:
        return byte if chars is None else chars[byte]

    def raw(node: object) -> str:
        return data[node.start_byte:node.end_byte].decode()  # type: ignore[attr-defined]

    tree = bash_parser().parse(data)
    found: list[SimpleCommand] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == 'command':
            words = []
            for child in node.children:
                if child.type == 'variable_assignment' or child.type.endswith('redirect'):
                    continue
                node_for_value = child.children[0] if child.type == 'command_name' and \
                    len(child.children) == 1 else child
                words.append(Word(_literal(node_for_value, raw), char(child.start_byte),
                                  char(child.end_byte), raw(child)))
            redirects = _redirects(node, raw)
            found.append(SimpleCommand(tuple(words), redirects, char(node.start_byte),
                                       char(node.end_byte)))
        stack.extend(reversed(node.children))
    found.sort(key=lambda c: c.start)
    return found


def _redirects(command: object, raw: object) -> tuple[Redirect, ...]:
    """The file redirections that apply to ``command``: its own, and those of a
    ``redirected_statement`` whose body it is (``a && b >> log`` hangs them on
    the list; they belong to ``b``, the last command)."""
    nodes = [c for c in command.children if c.type == 'file_redirect']  # type: ignore[attr-defined]
    parent = command.parent  # type: ignore[attr-defined]
    while parent is not None and parent.type == 'list':
        if parent.children[-1].end_byte != command.end_byte:  # type: ignore[attr-defined]
            break
        parent = parent.parent
    if parent is not None and parent.type == 'redirected_statement':
        nodes.extend(c for c in parent.children if c.type == 'file_redirect')
    out = []
    for node in nodes:
        operator = _operator(node, raw)
        destination = node.child_by_field_name('destination')
        target = _literal(destination, raw) if destination is not None else None
        out.append(Redirect(operator, target))
    return tuple(out)


def _operator(node: object, raw: object) -> str:
    """The redirection operator with its descriptor: ``2>>``, ``>``, ``&>``."""
    text = raw(node)  # type: ignore[operator]
    destination = node.child_by_field_name('destination')  # type: ignore[attr-defined]
    if destination is not None:
        text = text[:destination.start_byte - node.start_byte]  # type: ignore[attr-defined]
    return text.strip()


def _literal(node: object, raw: object) -> str | None:
    kind = node.type  # type: ignore[attr-defined]
    text = raw(node)  # type: ignore[operator]
    if kind in ('word', 'number'):
        return _unquoted(text)
    if kind == 'raw_string':
        return text[1:-1]
    if kind == 'string':
        parts = node.children  # type: ignore[attr-defined]
        if any(c.type not in ('"', 'string_content') for c in parts):
            return None
        return _double_quoted(text[1:-1])
    if kind == 'concatenation':
        parts = [_literal(c, raw) for c in node.children]  # type: ignore[attr-defined]
        return None if any(p is None for p in parts) else ''.join(parts)  # type: ignore[arg-type]
    return None


def _unquoted(text: str) -> str | None:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '\\':
            if i + 1 == len(text):
                return None
            out.append(text[i + 1])
            i += 2
            continue
        if ch in _SPECIAL or ch in '\'"':
            return None
        out.append(ch)
        i += 1
    return ''.join(out)


def _double_quoted(inner: str) -> str | None:
    out: list[str] = []
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == '\\' and i + 1 < len(inner) and inner[i + 1] in '$`"\\':
            out.append(inner[i + 1])
            i += 2
            continue
        if ch in '$`':
            return None
        out.append(ch)
        i += 1
    return ''.join(out)


def _char_index(text: str) -> list[int]:
    index: list[int] = []
    for position, ch in enumerate(text):
        index.extend([position] * len(ch.encode()))
    index.append(len(text))
    return index


def options(args: list[str | None]) -> tuple[set[str], list[str | None]]:
    """Split arguments into short option letters / long options and operands.

    ``-sfT`` gives ``{'s', 'f', 'T'}``; ``--symbolic`` gives ``{'--symbolic'}``.
    Everything after ``--`` is an operand.
    """
    flags: set[str] = set()
    operands: list[str | None] = []
    ended = False
    for arg in args:
        if not ended and arg == '--':
            ended = True
        elif not ended and arg is not None and arg.startswith('--'):
            flags.add(arg.split('=', 1)[0])
        elif not ended and arg is not None and arg.startswith('-') and len(arg) > 1:
            flags.update(arg[1:])
        else:
            operands.append(arg)
    return flags, operands
