"""Split a command's arguments into options and operands, as getopt-style tools read them."""
from __future__ import annotations

from collections.abc import Sequence

from modcon.lazyregex import lazy_compile

# Shells whose `-c` keeps even a lone last command as a child: dash (Debian's and
# Ubuntu's sh, measured with dash 0.5.12), and `sh`/`ash`, which may be dash.
CHILD_KEEPING_SHELLS = frozenset(('sh', 'dash', 'ash'))
# `-c`, `-ec`, `-xc`: options without an argument, one of them `c` (`-o` takes one).
_SCRIPT_OPTION = lazy_compile(r'-[a-np-zA-NP-Z]*c[a-np-zA-NP-Z]*')


def is_script_option(word: str | None) -> bool:
    """Is ``word`` a shell's option that takes the script as its next word
    (``sh -c``, ``-ec``, ``-xc``)? Not ``-o`` bundles, whose value comes next."""
    return word is not None and _SCRIPT_OPTION.fullmatch(word) is not None


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
