"""Per-file diffs as GitHub reports them, and which lines a review may comment on.

GitHub's ``files[]`` entries (pull request files, compare, commit) carry a
``patch`` that starts at the first ``@@`` hunk header. A review comment is
accepted only on a line that appears in one of those hunks: on the RIGHT side a
context or added line (new-file numbering), on the LEFT side a context or
removed line (old-file numbering). The fake enforces the same rule so a bot
that comments outside the diff fails here as it would on GitHub.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .gitstore import GitStore, RawChange

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")

_STATUS = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "C": "copied", "T": "changed"}


@dataclass
class Hunk:
    """One ``@@`` hunk: the line numbers it shows on each side."""

    header: str
    first_position: int  # position (GitHub's deprecated diff offset) of the header line
    left: set[int] = field(default_factory=set)
    right: set[int] = field(default_factory=set)
    # diff position -> (side, line number) for every line shown in the hunk
    by_position: dict[int, tuple[str, int]] = field(default_factory=dict)
    # (side, line number) -> diff position; context lines are listed under both sides
    pos_of: dict[tuple[str, int], int] = field(default_factory=dict)


@dataclass
class FileDiff:
    """One entry of GitHub's ``files[]`` array, plus the parsed hunks."""

    filename: str
    status: str
    additions: int
    deletions: int
    sha: str | None
    previous_filename: str | None
    patch: str | None
    hunks: list[Hunk]

    @property
    def changes(self) -> int:
        return self.additions + self.deletions

    def hunk_of(self, side: str, line: int) -> int | None:
        """Index of the hunk that shows ``line`` on ``side``, or None if it is outside the diff."""
        for i, hunk in enumerate(self.hunks):
            if line in (hunk.right if side == "RIGHT" else hunk.left):
                return i
        return None

    def diff_hunk(self, side: str, line: int) -> str:
        """GitHub's ``diff_hunk`` for a comment: the hunk from its header down to the line."""
        index = self.hunk_of(side, line)
        if index is None or self.patch is None:
            return ""
        hunk = self.hunks[index]
        lines = self.patch.split("\n")
        return "\n".join(lines[hunk.first_position: hunk.pos_of[(side, line)] + 1])

    def at_position(self, position: int) -> tuple[str, int] | None:
        for hunk in self.hunks:
            if position in hunk.by_position:
                return hunk.by_position[position]
        return None


def parse_hunks(patch: str) -> list[Hunk]:
    """Split a ``patch`` field into hunks and record the lines each one shows."""
    hunks: list[Hunk] = []
    old_no = new_no = 0
    for position, line in enumerate(patch.split("\n")):
        m = _HUNK.match(line)
        if m:
            hunks.append(Hunk(line, position))
            old_no, new_no = int(m[1]), int(m[3])
            continue
        if not hunks or line.startswith("\\"):
            continue  # "\ No newline at end of file" occupies a position but no line
        hunk = hunks[-1]
        if line.startswith("+"):
            hunk.right.add(new_no)
            hunk.by_position[position] = ("RIGHT", new_no)
            hunk.pos_of[("RIGHT", new_no)] = position
            new_no += 1
        elif line.startswith("-"):
            hunk.left.add(old_no)
            hunk.by_position[position] = ("LEFT", old_no)
            hunk.pos_of[("LEFT", old_no)] = position
            old_no += 1
        else:
            hunk.left.add(old_no)
            hunk.right.add(new_no)
            hunk.by_position[position] = ("RIGHT", new_no)
            hunk.pos_of[("LEFT", old_no)] = position
            hunk.pos_of[("RIGHT", new_no)] = position
            old_no += 1
            new_no += 1
    return hunks


def _split_blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in text.split("\n"):
        if line.startswith("diff --git "):
            blocks.append([])
        if blocks:
            blocks[-1].append(line)
    return blocks


def _file_diff(change: RawChange, block: list[str]) -> FileDiff:
    start = next((i for i, line in enumerate(block) if line.startswith("@@")), None)
    patch = None
    additions = deletions = 0
    if start is not None:
        lines = block[start:]
        while lines and lines[-1] == "":
            lines.pop()  # the trailing newline of git's output is not part of GitHub's patch
        patch = "\n".join(lines)
        for line in lines:
            if _HUNK.match(line):
                continue
            if line.startswith("+"):
                additions += 1
            elif line.startswith("-"):
                deletions += 1
    status = _STATUS.get(change.status, "modified")
    if change.status == "M" and change.old_sha == change.new_sha:
        status = "changed"  # a mode-only change
    if change.status == "R" and change.old_sha == change.new_sha and patch is None:
        status = "renamed"
    return FileDiff(
        filename=change.path,
        status=status,
        additions=additions,
        deletions=deletions,
        sha=None if change.status == "D" else change.new_sha,
        previous_filename=change.old_path,
        patch=patch,
        hunks=parse_hunks(patch) if patch else [],
    )


def file_diffs(store: GitStore, old: str, new: str) -> list[FileDiff]:
    """What changed between two commits, one FileDiff per path, in git's order."""
    changes = store.raw_diff(old, new)
    if not changes:
        return []
    blocks = _split_blocks(store.patch_text(old, new))
    if len(blocks) != len(changes):
        # git prints one "diff --git" block per raw entry; a mismatch means the
        # parsing assumption broke, which must not pass silently.
        raise RuntimeError(f"diff parse mismatch: {len(changes)} raw entries, {len(blocks)} patch blocks")
    return [_file_diff(c, b) for c, b in zip(changes, blocks, strict=True)]
