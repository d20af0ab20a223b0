"""Unified diffs that ``git apply`` and ``patch`` accept, missing final newlines included."""
from __future__ import annotations


def unified_diff(path: str, before: str, after: str) -> str:
    import difflib  # only `fix --diff` and the bot need it, not a check

    def lines(text: str) -> list[str]:
        out = text.splitlines(keepends=True)
        if out and not out[-1].endswith('\n'):
            out[-1] += '\n\\ No newline at end of file\n'
        return out

    name = path.lstrip('/')
    old = '/dev/null' if before == '' and after else f'a/{name}'
    return ''.join(difflib.unified_diff(lines(before), lines(after), old, f'b/{name}'))
