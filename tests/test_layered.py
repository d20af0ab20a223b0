"""``modcon.layered.Layered``: every version of a map built one layer at a time
(the files copied so far, the variables set so far), in memory linear in the layers."""
from __future__ import annotations

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon.layered import Layered

_layer = st.dictionaries(st.sampled_from(['/app', '/app/r.txt', '/src', '/x', '/y']),
                         st.sampled_from(['.', 'r.txt', 'src', 'x']), max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), _layer), max_size=14),
       st.lists(st.integers(0, 14), max_size=10))
def test_each_version_is_its_layers_assigned_into_one_dict_in_order(
        grown: list[tuple[int, dict[str, str]]], asked: list[int]) -> None:
    """As if each layer assigned its keys into a dict, in order: whichever versions
    are asked for, in whatever order, also versions on other branches (each new
    version grows from any earlier one)."""
    versions: list[tuple[Layered, dict[str, str]]] = [(Layered(), {})]
    for below, added in grown:
        version, expected = versions[below % len(versions)]
        versions.append((version.with_layer(added), {**expected, **added}))
    for index in [*asked, len(versions) - 1, 0]:
        version, expected = versions[min(index, len(versions) - 1)]
        assert list(version.items()) == list(expected.items())
        assert all(version.get(key) == value for key, value in expected.items())
        assert '/nowhere' not in version and len(version) == len(expected)


def test_an_empty_layer_is_the_same_version() -> None:
    first = Layered().with_layer({'A': '1'})
    assert first.with_layer({}) is first
