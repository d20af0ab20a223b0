"""Unified diffs that ``git apply`` and ``patch`` accept, missing final newlines included.

Lines end at ``\\n`` only, as git, patch and GitHub count them (and as
``SourceFile`` does). ``str.splitlines`` also breaks at ``\\r``, form feeds,
``\\x85`` and U+2028, which would cut one line of the file in two in the diff.

Which lines stay and which change is difflib's answer, where difflib is quick
(files of up to about a thousand lines). On larger ones it would take time
quadratic in the number of changed places (a fix of 8,000 stages spent 35 s in
it), so a large stretch keeps its common first and last lines and is cut at
the lines that occur once in the old text and once in the new, in the same
order (the patience diff's anchors); the pieces are looked at again. A large
stretch without anchors is shown as replaced whole: a correct diff, if not the
shortest.
"""
from __future__ import annotations

import bisect

from modcon.source import encode

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from collections.abc import Iterator
    from collections.abc import Sequence

    Opcode = tuple[str, int, int, int, int]

# The bytes git writes with a backslash and a letter in a quoted name; the other
# controls, DEL and every byte past ASCII as three octal digits (git's quote.c
# with ``core.quotePath`` at its default).
_C_ESCAPES = {0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r',
              0x22: '"', 0x5c: '\\'}

# A stretch of up to this many line pairs goes to difflib as it is: its work on
# it is at worst about that many steps (a few tenths of a second).
_COMPARED_AT_MOST = 1_000_000
_LOOKS_PER_LINE = 20


def lines(text: str) -> list[str]:
    """``text`` cut after each ``\\n``; the last line may have none."""
    cut = text.split('\n')
    out = [line + '\n' for line in cut[:-1]]
    if cut[-1]:
        out.append(cut[-1])
    return out


def unified_diff(path: str, before: str, after: str) -> str:
    """``before`` -> ``after`` as a unified diff of ``a/path`` and ``b/path``."""

    def marked(text: str) -> list[str]:
        out = lines(text)
        if out and not out[-1].endswith('\n'):
            out[-1] += '\n\\ No newline at end of file\n'
        return out

    name = path.lstrip('/')
    old, new = marked(before), marked(after)
    created = before == '' and after != ''
    head = (f'--- {"/dev/null" if created else file_label("a/", name)}\n'
            f'+++ {file_label("b/", name)}\n')
    body = ''.join(_hunks(old, new, context=3))
    return head + body if body else ''


def file_label(prefix: str, path: str) -> str:
    """The name on a ``---`` or ``+++`` line, as git writes it: quoted when it must be
    (``git_quoted``), and followed by a tab when it holds a space, so that ``patch``
    does not take what follows the space for a timestamp."""
    return git_quoted(prefix + path) + ('\t' if ' ' in path else '')


def git_quoted(name: str) -> str:
    """``name`` (with its ``a/`` or ``b/``) as git writes it in a diff's headers.

    As it is, or, when it holds a control character, a double quote, a backslash or
    a byte past ASCII, in double quotes with C escapes (``"a/x\\ty"``, ``\\303\\251``
    for ``é``). Written raw, a tab ends the name for ``git apply`` (it patched
    another file) and a newline breaks the patch. A byte of a name that is not UTF-8
    (kept as a lone surrogate, see ``source.decode``) is quoted as that byte.
    """
    data = encode(name)
    if all(0x20 <= byte < 0x7f and byte not in _C_ESCAPES for byte in data):
        return name
    return '"' + ''.join(_quoted_byte(byte) for byte in data) + '"'


def _quoted_byte(byte: int) -> str:
    if byte in _C_ESCAPES:
        return '\\' + _C_ESCAPES[byte]
    if byte < 0x20 or byte >= 0x7f:
        return f'\\{byte:03o}'
    return chr(byte)


def changed_lines(before: str, after: str, context: int = 0) -> list[str]:
    """The hunks' ``-``/``+`` (and context) lines of ``before`` -> ``after``, without
    line endings or hunk headers: for a short excerpt."""
    old = [line.rstrip('\n') for line in lines(before)]
    new = [line.rstrip('\n') for line in lines(after)]
    return [line for line in _hunks(old, new, context) if not line.startswith('@@')]


def _hunks(old: Sequence[str], new: Sequence[str], context: int) -> Iterator[str]:
    for group in grouped_opcodes(old, new, context):
        first, last = group[0], group[-1]
        yield f'@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n'
        for tag, i1, i2, j1, j2 in group:
            if tag == 'equal':
                yield from (' ' + line for line in old[i1:i2])
                continue
            yield from ('-' + line for line in old[i1:i2])
            yield from ('+' + line for line in new[j1:j2])


