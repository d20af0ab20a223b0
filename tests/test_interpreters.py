"""Python's and pip's program names, read with string tests, as the pattern reads them."""
from __future__ import annotations

import re

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon.knowledge.interpreters import is_pip
from modcon.knowledge.interpreters import is_python

PIECES = ['python', 'pip', '3', '12', '.', '\n', 'x', '-', '٣', '²', ' ']


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=5).map(''.join))
def test_the_names_are_the_patterns(name: str) -> None:
    assert is_python(name) == bool(re.match(r'^python(\d+(\.\d+)?)?$', name))
    assert is_pip(name) == bool(re.match(r'^pip(\d+(\.\d+)?)?$', name))


def test_names() -> None:
    assert all(map(is_python, ('python', 'python3', 'python3.12')))
    assert not any(map(is_python, ('python3.', 'python-config', 'ipython', 'python3.12.1')))
    assert is_pip('pip3') and not is_pip('pipx')
