"""The ``modcon`` command line: ``main`` (``cli/main.py``) reads the arguments
(``cli/plain.py`` a line of only paths, argparse in ``cli/parser.py`` any
other) and hands over to one module per command: ``check``, ``fix``, ``explain``
(explain-entrypoint), ``verify`` and ``rules`` (rules, rule). Its exit codes
are the ground's (``errors.EXIT_*``)."""
from __future__ import annotations

from modcon.cli.main import main
from modcon.errors import EXIT_CLEAN
from modcon.errors import EXIT_ERROR
from modcon.errors import EXIT_FINDINGS
from modcon.errors import EXIT_INTERRUPTED

__all__ = ['EXIT_CLEAN', 'EXIT_ERROR', 'EXIT_FINDINGS', 'EXIT_INTERRUPTED', 'main']
