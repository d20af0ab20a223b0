"""Turn a file's fix into GitHub suggested changes where the diff allows, a patch elsewhere.

A review comment can only sit on lines of the pull request's diff, and a
multi-line suggestion must stay inside one hunk. Each changed region of a
file becomes one suggestion when it fits; if any region of a file does not,
that whole file goes into a patch instead, so accepting suggestions and
applying the patch can never conflict.
"""
from __future__ import annotations

import re

from modcon.diffs import git_quoted
from modcon.diffs import lines
from modcon.diffs import opcodes
from modcon.diffs import unified_diff
from modcon.named_tuple import NamedTuple
from modcon.source import undecodable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_HUNK = re.compile(r'^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@')


class Hunk(NamedTuple):
    start: int  # first line on the right side (1-based)
    end: int  # last line on the right side
    lines: frozenset[int]  # right-side lines present in the diff (context or added)


def hunks(patch: str) -> list[Hunk]:
    found: list[Hunk] = []
    current: list[int] = []
    start = line = 0
    rows = patch.split('\n')  # lines as git counts them; GitHub's patch has no last newline
    for text in rows[:-1] if rows[-1] == '' else rows:
        match = _HUNK.match(text)
        if match:
            if current:
                found.append(Hunk(start, line - 1, frozenset(current)))
            start = line = int(match[1])
            current = []
            continue
        if text.startswith('-') or text.startswith('\\'):
            continue
        current.append(line)
        line += 1
    if current:
        found.append(Hunk(start, line - 1, frozenset(current)))
    return found


def _fence(text: str) -> str:
    longest = max((len(run) for run in re.findall(r'`{3,}', text)), default=0)
    return '`' * max(3, longest + 1)


class Split(NamedTuple):
    comments: list[dict[str, Any]]  # review comments with suggestions
    patched: bool  # the file's change must go into the patch instead


def suggest(path: str, before: str, after: str, patch: str) -> Split:
    """Suggestions for ``path`` that turn ``before`` into ``after``, or a patch."""
    old = lines(before)
    new = lines(after)
    in_diff = hunks(patch)
    comments: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in opcodes(old, new):
        if op == 'equal':
            continue
        first, last = i1 + 1, i2  # the original lines replaced (1-based)
        replacement = new[j1:j2]
        if op == 'insert':
            # A suggestion replaces at least one line: take the line after the
            # insertion (or, at the end of the file, the one before it).
            if i1 < len(old):
                first = last = i1 + 1
                replacement = replacement + [old[i1]]
            elif i1 > 0:
                first = last = i1
                replacement = [old[i1 - 1]] + replacement
            else:
                return Split([], True)
        hunk = next((h for h in in_diff if h.start <= first and last <= h.end), None)
        if hunk is None or not all(n in hunk.lines for n in range(first, last + 1)):
            return Split([], True)
        text = ''.join(line.rstrip('\r\n') + '\n' for line in replacement)
        if undecodable(text) is not None:
            # Shown text carries such a byte as U+FFFD: committing the suggestion would
            # change it. A patch's context lines make `git apply` check it instead.
            return Split([], True)
        fence = _fence(text)
        comment: dict[str, Any] = {
            'path': path,
            'body': f'{fence}suggestion\n{text}{fence}',
            'line': last,
            'side': 'RIGHT',
        }
        if first != last:
            comment.update({'start_line': first, 'start_side': 'RIGHT'})
        comments.append(comment)
    return Split(comments, False)


def unified_patch(files: dict[str, tuple[str, str]]) -> str:
    """A patch for ``git apply``: path -> (before, after)."""
    return ''.join(f'diff --git {git_quoted(f"a/{path}")} {git_quoted(f"b/{path}")}\n'
                   + ('new file mode 100644\n' if files[path][0] == '' else '')
                   + unified_diff(path, *files[path]) for path in sorted(files))
