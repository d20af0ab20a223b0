"""Where isort (and ruff's ``I`` rules, with their defaults) would put ``import signal``.

Both tools sort a block of imports into sections (``__future__``, the
standard library, third-party, first-party), one blank line between
sections, and within a section put the ``import x`` lines before the
``from x import y`` lines, each sorted by module name, ignoring case. A
project whose imports pass ``ruff check --select I`` must still pass it after
a fix adds ``import signal``, so the line goes:

* among the standard-library ``import x`` lines, before the first one whose
  module sorts after ``signal`` (after the last of them otherwise);
* before the section's first ``from x import y`` line when it has no
  ``import x`` line;
* as a section of its own, before the first third-party or local import,
  when no standard-library module is imported.

Comments written right above an import stay with it (the new line goes
above them).
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Sequence

import libcst as cst

from modcon.named_tuple import NamedTuple
from modcon.readers.python.cst_syntax import dotted_name

MODULE = 'signal'


class ImportSpot(NamedTuple):
    line: int  # the 1-based line the import goes before
    new_section: bool  # no standard-library section yet: a blank line follows the import


def _module(statement: cst.SimpleStatementLine) -> tuple[str, bool]:
    """The first module a line of imports names, and whether it is `import x`."""
    small = statement.body[0]
    if isinstance(small, cst.Import):
        return dotted_name(small.names[0].name), True
    assert isinstance(small, cst.ImportFrom)
    return ('.' if small.relative else '') + (dotted_name(small.module) if small.module else ''), False


def _section(module: str) -> str:
    if module == '__future__':
        return 'future'
    top = module.split('.')[0]
    return 'stdlib' if top in sys.stdlib_module_names else 'other'


def signal_import_spot(imports: Sequence[cst.SimpleStatementLine],
                       first_line: Callable[[cst.SimpleStatementLine], int],
                       last_line: Callable[[cst.SimpleStatementLine], int]) -> ImportSpot | None:
    """Where ``import signal`` goes in the module's leading ``imports``.

    ``first_line`` gives a statement's first line with the comments attached
    above it, ``last_line`` its last line. None when there are no imports
    other than ``__future__`` ones (the caller then puts the import after them).
    """
    read = [(s, *_module(s)) for s in imports]
    stdlib = [(s, name, straight) for s, name, straight in read if _section(name) == 'stdlib']
    if stdlib:
        straight = [(s, name) for s, name, is_straight in stdlib if is_straight]
        later = next((s for s, name in straight if name.lower() > MODULE), None)
        if later is not None:
            return ImportSpot(first_line(later), False)
        if straight:
            return ImportSpot(last_line(straight[-1][0]) + 1, False)
        return ImportSpot(first_line(stdlib[0][0]), False)
    other = next((s for s, name, _ in read if _section(name) == 'other'), None)
    if other is None:
        return None
    return ImportSpot(first_line(other), True)
