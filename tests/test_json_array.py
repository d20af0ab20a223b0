"""Exec-form JSON read without the ``json`` module reads exactly as with it.

``parse_json_array`` takes arrays of plain strings (no escapes) without
loading ``json``, which a cold check would otherwise pay for; every other text
goes to ``json``. Generated texts of JSON's pieces must read the same both ways.
"""
from __future__ import annotations

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon.readers.dockerfile import syntax

PIECES = ['[', ']', '"', '"', '","', ',', ' ', '\t', '\n', '\r', '\v', '\u3000', 'a', 'é',
          '\\', '\\"', '\\n', '\\u0041', '\x01', '\x7f', '\udc80', '1', 'null', '{}', '#', 'x']


def _by_json(text: str) -> tuple[tuple[str, ...] | None, str | None]:
    real = syntax._plain_strings
    syntax._plain_strings = lambda text: None  # every text to json, as before the shortcut
    try:
        return syntax.parse_json_array(text)
    finally:
        syntax._plain_strings = real


arrays = st.builds(lambda head, body, tail: head + ''.join(body) + tail,
                   st.sampled_from(['[', '["', '[ "', ' [']),
                   st.lists(st.sampled_from(PIECES), max_size=12),
                   st.sampled_from(['', '"]', '" ]', '"]\n', '"] x', '"],', ']']))


@settings(max_examples=3000, deadline=None)
@given(arrays)
def test_the_shortcut_reads_as_json_does(text: str) -> None:
    assert syntax.parse_json_array(text) == _by_json(text)


def test_the_shortcut_takes_the_common_exec_forms() -> None:
    for text in ('["node", "server.js"]', '[ "a" ,"b" ]\r\n', '[]', '["a b", "$PORT", "é"]'):
        assert syntax._plain_strings(text) is not None, text
    for text in ('["a\\"b"]', '["a",]', '["a"] x', '[1]', '["a" "b"]', '["a\tb"]'):
        assert syntax._plain_strings(text) is None, text
