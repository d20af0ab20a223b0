"""``knowledge.packages.Copied``: the files copied so far, shared between COPY lines."""
from __future__ import annotations

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon.knowledge.packages import Copied

_copy = st.dictionaries(st.sampled_from(['/app', '/app/r.txt', '/src', '/x', '/y']),
                        st.sampled_from(['.', 'r.txt', 'src', 'x']), max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(_copy, max_size=12), st.lists(st.integers(0, 12), max_size=6))
def test_each_state_is_every_copy_so_far_in_the_order_first_copied(
        copies: list[dict[str, str]], asked: list[int]) -> None:
    """As if each COPY assigned its paths into one dict, in order, whichever states
    are asked for and in whatever order."""
    states = [Copied()]
    for added in copies:
        states.append(Copied(states[-1], added))
    for index in [*asked, len(copies)]:
        index = min(index, len(copies))
        expected: dict[str, str] = {}
        for added in copies[:index]:
            for path, source in added.items():
                expected[path] = source
        assert list(states[index].whole().items()) == list(expected.items())
