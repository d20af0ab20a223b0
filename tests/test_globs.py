"""COPY globs read as ``fnmatch`` reads them, in time linear in their length."""
from __future__ import annotations

import fnmatch
import itertools
import re

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon.readers import globs
from tests.linecount import lines_executed

# Every name of up to three characters of the ones that make brackets hard.
NAMES = [''.join(t) for k in range(4) for t in itertools.product('[]!a-', repeat=k)]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='[]!*?a-^', max_size=9))
def test_a_pattern_matches_the_names_fnmatch_matches(pattern: str) -> None:
    expected = re.compile(fnmatch.translate(pattern)).match
    matches = globs.matcher(pattern)
    assert [n for n in NAMES if matches(n)] == [n for n in NAMES if expected(n)]


def test_a_name_with_brackets_nothing_closes_is_matched_literally() -> None:
    assert globs.matcher('app[1.py')('app[1.py')
    assert globs.matcher('[]a[')('[]a[')  # `[]` is not a class: a `[`, then a `]`
    assert globs.matcher('[!]a]')('a') is None  # `]` first in a class is a member
    assert globs.matcher('[!]a]')(']') is None
    assert globs.matcher('[!]a]')('b')


def test_reading_a_pattern_grows_linearly_with_its_length() -> None:
    """A `[` that nothing closes made fnmatch look to the end of the pattern: a COPY
    source of 8,000 `[` took a second, 30,000 took 44 s."""
    def work(n: int) -> int:
        return lines_executed(lambda: globs.translate('[' * n + 'a'), where=None)[1]

    small, large = work(500), work(2000)
    assert large < 6 * small, (small, large)
