"""Split a command's arguments into options and operands, as getopt-style tools read them."""
from __future__ import annotations

from collections.abc import Sequence


def options(args: Sequence[str | None]) -> tuple[set[str], list[str | None]]:
    """Split arguments into short option letters / long options and operands.

    ``-sfT`` gives ``{'s', 'f', 'T'}``; ``--symbolic`` gives ``{'--symbolic'}``.
    Everything after ``--`` is an operand.
    """
    flags: set[str] = set()
    operands: list[str | None] = []
    ended = False
    for arg in args:
        if not ended and arg == '--':
            ended = True
        elif not ended and arg is not None and arg.startswith('--'):
            flags.add(arg.split('=', 1)[0])
        elif not ended and arg is not None and arg.startswith('-') and len(arg) > 1:
            flags.update(arg[1:])
        else:
            operands.append(arg)
    return flags, operands
