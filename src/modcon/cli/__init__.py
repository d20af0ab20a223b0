"""The ``modcon`` command line (being split into one module per command)."""
from __future__ import annotations

from modcon.cli.main import EXIT_CLEAN
from modcon.cli.main import EXIT_ERROR
from modcon.cli.main import EXIT_FINDINGS
from modcon.cli.main import EXIT_INTERRUPTED
from modcon.cli.main import main
from modcon.cli.main import report_errors

__all__ = ['EXIT_CLEAN', 'EXIT_ERROR', 'EXIT_FINDINGS', 'EXIT_INTERRUPTED', 'main',
           'report_errors']
