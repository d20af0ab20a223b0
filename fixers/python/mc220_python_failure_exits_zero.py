"""MC220: a Python main program that reports a failure as success (exit status 0)."""
from __future__ import annotations

import os
from collections.abc import Iterator

from modcon.entrypoints.code_document import CodeDocument
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.properties import Property
from modcon.registry import rule

_CONSEQUENCE = ('so the container exits 0 after a failure: `restart: on-failure`, Job retries '
                'and `service_completed_successfully` take it for success')


@rule(
    code='MC220',
    name='python-failure-exits-zero',
    kind=Kind.PYTHON,
    property=Property.EXIT_CODES,
    fixable=FixAvailability.SOMETIMES,
    aliases=(),
)
def python_failure_exits_zero(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Finds Python files that a container runs as its main program and that end
    with status 0 after an error: `sys.exit(0)`, `exit()` or `raise
    SystemExit` in a catch-all `except` handler, or a catch-all handler at
    the end of the program (or of the `main()` it calls) that logs the error
    and lets the program finish normally. The fix makes that status 1.

    ## Why is this bad?
    The exit status is the one result every orchestrator reads. Kubernetes
    restarts a pod with `restartPolicy: OnFailure` and retries a Job only on
    a non-zero status, Compose's `service_completed_successfully` starts the
    application after its migration container exited 0, and a CI step
    passes or fails on nothing else. A program that catches everything and
    exits 0 makes a crash look like success: the Job is marked complete, the
    application starts on a half-migrated database, and nobody is paged.

    ## Example
    ```python
    import logging, sys

    def main():
        sync_invoices()

    if __name__ == "__main__":
        try:
            main()
        except Exception:
            logging.exception("sync failed")
    ```

    ## Use instead
    ```python
    import logging, sys

    def main():
        sync_invoices()

    if __name__ == "__main__":
        try:
            main()
        except Exception:
            logging.exception("sync failed")
            raise SystemExit(1)
    ```

    ## Fix safety
    Unsafe: the status after a failure changes from 0 to 1, which is the
    point, but anything that relied on 0 (a Job meant never to be retried,
    a wrapper that treats any non-zero as fatal) now acts on it. Nothing else
    changes: the handler still runs, logs what it logged, and `raise
    SystemExit(1)` ends the program as the end of the file did, running
    `finally` blocks and `atexit` handlers. `sys.exit(0)` becomes
    `sys.exit(1)`; a final `pass` or bare `return` in the handler becomes
    `raise SystemExit(1)`, otherwise that line is added at its end.

    Only catch-all handlers count (bare `except:`, `Exception`,
    `BaseException`): `except FileNotFoundError: sys.exit(0)` may well mean
    "nothing to do". A handler that raises, exits non-zero, returns a
    non-zero status that `sys.exit(main())` passes on, or calls a function
    that exits (`die(...)`, or one of the file's functions that raises or
    exits) is not reported. Files the container only imports are left
    alone, as is a handler written on one line.
    """
    if not document.is_entrypoint or 'except' not in document.source.text:
        return
    tree = document.python_ast
    if tree is None:
        return
    from modcon.fixers.python._exits_swallowed import swallowed

    name = os.path.basename(document.source.path)
    for found in swallowed(document.source, tree):
        if found.kind == 'exit-zero':
            message = (f'`{found.what}` in a catch-all `except` ends `{name}` with status 0 '
                       f'after an error, {_CONSEQUENCE}')
            title = 'Exit with status 1 after the error'
        else:
            message = (f'`{found.what}` at the end of `{name}` handles every error and lets the '
                       f'program finish normally, {_CONSEQUENCE}')
            title = 'End the handler with `raise SystemExit(1)`'
        fix = Fix.unsafe(title, found.edit) if found.edit is not None else None
        yield Hit(found.start, found.end, message, fix)
