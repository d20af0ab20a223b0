"""MC401: a Node.js program that runs as PID 1 without a SIGTERM handler."""
from __future__ import annotations

import posixpath
from collections.abc import Iterator

from modcon.entrypoints.code_document import CodeDocument
from modcon.entrypoints.invocation import Invocation
from modcon.knowledge.inits import INITS
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.javascript.package_scripts import PACKAGE_RUNNERS
from modcon.registry import rule


@rule(
    code='MC401',
    name='node-sigterm-not-handled',
    kind=Kind.JAVASCRIPT,
    property=Property.SIGNALS,
    severity=Severity.WARNING,
    fixable=FixAvailability.SOMETIMES,
)
def node_sigterm_not_handled(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Finds JavaScript files that a container runs as its main program (`node
    server.js`) and that never handle SIGTERM, and adds a
    `process.on('SIGTERM', ...)` handler: one that closes the HTTP server the
    file keeps in a variable and then exits, or one that simply exits.

    ## Why is this bad?
    In a container, `node server.js` in exec form is PID 1, and the kernel
    drops every signal PID 1 has no handler for. Node installs none for
    SIGTERM, so `docker stop` and Kubernetes ask in vain: the server keeps
    running until the grace period ends (10 s for Docker, 30 s for
    Kubernetes) and is killed with SIGKILL, open connections cut, no
    cleanup, exit code 137. Node's own Docker guide says so: Node.js "was
    not designed to run as PID 1" and does not respond to SIGINT or SIGTERM
    unless you handle them. A module container reacts to signals.

    ## Example
    ```javascript
    const express = require('express');

    const app = express();
    app.get('/', (req, res) => res.send('ok'));
    const server = app.listen(3000);
    ```

    ## Use instead
    ```javascript
    const express = require('express');

    const app = express();
    app.get('/', (req, res) => res.send('ok'));
    const server = app.listen(3000);

    process.on('SIGTERM', () => {
      server.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 5000).unref();
    });
    ```

    ## Fix safety
    Safe: the only change is a new statement, and its only effect is that the
    program now stops when asked, as it would if it were not PID 1. Nothing
    existing is edited. The file is read with tree-sitter-javascript and the
    handler follows its quotes, semicolons, indentation and line endings; it
    uses only the `process` global, so it works in CommonJS and ES modules.

    When the top level keeps a server in a variable (`const server =
    app.listen(...)` whatever the receiver: `app.app.listen()`, an app from a
    local module, Express, Koa, Connect; `http.createServer(...)` and any
    other `createServer()`, `https`, `http2`, `net`, `tls`), the handler goes
    right after that statement and closes it; a fastify instance, whose
    `listen()` returns a Promise, is closed itself (`fastify.close(cb)` runs
    its `onClose` hooks). Then: no new connections, requests in progress
    finish, then exit 0. Since Node 19 `close()` also drops idle keep-alive
    connections, but one that is busy at SIGTERM stays open after its answer
    (until `keepAliveTimeout`, or forever if the client keeps reusing it); so
    the handler exits anyway after 5 s, half of Docker's 10 s grace period,
    so the exit is a clean 0 and not SIGKILL's 137. The trade: a request
    still running 5 s after SIGTERM is cut, where before it had until the
    SIGKILL; edit the number if your requests are longer.

    When the program already shuts down on Ctrl-C through a named function
    (`process.on('SIGINT', shutdown)` at the top level), that function is
    its own shutdown path: the fix adds `process.on('SIGTERM', shutdown)`
    right after it, so SIGTERM runs the same code (Node passes it the
    signal's name, `'SIGTERM'`) and the exit status is whatever it chooses.
    An inline SIGINT listener that does more than close the kept server and
    exit (it logs, or exits with its own status), or one registered inside a
    function, gets no fix: the finding asks to name it and register it for
    SIGTERM too, since a separate handler would skip what it does.

    A `listen()` known to return a Promise (fastify, vite's `createServer()`)
    is not taken for a server; one the file cannot see (a fastify app from a
    local module) would make the handler throw, and Node exit 1 at once.

    The handler never goes inside a `// [START x]` ... `// [END x]` region
    (the lines a published documentation snippet quotes), nor between a
    `// prettier-ignore` comment and its statement: it goes after them.

    A single top-level `app.listen(3000);` whose server is not kept gets
    `const server = ` in front (a name the file does not use), so the
    handler can close it; not inside a marked region.

    Without a server (a worker loop, a server created inside a function or
    imported from another file, several unkept ones, one in a region) the
    handler just exits 0, and it goes right after the imports, so it is in
    place before the program starts its work (a top-level `await` loop would
    never reach a handler at the end of the file). That finding is reported
    on line 1.

    Under an init (`tini`, `dumb-init`, ... in the command) Node is not PID 1
    and SIGTERM already ends it, at once: only a file that keeps a server is
    reported (as info), because closing it lets requests in progress finish.
    `docker run --init` cannot be seen in the files.

    No finding when SIGTERM is handled or might be: `SIGTERM` written
    anywhere in the code (a listener, a list of signals, a log message),
    `process.on()` with a computed event name, `process` passed around or
    shadowed, a library that installs a handler (`@godaddy/terminus`,
    `lightship`, `http-graceful-shutdown`, `close-with-grace`, `exit-hook`,
    NestJS `enableShutdownHooks()`), an import whose name suggests shutdown
    handling, or a local module imported only for its side effects. A second
    handler that exits would cut the first one's cleanup short. A file that
    does not parse, or that the container only imports, is left alone.
    Handlers installed by a local module under a neutral name cannot be
    seen; review the pull request.
    """
    if not document.is_entrypoint:
        return  # imported, not run: the program that imports it owns the signals
    invocation = next(i for i in document.invocations if i.as_main)
    runner, runner_name = _runner(invocation.argv)
    from modcon.fixers.javascript._signals import plan_sigterm_handler  # loads tree-sitter

    handler = plan_sigterm_handler(document.source.text)
    if handler is None:
        return
    who = _who(invocation)
    names = ' and '.join(f'`{n}`' for n in handler.servers)
    severity = None
    if runner == 'init':
        if not handler.servers:
            return  # SIGTERM already ends Node (not PID 1); an exit handler adds nothing
        message = (f'{who} runs this file under `{runner_name}`, so SIGTERM ends Node at '
                   f'once: requests in progress on {names} are cut and it exits 143')
        severity = Severity.INFO
    elif runner == 'package':
        message = (f'{who} runs this file under `{runner_name}`, which does not pass SIGTERM on '
                   f'reliably (MC104); run as PID 1, Node would ignore it too: this file never '
                   f'handles it')
    elif handler.servers:
        verb = 'keeps' if len(handler.servers) == 1 else 'keep'
        message = (f'{who} runs this file as PID 1, where Node ignores SIGTERM unless it is '
                   f'handled: on `docker stop`, {names} {verb} serving until the grace period '
                   f'ends and the container is killed')
    else:
        message = (f'{who} runs this file as PID 1, where Node ignores SIGTERM unless it is '
                   f'handled: `docker stop` waits out the grace period, then kills it')
    if handler.no_fix_reason:
        yield Hit(handler.start, handler.end,
                  f'{message}; no automatic fix: {handler.no_fix_reason}', None, severity)
        return
    if handler.reuses:
        title = f'Run `{handler.reuses}` on SIGTERM too, as on SIGINT'
    elif handler.servers:
        title = f'Add a SIGTERM handler that closes {names}, then exits 0'
    else:
        title = 'Add a SIGTERM handler that exits 0'
    edits = [Edit.insert(handler.at, handler.content)]
    if handler.keep is not None:
        title = (f'Keep the server in `{handler.servers[0]}` and add a SIGTERM handler that '
                 f'closes it, then exits 0')
        edits.insert(0, Edit.insert(*handler.keep))
    fix = Fix.safe(title, *edits)
    yield Hit(handler.start, handler.end, message, fix, severity)


def _runner(argv: tuple[str, ...]) -> tuple[str, str]:
    """What starts Node: ('pid1', 'node'), ('init', 'tini') or ('package', 'npm').

    Wrappers that exec (``gosu``, ``env``, the official images'
    ``docker-entrypoint.sh``) leave Node as PID 1; an init stays PID 1 and
    forwards signals, so Node gets its default SIGTERM action back.
    """
    for word in argv:
        name = posixpath.basename(word)
        init = INITS.get(name)
        if init is not None and init.forwards_sigterm:
            return 'init', name
        if name in PACKAGE_RUNNERS:
            return 'package', name
        if name in ('node', 'nodejs'):
            break
    return 'pid1', 'node'


def _who(invocation: Invocation) -> str:
    """`node server.js` (Dockerfile:12): the command and where it is written."""
    command = f'`{" ".join(invocation.argv)}`' if invocation.argv else 'The container'
    if invocation.dockerfile is None:
        return command
    where = f'{invocation.dockerfile}:{invocation.line}' if invocation.line else \
        invocation.dockerfile
    return f'{command} ({where})'
