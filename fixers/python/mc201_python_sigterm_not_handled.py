"""MC201: a Python main program that leaves SIGTERM at its default action."""
from __future__ import annotations

import os
from collections.abc import Iterator

from modcon.entrypoints.code_document import CodeDocument
from modcon.fixers._where_run import where_run
from modcon.knowledge.inits import init_named
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule


@rule(
    code='MC201',
    name='python-sigterm-not-handled',
    kind=Kind.PYTHON,
    property=Property.SIGNALS,
    severity=Severity.WARNING,
    fixable=FixAvailability.SOMETIMES,
)
def python_sigterm_not_handled(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Finds Python files that a container runs as its main program and that
    neither handle SIGTERM nor hand the program to a server that does
    (uvicorn, gunicorn, aiohttp's `run_app`, Werkzeug's reloader, ...), and
    adds a handler that sends SIGTERM into the program's own shutdown.

    ## Why is this bad?
    `docker stop` and Kubernetes stop a container by sending SIGTERM to its
    PID 1. CPython leaves SIGTERM at its default action, and the kernel drops
    a signal with the default action when it is sent to PID 1: nothing
    happens until the grace period ends (10 s for Docker, 30 s for
    Kubernetes) and SIGKILL ends the program. `finally` blocks, context
    managers and `atexit` handlers never run, and the exit code 137 looks like
    an out-of-memory kill. Under an init such as `tini` the signal does reach
    Python, which then dies of it at once, still without any cleanup.

    ## Example
    ```python
    import time

    import grpc


    def serve():
        server = start_server()
        try:
            while True:
                time.sleep(86400)
        except KeyboardInterrupt:
            server.stop(grace=5)


    if __name__ == "__main__":
        serve()
    ```

    ## Use instead
    ```python
    import signal
    import time

    import grpc


    def serve():
        ...  # unchanged


    if __name__ == "__main__":
        # On SIGTERM (docker stop), raise KeyboardInterrupt as Ctrl-C does, so that
        # the `except KeyboardInterrupt` shutdown in `serve()` runs.
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.default_int_handler)

        serve()
    ```

    The handler is what the program's own shutdown needs:

    * when it stops on Ctrl-C through a SIGINT handler of its own
      (`signal.signal(SIGINT, stop)` setting a flag its loop checks,
      `loop.add_signal_handler(SIGINT, event.set)`), SIGTERM gets that same
      handler: the same call, for SIGTERM, right after each SIGINT
      registration, so its shutdown runs and the status is the one it
      chooses. A registration that may not run when the code around it does
      (in an `if`, a loop or a `try`, or a function the file never calls), or
      whose arguments might differ a second time (a call), gets no fix; a
      handler that does nothing but exit takes the `SystemExit(0)` below;
    * when its main path stops through `except KeyboardInterrupt` (module
      code, or a function of the same file it calls by name, not a coroutine
      nor a thread, and not a handler that swallows the interrupt in a loop),
      SIGTERM raises `KeyboardInterrupt` there, as Ctrl-C does
      (`signal.default_int_handler`); the status is the one that path ends
      with, 0 when it simply returns;
    * otherwise SIGTERM raises `SystemExit(0)`: `finally` blocks, `with`
      exits and `atexit` handlers run, and the status is 0.

    It goes at the top of the `if __name__ == "__main__":` block, so
    importing the module installs nothing; at module level, after the
    imports, when there is no such block or a statement above it may start
    the program (`main()` called at top level). `import signal` goes where
    isort and ruff put it: among the standard-library imports, sorted, or as
    a section of its own before the third-party ones. An existing `import
    signal` (or `import signal as sig`) is reused; under another name if
    `signal` means something else in the file (`from signal import signal`).
    Nothing is inserted inside a marked region (`# [START x]` ... `# [END
    x]`, `# fmt: off` ... `# fmt: on`): the lines go right after it, or
    before it when the program starts inside it, or no fix is offered.

    ## Fix safety
    Safe: the only change is that SIGTERM now takes the way out the program
    already has for Ctrl-C or for its end. The handler is installed only
    while SIGTERM is still at its default, so one that an imported module
    installed is kept.

    The file is left alone when it registers SIGTERM itself (`signal.signal`,
    also through `from signal import ...` or an alias, a loop's
    `add_signal_handler`, `sigwait`, anyio's or trio's signal receiver), or
    when it hands the program to a framework that installs its own handler:
    `uvicorn.run` or `uvicorn.Server`, aiohttp's `web.run_app`, hypercorn's
    asyncio `serve` without `shutdown_trigger`, a gunicorn application,
    celery's `worker_main`, Flask's `app.run(debug=True)` and Werkzeug's
    `run_simple(use_reloader=True)` (the reloader handles SIGTERM), and
    Django's `runserver` with its autoreloader. Tornado, `http.server`,
    `asyncio.run` and Flask's `app.run` without the reloader install
    nothing, so their programs get the handler. A module that only defines
    things (an application object that `wsgi.py` imports) starts nothing and
    is not reported. `signal.signal(SIGTERM, SIG_IGN)` or `SIG_DFL` is not a
    handler: the file is reported, without a fix, since a handler added
    before that line would be undone.

    MC143 offers the other way for a program that stops through `except
    KeyboardInterrupt`: `STOPSIGNAL SIGINT` in the Dockerfile. The two are
    never both applied: while this rule applies, MC143's fix is only shown;
    `# modcon: ignore-file=MC201` in the program chooses MC143's.

    Edge cases: a program that ignores SIGTERM on purpose (to finish a batch,
    say) now stops at once; add `# modcon: ignore-file=MC201` to the file, or
    `# modcon: ignore=MC201` after the imports or at the top of the main
    block (anywhere in the lines the finding covers), or handle the signal
    yourself. `except BaseException:` or a bare `except:` around the main
    loop catches the `SystemExit`. With the `KeyboardInterrupt` handler, a
    SIGTERM that arrives outside the `try` (during start-up, say) ends the
    program as an unhandled Ctrl-C does (status 130, with a traceback).
    Non-daemon threads keep the process alive after the main thread exits:
    when the file runs a function that loops forever (`while True:` without
    `break` or `return`) in such a thread (`threading.Thread(target=f)`
    without `daemon=True`, an executor's `submit(f)` or `map(f, ...)`,
    `run_in_executor(None, f)`), it is reported without a fix, since the
    handler alone would leave the container still hanging.
    A program that waits on a child process ends it early (the child is
    killed when the program exits, as it would have been at the end of the
    grace period); forward the signal to the child instead. Children started
    with `fork` inherit the handler. No fix when the main block is written
    on one line (`if __name__ == "__main__": main()`).
    """
    if not document.is_entrypoint:
        return
    if document.python_ast is None:  # newer syntax than this Python's is fine for libcst, but
        from modcon.readers.python.syntax import too_deep

        if too_deep(document.python_error):  # nesting CPython refuses crashes libcst's parser
            return
    from modcon.fixers.python._signals import Handled  # libcst: loaded only when needed
    from modcon.fixers.python._signals import plan

    runs = [i for i in document.invocations if i.as_main]
    result = plan(document.source, [i.argv for i in runs])
    if result is None or isinstance(result, Handled):
        return
    name = os.path.basename(document.source.path) or document.source.path
    where = where_run(runs[0], len(runs) - 1)
    init = _init_of(runs[0].argv)
    if init is None:
        message = (f'`{name}` runs as PID 1{where} and does not handle SIGTERM, so '
                   f'`docker stop` waits 10 s and kills it: `finally` blocks and `atexit` '
                   f'handlers never run')
        severity = None
    else:
        message = (f'`{name}` does not handle SIGTERM{where}: `{init}` passes `docker stop`\'s '
                   f'SIGTERM on and Python dies of it at once, without running `finally` '
                   f'blocks or `atexit` handlers')
        severity = Severity.INFO
    if not result.edits:
        yield Hit(result.start, result.end,
                  f'{message}; no automatic fix: {result.no_fix_reason}', None, severity)
        return
    from modcon.fixers.python._threads import endless_thread

    endless = endless_thread(document.python_ast) if document.python_ast is not None else None
    if endless is not None:
        yield Hit(result.start, result.end,
                  f'{message}; no automatic fix: it runs `{endless.function}()` in a thread '
                  f'(line {endless.line}) that is not a daemon thread and loops forever, and '
                  f'Python waits for it after SIGTERM ends the main thread, so the container '
                  f'still would not stop; make it a daemon thread (`daemon=True`) or end it '
                  f'in the program\'s shutdown, then handle SIGTERM', None, severity)
        return
    if result.sigint:
        message += (f'; it stops on Ctrl-C through its own SIGINT handler {result.sigint}, '
                    f'which the fix registers for SIGTERM too')
        title = (f'Stop on SIGTERM as on Ctrl-C: register the SIGINT handler '
                 f'{result.sigint} for SIGTERM too, {result.place}')
    elif result.interrupt:
        message += (f'; it stops through `except KeyboardInterrupt` {result.interrupt}, '
                    f'where the fix sends SIGTERM too (the alternative, `STOPSIGNAL SIGINT` in '
                    f'the Dockerfile, is MC143)')
        title = (f'Raise KeyboardInterrupt on SIGTERM, so the `except KeyboardInterrupt` '
                 f'shutdown {result.interrupt} runs: add a handler {result.place}')
    else:
        title = f'Exit with status 0 on SIGTERM: add a handler {result.place}'
    yield Hit(result.start, result.end, message, Fix.safe(title, *result.edits), severity)


def _init_of(argv: tuple[str, ...]) -> str | None:
    """The init in front of the program that passes SIGTERM on to it: the program
    is then not PID 1, and SIGTERM's default action (terminate) does apply to it."""
    init = init_named(argv[0]) if argv else None
    return init.name if init is not None and init.forwards_sigterm else None
