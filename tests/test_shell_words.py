"""The word decoder against real shells: a value only where dash and bash agree.

Each case is one shell word. ``literal_value`` must give what ``/bin/sh``
(dash) and bash both print for it, or None; where the two shells differ
(``{a,b}``, ``P=~/x``), None is the only right answer.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from modcon.readers.shell.simple_commands import read_commands

_SHELLS = [shell for shell in ('/bin/sh', shutil.which('bash')) if shell]


def _printed(shell: str, word: str) -> tuple[str, ...]:
    """The arguments ``word`` becomes in ``shell``."""
    done = subprocess.run([shell, '-c', f"printf '%s\\0' {word}"], capture_output=True,
                          check=True, env={'PATH': '/usr/bin:/bin', 'HOME': '/nonexistent'})
    return tuple(done.stdout.decode().split('\0')[:-1])


@pytest.mark.parametrize(
    ('word', 'expected'),
    (
        pytest.param('a]b', 'a]b', id='lone closing bracket is no glob'),
        pytest.param('a~b', 'a~b', id='tilde inside a word'),
        pytest.param('"x"~', 'x~', id='tilde after a quoted part'),
        pytest.param('--o=~/x', '--o=~/x', id='tilde after = of a non-name'),
        pytest.param('"a\\\nb"', 'ab', id='continuation inside double quotes'),
        pytest.param('"a\\b"', 'a\\b', id='backslash kept before other characters'),
        pytest.param('"\\$x\\`\\"\\\\"', '$x`"\\', id='the four double-quote escapes'),
        pytest.param('a\\ b', 'a b', id='escaped blank'),
        pytest.param("'it'\\''s'", "it's", id='quote juggling'),
        pytest.param('~', None, id='tilde at the start'),
        pytest.param('P=~/x', None, id='bash expands a tilde after NAME='),
        pytest.param('P=a:~/b', None, id='bash expands a tilde after : in NAME=...'),
        pytest.param('{a,b}', None, id='bash expands braces'),
        pytest.param('a*', None, id='glob'),
        pytest.param('a[b', None, id='opening bracket'),
        pytest.param('"$x"', None, id='expansion'),
    ),
)
def test_word_values_match_the_shells(word: str, expected: str | None) -> None:
    (command,) = read_commands(f'printf %s {word}').commands
    assert command.values[2:] == (expected,)
    printed = {shell: _printed(shell, word) for shell in _SHELLS}
    if expected is not None:
        assert set(printed.values()) == {(expected,)}, printed
    elif word.startswith(('P=', '{')) and len(_SHELLS) > 1:
        assert len(set(printed.values())) > 1, printed  # dash and bash disagree
