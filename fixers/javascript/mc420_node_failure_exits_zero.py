"""MC420: a Node.js main program that reports a failure as success (exit status 0)."""
from __future__ import annotations

import posixpath
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
    code='MC420',
    name='node-failure-exits-zero',
    kind=Kind.JAVASCRIPT,
    property=Property.EXIT_CODES,
    fixable=FixAvailability.SOMETIMES,
    aliases=(),
)
def node_failure_exits_zero(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Finds JavaScript files that a container runs as its main program and
    that end with status 0 after an error: `process.exit(0)` (or
    `process.exit()`) in a `catch` block, a `.catch()` handler or an
    `uncaughtException` listener, and top-level `main().catch(...)` or
    `try`/`catch` handlers that only log. The fix makes the status 1.

    ## Why is this bad?
    Node exits 1 on an uncaught exception or unhandled rejection; catching
    it takes that away. A `main().catch(console.error)` marks the rejection
    as handled, the event loop drains, and the process exits 0. To the
    orchestrator, which reads nothing but the status, the failed job
    succeeded: Kubernetes does not retry it, Compose starts what depends on
    it, CI goes green. A module container's exit status means what it says.

    ## Example
    ```javascript
    async function main() {
      await migrate();
    }

    main().catch((err) => {
      console.error(err);
    });
    ```

    ## Use instead
    ```javascript
    async function main() {
      await migrate();
    }

    main().catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
    ```

    ## Fix safety
    Unsafe: the status after a failure changes from 0 to 1, which is the
    point, but anything that relied on 0 now acts on it. `process.exit(0)`
    becomes `process.exit(1)`. A handler that only logs gets
    `process.exitCode = 1` as its last statement, so the program still ends
    when its work is done, with pending output written, and with status 1;
    a bare `.catch(console.error)` becomes
    `.catch((err) => { console.error(err); process.exitCode = 1; })`.
    The new text follows the file's semicolons and indentation.

    Handlers that already exit, set `exitCode`, rethrow or kill the process
    are left alone, as is `process.exit()` in a file that sets
    `process.exitCode` (it exits with that). Files the container only
    imports, and files that do not parse, are not read.
    """
    if not document.is_entrypoint:
        return
    text = document.source.text
    if 'catch' not in text and 'Exception' not in text and 'Rejection' not in text:
        return
    from modcon.fixers.javascript._exits_swallowed import swallowed  # loads tree-sitter

    name = posixpath.basename(document.source.path.replace('\\', '/'))
    for found in swallowed(text):
        if found.kind == 'exit-zero':
            message = f'{found.what} ends `{name}` with status 0 after an error, {_CONSEQUENCE}'
            title = 'Exit with status 1 after the error'
        elif found.kind == 'catch-callback':
            message = (f'{found.what} at the top of `{name}` handles the rejection and only '
                       f'logs it; the event loop drains and Node exits 0, {_CONSEQUENCE}')
            title = 'Set `process.exitCode = 1` in the handler'
        else:
            message = (f'{found.what} of `{name}` handles the error and only logs it; the '
                       f'program ends normally, {_CONSEQUENCE}')
            title = 'Set `process.exitCode = 1` in the handler'
        fix = Fix.unsafe(title, found.edit) if found.edit is not None else None
        yield Hit(found.start, found.end, message, fix)
