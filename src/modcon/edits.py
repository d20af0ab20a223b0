"""Apply fixes to a text: edits never overlap, bytes outside them never move."""
from __future__ import annotations

import bisect
from collections.abc import Iterable

from modcon.model import Applicability
from modcon.model import Edit
from modcon.model import Fix


def _conflict(a: Edit, b: Edit) -> bool:
    # Touching ranges are fine; two insertions at one point have no defined order.
    return (a.start < b.end and b.start < a.end) or a.start == b.start


def apply_fixes(
        text: str,
        fixes: Iterable[Fix],
        threshold: Applicability,
) -> tuple[str, list[Fix]]:
    """Apply each eligible fix whose edits do not collide with an earlier one.

    A skipped fix is not lost: the engine checks the new text again and gets a
    fresh, non-conflicting fix on the next pass.
    """
    accepted: list[Fix] = []
    taken = _Taken()
    for fix in sorted(fixes, key=lambda f: (f.edits[0].start, f.edits[0].end) if f.edits
                      else (-1, -1)):
        if not fix.applies(threshold):
            continue
        if any(taken.conflicts(e) for e in fix.edits):
            continue
        accepted.append(fix)
        for edit in fix.edits:
            taken.add(edit)

    pieces: list[str] = []
    cursor = 0
    for edit in taken.edits:
        pieces.append(text[cursor:edit.start])
        pieces.append(edit.content)
        cursor = edit.end
    pieces.append(text[cursor:])
    return ''.join(pieces), accepted


class _Taken:
    """The edits accepted so far, sorted. Accepted edits never overlap, so each ends
    where the next begins or before: a new edit can only collide with the two it
    falls between, and a file with thousands of fixes is not checked pair by pair."""

    def __init__(self) -> None:
        self.edits: list[Edit] = []
        self._chained = True  # each edit ends where the next begins or before

    def conflicts(self, edit: Edit) -> bool:
        if not self._chained:  # edits of a fix made without Fix.make: every pair
            return any(_conflict(edit, t) for t in self.edits)
        at = bisect.bisect_left(self.edits, (edit.start,))
        return any(_conflict(edit, t) for t in self.edits[max(at - 1, 0):at + 1])

    def add(self, edit: Edit) -> None:
        at = bisect.bisect_right(self.edits, edit)
        self.edits.insert(at, edit)
        before = self.edits[at - 1] if at else None
        after = self.edits[at + 1] if at + 1 < len(self.edits) else None
        if (before is not None and before.end > edit.start) or \
                (after is not None and edit.end > after.start):
            self._chained = False