def _range(start: int, stop: int) -> str:
    """A hunk header's ``start,length`` (the line before an empty range)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f'{start + 1 if length else start},{length}'


def grouped_opcodes(old: Sequence[str], new: Sequence[str], context: int) -> list[list[Opcode]]:
    """The hunks of ``old`` -> ``new``, each a list of opcodes: the changes with up to
    ``context`` unchanged lines around them; changes at most ``2 * context``
    lines apart share a hunk (as difflib groups them)."""
    hunks: list[list[Opcode]] = []
    end_old = end_new = 0  # where the last hunk's last change ended
    for change in opcodes(old, new, autojunk=True):
        tag, i1, i2, j1, j2 = change
        if tag == 'equal':
            continue
        if hunks and i1 - end_old <= 2 * context:
            if i1 > end_old:
                hunks[-1].append(('equal', end_old, i1, end_new, j1))
        else:
            if hunks:
                _close(hunks[-1], end_old, end_new, i1 - end_old, context)
            lead = min(context, i1 - end_old)
            hunks.append([('equal', i1 - lead, i1, j1 - lead, j1)] if lead else [])
        hunks[-1].append(change)
        end_old, end_new = i2, j2
    if hunks:
        _close(hunks[-1], end_old, end_new, len(old) - end_old, context)
    return hunks


def _close(hunk: list[Opcode], end_old: int, end_new: int, unchanged: int, context: int) -> None:
    trail = min(context, unchanged)
    if trail:
        hunk.append(('equal', end_old, end_old + trail, end_new, end_new + trail))


def opcodes(old: Sequence[str], new: Sequence[str], autojunk: bool = False) -> list[Opcode]:
    """How ``old`` becomes ``new``: difflib's opcodes (``equal``, ``replace``,
    ``delete``, ``insert`` with their ranges), from ``matching_blocks``."""
    found: list[Opcode] = []
    i = j = 0
    for block_i, block_j, size in matching_blocks(old, new, autojunk):
        if i < block_i or j < block_j:
            tag = 'replace' if i < block_i and j < block_j else 'delete' if i < block_i else 'insert'
            found.append((tag, i, block_i, j, block_j))
        if size:
            found.append(('equal', block_i, block_i + size, block_j, block_j + size))
        i, j = block_i + size, block_j + size
    return found


def matching_blocks(old: Sequence[str], new: Sequence[str],
                    autojunk: bool = False) -> list[tuple[int, int, int]]:
    """``(i, j, size)``: ``old[i:i+size] == new[j:j+size]``, increasing, adjacent
    blocks merged, ending with ``(len(old), len(new), 0)``, as difflib's are.

    A stretch small enough is difflib's own answer (so are whole files of up to
    about a thousand lines); a larger one keeps its common first and last lines,
    is cut at its anchors and each piece is looked at again.
    """
    import difflib

    found: list[tuple[int, int, int]] = []
    stretches = [(0, len(old), 0, len(new))]
    # Anchoring looks at every line of a stretch; lines out of order (a file
    # reversed) could make it look at them again for each anchor. Past this
    # many lines looked at, what is left is shown replaced whole.
    budget = _LOOKS_PER_LINE * (len(old) + len(new))
    while stretches:
        alo, ahi, blo, bhi = stretches.pop()
        if (ahi - alo) * (bhi - blo) <= _COMPARED_AT_MOST:
            within = difflib.SequenceMatcher(None, old[alo:ahi], new[blo:bhi], autojunk=autojunk)
            found.extend((alo + i, blo + j, size)
                         for i, j, size in within.get_matching_blocks() if size)
            continue
        while alo < ahi and blo < bhi and old[alo] == new[blo]:
            found.append((alo, blo, 1))
            alo, blo = alo + 1, blo + 1
        while alo < ahi and blo < bhi and old[ahi - 1] == new[bhi - 1]:
            found.append((ahi - 1, bhi - 1, 1))
            ahi, bhi = ahi - 1, bhi - 1
        budget -= (ahi - alo) + (bhi - blo)
        anchors = _anchors(old, new, alo, ahi, blo, bhi) if budget >= 0 else []
        if not anchors:
            if alo < ahi and blo < bhi and (ahi - alo) * (bhi - blo) <= _COMPARED_AT_MOST:
                stretches.append((alo, ahi, blo, bhi))
            continue  # otherwise shown as replaced whole
        found.extend((i, j, 1) for i, j in anchors)
        edges = [(alo - 1, blo - 1), *anchors, (ahi, bhi)]  # the pieces lie between them
        stretches.extend((i + 1, next_i, j + 1, next_j)
                         for (i, j), (next_i, next_j) in zip(edges, edges[1:]))
    merged: list[tuple[int, int, int]] = []
    for i, j, size in sorted(found):
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + size)
        else:
            merged.append((i, j, size))
    merged.append((len(old), len(new), 0))
    return merged


def _anchors(old: Sequence[str], new: Sequence[str],
             alo: int, ahi: int, blo: int, bhi: int) -> list[tuple[int, int]]:
    """The lines found exactly once in ``old[alo:ahi]`` and once in ``new[blo:bhi]``,
    as ``(i, j)`` pairs: the longest run of them in the same order on both sides."""
    seen_old: dict[str, int] = {}
    for i in range(alo, ahi):
        seen_old[old[i]] = -1 if old[i] in seen_old else i
    seen_new: dict[str, int] = {}
    for j in range(blo, bhi):
        line = new[j]
        if seen_old.get(line, -1) != -1:
            seen_new[line] = -1 if line in seen_new else j
    pairs = sorted((seen_old[line], j) for line, j in seen_new.items() if j != -1)
    # Longest increasing run of j over pairs sorted by i (patience sorting).
    tops: list[int] = []  # tops[k]: the smallest j ending a run of length k + 1
    ends: list[int] = []  # the index in pairs of that run's last pair
    before: list[int] = []  # each pair's predecessor in its run
    for index, (_i, j) in enumerate(pairs):
        k = bisect.bisect_left(tops, j)
        before.append(ends[k - 1] if k else -1)
        if k == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[k], ends[k] = j, index
    run: list[tuple[int, int]] = []
    at = ends[-1] if ends else -1
    while at != -1:
        run.append(pairs[at])
        at = before[at]
    return run[::-1]
