"""Pipelines as the shell reads them, where tree-sitter-bash 0.25 reads another way.

It reads ``a | b | c && d`` as ``a | (b | c && d)``: ``d`` a member of the
pipeline and ``b | c`` a pipeline of its own. The commands must have the shell's
places: ``a``, ``b``, ``c`` the three members of one pipeline, ``d`` in none.
"""
from __future__ import annotations

import pytest

from modcon.readers.shell.simple_commands import PIPED
from modcon.readers.shell.simple_commands import program_commands


@pytest.mark.parametrize('text', ['b | awk 1 | sort && c', 'x && b | awk 1 | sort || c',
                                  'echo "$(b | awk 1 | sort && c)"'])
def test_a_pipeline_of_three_before_an_and_or_list(text: str) -> None:
    commands = {c.name: c for c in program_commands(text) or ()}
    pipeline = text[text.index('b'):text.index('sort') + len('sort')]
    for index, name in enumerate(('b', 'awk', 'sort')):
        command = commands[name]
        assert (command.pipe_index, command.pipe_length) == (index, 3), name
        assert command.pipeline is not None
        assert text[command.pipeline[0]:command.pipeline[1]] == pipeline, name
        assert (PIPED in command.context) == (name != 'sort'), name
    assert (commands['c'].pipe_index, commands['c'].pipeline) == (-1, None)
