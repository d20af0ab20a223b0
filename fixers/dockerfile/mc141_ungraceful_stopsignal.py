"""MC141: STOPSIGNAL SIGKILL or SIGSTOP, so the container can never stop gracefully."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.knowledge.stop_signals import normalize
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule

_UNGRACEFUL = {
    'SIGKILL': 'SIGKILL cannot be caught: the program is killed at once, with no chance '
               'to finish requests, flush data or release locks',
    'SIGSTOP': 'SIGSTOP cannot be caught either: it freezes the program instead of '
               'stopping it, and the runtime kills it with SIGKILL when the grace period ends',
}


@rule(
    code='MC141',
    name='ungraceful-stopsignal',
    kind=Kind.DOCKERFILE,
    property=Property.EXPLICIT_INTERFACES,
    severity=Severity.WARNING,
    fixable=FixAvailability.ALWAYS,
    aliases=('tally:tally/no-ungraceful-stopsignal',),
    reads=('STOPSIGNAL',),
)
def ungraceful_stopsignal(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `STOPSIGNAL` instructions that name SIGKILL or SIGSTOP (also as
    `9`, `KILL`, `sigstop`, ...), and replaces them with SIGTERM.

    ## Why is this bad?
    `STOPSIGNAL` is the image's statement of how it wants to be stopped:
    `docker stop`, Compose and the Kubernetes runtimes send it first and
    SIGKILL only when the grace period ends. SIGKILL and SIGSTOP cannot be
    caught, so the program never gets to shut down cleanly: requests in
    flight are cut, buffers and transactions are lost, and the exit status is
    137, which looks like an out-of-memory kill. SIGSTOP is worse: the
    container hangs frozen for the whole grace period first. A module
    container declares a stop signal it can honour.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    STOPSIGNAL SIGKILL
    CMD ["/usr/local/bin/worker"]
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    STOPSIGNAL SIGTERM
    CMD ["/usr/local/bin/worker"]
    ```

    Or remove the line: SIGTERM is the default. Use the program's own
    graceful signal where it has one (SIGQUIT for nginx, SIGINT for
    PostgreSQL's fast shutdown).

    ## Fix safety
    Unsafe: only the signal's name changes, to SIGTERM, but that changes how
    the container stops. A program that handles SIGTERM now shuts down
    cleanly, which is the point; one that does not handle it as PID 1 (see
    [1a](#1a-react-to-signals)) now takes the whole grace period to stop
    instead of dying at once, and some programs have another graceful
    signal. Windows stages (no POSIX signals) and `STOPSIGNAL $VAR` are not
    checked.
    """
    stages = document.stages
    for stage in stages:
        if stages.is_windows(stage):
            continue
        for ins in stage.instructions:
            command = ins.command
            if command.name != 'STOPSIGNAL':
                continue
            signal = normalize(command.args.text)
            if signal not in _UNGRACEFUL:
                continue
            start = command.source_offset(command.args.offset)
            end = command.source_offset(command.args.offset + len(command.args.text) - 1) + 1
            fix = Fix.unsafe('Stop with SIGTERM: `STOPSIGNAL SIGTERM`', Edit(start, end, 'SIGTERM'))
            yield Hit(ins.start, ins.end,
                      f'`STOPSIGNAL {command.args.text}`: {_UNGRACEFUL[signal]}', fix)
