"""``modcon explain-entrypoint``: how each Dockerfile's command leads to the files it runs."""
from __future__ import annotations

import sys
from collections.abc import Sequence

from modcon.engine.config import Config
from modcon.engine.discover import Target
from modcon.engine.discover import discover
from modcon.engine.discover import nothing_found
from modcon.engine.scope import code_scope
from modcon.engine.scope import explained
from modcon.errors import EXIT_CLEAN
from modcon.errors import EXIT_ERROR
from modcon.errors import ModconError
from modcon.errors import report_errors
from modcon.model import Kind
from modcon.printable import printable


def run_explain(paths: list[str]) -> int:
    """``modcon explain-entrypoint``: how each Dockerfile's command was followed."""
    skipped: list[str] = []
    targets, found_errors = discover(paths, Config(), skipped)
    errors: list[ModconError] = list(found_errors)
    dockerfiles = [t for t in targets if t.kind == Kind.DOCKERFILE]
    # Read as `check` reads: a file it refuses is refused here, with its error.
    for text in explained(code_scope(dockerfiles, errors)):
        sys.stdout.write(printable(text, newlines=True))
    say_if_none(dockerfiles, errors, paths, skipped)
    report_errors(errors)
    return EXIT_ERROR if errors else EXIT_CLEAN


def say_if_none(dockerfiles: list[Target], errors: Sequence[ModconError], paths: list[str],
                 skipped: list[str]) -> None:
    """Tell, on stderr, that there was no Dockerfile to look at, and why."""
    if not dockerfiles and not errors:
        print(f'modcon: no Dockerfile to look at: {printable(nothing_found(paths, skipped))}',
              file=sys.stderr)
