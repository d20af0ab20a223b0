"""Read an almost-JSON exec-form array the way its author meant it.

``CMD ['node', 'server.js']``, ``["gunicorn", "app:app",]``,
``["daphne", "-p", $PORT]``: BuildKit's strict parser rejects these and runs
the line as shell form. ``read`` recovers the intended elements with their
positions, so a fix can re-quote each one in place. ``intends_json`` tells
such lines apart from real shell commands that start with ``[``
(``[ -f /ready ] && app``): the author meant JSON when the elements are
separated by commas, or the first one is quoted.
"""
from __future__ import annotations

from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple

_ELEMENT = lazy_compile(r'''"((?:[^"\\]|\\.)*)"|'([^'\\]*)'|([^\s,\[\]"']+)''')
_QUOTED_START = lazy_compile(r'\[\s*["\']')


class Element(NamedTuple):
    kind: str  # 'json' (double-quoted), 'single' (single-quoted) or 'bare'
    value: str
    start: int
    end: int


class Reading(NamedTuple):
    elements: list[Element]
    commas: list[tuple[int, int]]  # where each comma is
    trailing_comma: tuple[int, int] | None
    close: int  # offset of the closing bracket
    comment: tuple[int, int] | None  # `# ...` after the bracket, blanks before it included
    trailing: str  # any other text after the bracket


def read(text: str) -> Reading | None:
    """Elements of a JSON-like array, or None when ``text`` is not one."""
    if not text.startswith('['):
        return None
    pos = 1
    n = len(text)
    elements: list[Element] = []
    commas: list[tuple[int, int]] = []
    trailing_comma = None

    def skip() -> None:
        nonlocal pos
        while pos < n and text[pos].isspace():
            pos += 1

    skip()
    while pos < n and text[pos] != ']':
        match = _ELEMENT.match(text, pos)
        if match is None:
            return None
        if match[1] is not None:
            import json  # only exec forms that fail strict parsing get here

            try:
                value = json.loads(f'"{match[1]}"')
            except ValueError:
                return None
            elements.append(Element('json', value, match.start(), match.end()))
        elif match[2] is not None:
            elements.append(Element('single', match[2], match.start(), match.end()))
        else:
            elements.append(Element('bare', match[3], match.start(), match.end()))
        pos = match.end()
        skip()
        if pos < n and text[pos] == ',':
            commas.append((pos, pos + 1))
            pos += 1
            skip()
            if pos < n and text[pos] == ']':
                trailing_comma = commas.pop()
        elif pos < n and text[pos] != ']':
            return None  # two elements without a comma: not an array
    if pos >= n:
        return None
    rest = text[pos + 1:]
    if rest.strip().startswith('#'):
        return Reading(elements, commas, trailing_comma, pos, (pos + 1, n), '')
    return Reading(elements, commas, trailing_comma, pos, None, rest.strip())


def intends_json(text: str) -> bool:
    """Whether ``text`` (which failed strict parsing) was meant as exec form."""
    if _QUOTED_START.match(text):
        return True
    reading = read(text)
    return reading is not None and (bool(reading.commas) or len(reading.elements) <= 1) \
        and not reading.trailing
