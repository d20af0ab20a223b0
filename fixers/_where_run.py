"""How a finding in entrypoint code names the command that runs the file.

MC201 and MC351 say it the same way: `` (`python app.py`, Dockerfile line 12)``.
"""
from __future__ import annotations

from modcon.entrypoints.invocation import Invocation


def where_run(invocation: Invocation, others: int = 0) -> str:
    """` (`python app.py`, Dockerfile line 12)`, or less when less is known."""
    import shlex

    parts = []
    if invocation.argv:
        parts.append(f'`{shlex.join(invocation.argv)}`')
    if invocation.dockerfile:
        line = f' line {invocation.line}' if invocation.line else ''
        parts.append(f'{invocation.dockerfile}{line}')
    where = ', '.join(parts)
    if others:
        more = f'{others} more command{"s" if others > 1 else ""}'
        where = f'{where}; {more}' if where else more
    return f' ({where})' if where else ''
