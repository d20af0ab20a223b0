"""Finding messages carry their code spans as data (``model.Message``)."""
from __future__ import annotations

import pickle

import pytest

from modcon.github import markdown as md
from modcon.model import Message
from modcon.model import code_spans


@pytest.mark.parametrize(('text', 'spans'), (
    pytest.param('no code', (('no code', False),), id='plain'),
    pytest.param('use `exec app` here', (('use ', False), ('exec app', True), (' here', False)),
                 id='one span'),
    pytest.param('a ``x`y`` b', (('a ', False), ('x`y', True), (' b', False)), id='longer fence'),
    pytest.param('a ` b', (('a ` b', False),), id='unclosed backtick is text'),
    pytest.param('` x `', (('x', True),), id='one space each side stripped'),
))
def test_code_spans_read_modcons_markup_as_commonmark_does(text: str, spans: tuple) -> None:
    assert code_spans(text) == spans


def test_format_keeps_the_text_and_puts_data_in_its_span() -> None:
    command = 'echo `date` && @team'
    message = Message.format('`{}` runs `{}` under a shell', 'CMD', command)
    assert message == f'`CMD` runs `{command}` under a shell'  # what every reporter prints
    assert message.spans == (('CMD', True), (' runs ', False), (command, True),
                             (' under a shell', False))
    # A message inside a message keeps its own code spans.
    inner = Message.format('unquoted `{}`', '$PORT')
    outer = Message.format('not JSON ({}), so', inner)
    assert outer == 'not JSON (unquoted `$PORT`), so'
    assert outer.spans == (('not JSON (unquoted ', False), ('$PORT', True), ('), so', False))
    # Findings cross process boundaries (parallel checks) with their spans.
    assert pickle.loads(pickle.dumps(message)).spans == message.spans


def test_markdown_renders_spans_as_code_and_the_rest_escaped() -> None:
    message = Message.format('`{}` ran {}', 'a`b', '@x **y** <i>')
    assert md.message(message) == '``a`b`` ran @\u200bx \\*\\*y\\*\\* &lt;i&gt;'
    assert md.message('plain `code` | pipe') == 'plain `code` \\| pipe'
