"""``apply_fixes``: which fixes are taken when their edits collide, and at what cost."""
from __future__ import annotations

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon.edits import apply_fixes
from modcon.model import Applicability
from modcon.model import Edit
from modcon.model import Fix
from tests.linecount import lines_executed

TEXT = 'abcdefghijklmnopqrstuvwxyz' * 2


def _collide(a: Edit, b: Edit) -> bool:
    return (a.start < b.end and b.start < a.end) or a.start == b.start


def _every_pair(fixes: list[Fix]) -> tuple[str, list[Fix]]:
    """The rule, checked the slow way: in order of their first edit, a fix is taken
    unless one of its edits collides with an edit of a fix taken before it."""
    taken: list[Fix] = []
    for fix in sorted(fixes, key=lambda f: (f.edits[0].start, f.edits[0].end)):
        if not any(_collide(e, t) for e in fix.edits for other in taken for t in other.edits):
            taken.append(fix)
    edits = sorted(e for fix in taken for e in fix.edits)
    out, cursor = [], 0
    for edit in edits:
        out.append(TEXT[cursor:edit.start] + edit.content)
        cursor = edit.end
    return ''.join(out) + TEXT[cursor:], taken


_edit = st.tuples(st.integers(0, len(TEXT)), st.integers(0, 4), st.sampled_from(['', 'X', 'YY'])
                  ).map(lambda t: Edit(t[0], min(t[0] + t[1], len(TEXT)), t[2]))


def _fix(edits: list[Edit]) -> Fix | None:
    try:
        return Fix.make('fix', edits, Applicability.SAFE)
    except ValueError:  # edits of one fix that overlap: not a fix
        return None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_edit, min_size=1, max_size=3), max_size=12))
def test_a_fix_is_taken_unless_it_collides_with_one_taken_before(groups: list[list[Edit]]) -> None:
    fixes = [f for f in map(_fix, groups) if f is not None]
    assert apply_fixes(TEXT, fixes, Applicability.SAFE) == _every_pair(fixes)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_edit, min_size=1, max_size=3), max_size=8))
def test_fixes_not_made_by_fix_make_are_still_checked_pair_by_pair(
        groups: list[list[Edit]]) -> None:
    """Edits of one fix that overlap each other (no rule makes those) must not let a
    later fix through that collides with them."""
    fixes = [Fix('fix', tuple(sorted(edits)), Applicability.SAFE) for edits in groups]
    assert apply_fixes(TEXT, fixes, Applicability.SAFE) == _every_pair(fixes)


def test_taking_fixes_grows_linearly_with_their_number() -> None:
    """Each fix was checked against every edit taken before it: a file with thousands
    of findings took seconds to fix."""
    def work(n: int) -> int:
        text = 'CMD app\n' * n
        fixes = [Fix.safe('exec form', Edit(8 * i + 4, 8 * i + 7, '["app"]')) for i in range(n)]
        (fixed, taken), count = lines_executed(
            lambda: apply_fixes(text, fixes, Applicability.SAFE))
        assert len(taken) == n and fixed.count('["app"]') == n
        return count

    small, large = work(100), work(400)
    assert large < 6 * small, (small, large)
