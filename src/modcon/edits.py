"""Apply fixes to a text: edits never overlap, bytes outside them never move."""
from __future__ import annotations

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
    taken: list[Edit] = []
    for fix in sorted(fixes, key=lambda f: (f.edits[0].start, f.edits[0].end) if f.edits
                      else (-1, -1)):
        if not fix.applies(threshold):
            continue
        if any(_conflict(e, t) for e in fix.edits for t in taken):
            continue
        accepted.append(fix)
        taken.extend(fix.edits)

    pieces: list[str] = []
    cursor = 0
    for edit in sorted(taken):
        pieces.append(text[cursor:edit.start])
        pieces.append(edit.content)
        cursor = edit.end
    pieces.append(text[cursor:])
    return ''.join(pieces), accepted
