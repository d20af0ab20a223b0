"""MC143: a Python program that stops cleanly on SIGINT only, in an image that sends SIGTERM."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.knowledge.stop_signals import stop_signal
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.syntax import Instruction
from modcon.registry import rule


@rule(
    code='MC143',
    name='python-stops-on-sigint-only',
    kind=Kind.DOCKERFILE,
    property=Property.EXPLICIT_INTERFACES,
    severity=Severity.INFO,
    fixable=FixAvailability.ALWAYS,
    aliases=(),
)
def python_stops_on_sigint_only(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds images whose Python program handles SIGINT (`except
    KeyboardInterrupt`, `signal.signal(signal.SIGINT, ...)`) but never
    SIGTERM, and offers `STOPSIGNAL SIGINT` so that `docker stop` sends the
    signal the program was written for.

    ## Why is this bad?
    The program has a clean way to stop (its `KeyboardInterrupt` path
    closes files, finishes the batch, logs "bye"), but `docker stop` and
    Kubernetes send SIGTERM, which CPython leaves at its default action. As
    PID 1 the program ignores it and is killed after the grace period; under
    an init it dies at once. Either way the cleanup it has never runs. The
    signal that stops it gracefully is part of its interface, and
    `STOPSIGNAL` is where an image declares it.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY worker.py /app/
    CMD ["python", "/app/worker.py"]
    ```
    with `worker.py` ending in `except KeyboardInterrupt: flush(); sys.exit(0)`.

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY worker.py /app/
    STOPSIGNAL SIGINT
    CMD ["python", "/app/worker.py"]
    ```

    ## Fix safety
    One choice, never both. MC201 fixes the program itself (a safe fix): its
    handler makes SIGTERM raise `KeyboardInterrupt`, so `docker stop`, `kill`
    and process managers all take the program's own `except
    KeyboardInterrupt` path. While MC201 applies to the program, this rule's
    `STOPSIGNAL SIGINT` is shown as the other way (display-only: never
    written, even with `--unsafe-fixes`), and once MC201's fix is in, this
    rule is quiet. To choose `STOPSIGNAL SIGINT` instead, switch MC201 off
    for the program with `# modcon: ignore-file=MC201` in it; the fix is
    then offered as unsafe: `docker stop` runs the `KeyboardInterrupt` path,
    but anything that sends SIGTERM by hand (`kill`, a process manager)
    still does not stop the program. (With MC201 switched off in the
    configuration instead, raise this fix with `fix-safety`.) Kubernetes uses
    the image's `STOPSIGNAL` through its container runtime.

    Servers whose measured behaviour as PID 1 is the same (`modcon.knowledge.servers`):
    the Flask development server (`flask run`, `python -m flask run` without
    the reloader) and `python -m http.server` ignore SIGTERM and stop
    cleanly on SIGINT. For them this is a warning with a safe fix, since
    their code is not the repository's and MC201 cannot add a handler.

    Not reported: images with any `STOPSIGNAL` of their own, programs that
    hand over to a framework with its own SIGTERM handling (uvicorn,
    aiohttp, gunicorn, ...), and programs behind a shell that stays PID 1.
    """
    resolution = document.resolution
    project = document.project
    if resolution.server is not None and resolution.server.stops_on == 'SIGINT':
        yield from _server_stops_on_sigint(document)
        return
    if project is None or resolution.handled_by is not None:
        return
    targets = [t for t in resolution.targets if t.kind == Kind.PYTHON and t.invocation.as_main]
    if not targets:
        return
    ins = _pid1_command(document)
    if ins is None:
        return
    from modcon.fixers.dockerfile._insert_line import insert_beside
    from modcon.fixers.dockerfile._python_sigint import opts_out_of_mc201
    from modcon.fixers.dockerfile._python_sigint import sigint_only

    for target in targets:
        text = project.read(target.path)
        if not text:
            continue
        found = sigint_only(text)
        if found is None:
            continue
        edits = insert_beside(document, ins, 'STOPSIGNAL SIGINT')
        message = (f'`{target.path}` stops cleanly on SIGINT ({found.how}, line {found.line}) '
                   f'but never handles SIGTERM, which `docker stop` sends: its cleanup never '
                   f'runs')
        if opts_out_of_mc201(text):
            fix = Fix.unsafe('Declare `STOPSIGNAL SIGINT` (chosen instead of MC201\'s SIGTERM '
                             'handler)', edits)
            message += '; MC201 is switched off for it: declare `STOPSIGNAL SIGINT`'
        else:
            # MC201 fixes the code; this is only the other way, shown, never
            # applied, so that the two are never both made.
            fix = Fix.display_only('Declare `STOPSIGNAL SIGINT` (instead of MC201\'s fix)', edits)
            how = 'so that SIGTERM takes that same path' if 'KeyboardInterrupt' in found.how \
                else 'so that SIGTERM takes that same handler, or exits with status 0 when the ' \
                     'handler does nothing else'
            message += (f'; MC201 fixes the code {how}; to declare `STOPSIGNAL SIGINT` '
                        f'instead, add `# modcon: ignore-file=MC201` to `{target.path}`')
        yield Hit(ins.start, ins.end, message, fix)
        return


def _server_stops_on_sigint(document: DockerfileDocument) -> Iterator[Hit]:
    """A server the command starts ignores SIGTERM as PID 1 and stops on SIGINT
    (``flask run``, ``python -m http.server``; measured, see ``modcon.knowledge.servers``)."""
    server = document.resolution.server
    assert server is not None
    ins = _pid1_command(document)
    if ins is None:
        return
    from modcon.fixers.dockerfile._insert_line import insert_beside  # with a finding only

    fix = Fix.safe('Declare `STOPSIGNAL SIGINT`, the signal the server stops on',
                   insert_beside(document, ins, 'STOPSIGNAL SIGINT'))
    yield Hit(ins.start, ins.end,
              f'{server.name} runs as PID 1 and ignores SIGTERM, which `docker stop` sends: '
              f'it is killed after the grace period; it stops cleanly on SIGINT: '
              f'{server.remedy}', fix, Severity.WARNING)


def _pid1_command(document: DockerfileDocument) -> Instruction | None:
    """The CMD/ENTRYPOINT whose program is PID 1, in an image without a STOPSIGNAL."""
    stages = document.stages
    if stages.is_windows(stages.final) or stop_signal(document) is not None:
        return None
    start = start_command(document)
    if start.program is None or not start.program_is_pid1:
        return None
    return start.program.instruction
