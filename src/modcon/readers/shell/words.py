"""The value of a shell word after POSIX quote removal, when the shell computes none.

A word has a value here only when dash, BusyBox ash and bash all give it the
same value without looking at anything at run time. It has none (None) when
it holds an expansion (``$VAR``, ``$(...)``, backquotes), a glob (``*``,
``?``, ``[``), braces (bash expands ``{a,b}``; dash does not), or a tilde the
shell may expand: at the start of the word, or after the ``=`` or a ``:`` of
an assignment-shaped argument (bash expands ``PATH=~/bin`` as an argument,
dash does not). Quotes are removed as POSIX says: a backslash outside
quotes keeps the next character; inside double quotes it escapes only
``$ ` " \\`` and a newline (a line continuation, which disappears), and
stays as written before anything else.

These rules were checked against a real ``/bin/sh`` (dash) and bash.
"""
from __future__ import annotations

import re

from modcon.lazyregex import lazy_compile

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tree_sitter import Node

    from modcon.readers.treesitter_text import TreeSitterText

_UNQUOTED_SPECIAL = frozenset('*?[{}$`\'"')
_DOUBLE_QUOTED_SPECIAL = frozenset('$`')
_DOUBLE_QUOTED_ESCAPES = frozenset('$`"\\')
# `NAME=...~` where the tilde follows the `=` or a `:` (bash expands it).
_ASSIGNMENT_TILDE = lazy_compile(r'[A-Za-z_][A-Za-z0-9_]*=(?:.*[=:])?~', re.DOTALL)


def unquoted(raw: str, word_start: bool = True) -> str | None:
    """The value of unquoted word text, or None if the shell expands it.

    ``word_start``: ``raw`` begins the word (where a ``~`` expands).
    """
    if word_start and raw.startswith('~'):
        return None
    if '\\' not in raw:  # most words: nothing to remove, so the text is the value
        return raw if _UNQUOTED_SPECIAL.isdisjoint(raw) else None
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
        if ch in _UNQUOTED_SPECIAL:
            return None
        out.append(ch)
        i += 1
    return ''.join(out)


def double_quoted(inner: str) -> str | None:
    """The value of the text between double quotes, or None if the shell expands it."""
    out: list[str] = []
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == '\\' and i + 1 < len(inner):
            nxt = inner[i + 1]
            if nxt in _DOUBLE_QUOTED_ESCAPES:
                out.append(nxt)
                i += 2
                continue
            if nxt == '\n':
                i += 2
                continue
        if ch in _DOUBLE_QUOTED_SPECIAL:
            return None
        out.append(ch)
        i += 1
    return ''.join(out)


def literal_value(node: Node, text: TreeSitterText) -> str | None:
    """The value of a word node of tree-sitter-bash, or None if the shell computes it."""
    if node.type == 'command_name':
        children = node.children
        return literal_value(children[0], text) if len(children) == 1 else None
    if node.type == 'concatenation':
        values = []
        for index, part in enumerate(node.children):
            value = _part_value(part, text, word_start=index == 0)
            if value is None:
                return None
            values.append(value)
        word: str | None = ''.join(values)
    else:  # most words are one part
        word = _part_value(node, text, word_start=True)
    if word is None:
        return None
    # Quote removal keeps every `~`: the value has one exactly when the text has.
    if '~' in word and _ASSIGNMENT_TILDE.match(text.raw(node)):
        return None
    return word


def _part_value(node: Node, text: TreeSitterText, word_start: bool) -> str | None:
    kind = node.type
    if kind in ('word', 'number'):
        return unquoted(text.raw(node), word_start)
    if kind == 'raw_string':
        return text.raw(node)[1:-1]
    if kind == 'string':
        if any(c.type not in ('"', 'string_content') for c in node.children):
            return None
        return double_quoted(text.raw(node)[1:-1])
    return None
