"""A text as tree-sitter reads it (UTF-8 bytes) and as modcon edits it (characters).

tree-sitter reports byte offsets; findings and edits use character offsets
into the text. ``TreeSitterText`` holds both forms and converts; ``preorder``
lists a tree's nodes in source order. Nothing here imports a grammar (or
tree-sitter itself), so the shell and JavaScript readers share it without
loading each other's parser.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tree_sitter import Node


class TreeSitterText:
    """``text``, its UTF-8 bytes ``data``, and the byte -> character mapping."""

    __slots__ = ('text', 'data', '_ascii', '_chars')

    def __init__(self, text: str) -> None:
        self.text = text
        # surrogatepass: a lone surrogate still gets the 3 bytes tree-sitter counts
        self.data = text.encode('utf-8', 'surrogatepass')
        self._ascii = len(self.data) == len(text)  # bytes are characters
        self._chars: list[int] | None = None  # built on first use, for non-ASCII text

    def char(self, byte: int) -> int:
        """The character offset of the character that byte ``byte`` belongs to."""
        if self._ascii:
            return byte
        if self._chars is None:
            self._chars = _char_index(self.text)
        return self._chars[byte]

    def raw(self, node: Node) -> str:
        """The text of ``node`` as written."""
        if self._ascii:
            return self.text[node.start_byte:node.end_byte]
        return self.data[node.start_byte:node.end_byte].decode('utf-8', 'surrogatepass')

    def span(self, node: Node) -> tuple[int, int]:
        """The character offsets where ``node`` starts and ends."""
        if self._ascii:
            return node.start_byte, node.end_byte
        return self.char(node.start_byte), self.char(node.end_byte)


def preorder(node: Node) -> list[Node]:
    """``node`` and every node under it, in source order."""
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(current.children))
    return out


def _char_index(text: str) -> list[int]:
    """For every byte of ``text``'s UTF-8 form, the offset of its character."""
    index: list[int] = []
    for position, ch in enumerate(text):
        width = 1 if ch < '\x80' else 2 if ch < '\u0800' else 3 if ch < '\U00010000' else 4
        index.extend([position] * width)
    index.append(len(text))
    return index
