"""MC152: the start command waits a fixed time, or only keeps the container alive."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.properties import Property
from modcon.readers.shell.simple_commands import program_words
from modcon.registry import rule


@rule(
    code='MC152',
    name='sleep-in-start-command',
    kind=Kind.DOCKERFILE,
    property=Property.DISPOSABLE,
    fixable=FixAvailability.NEVER,
    aliases=(),
)
def sleep_in_start_command(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds start commands (the Dockerfile's own, or the entrypoint script it
    runs) that wait a fixed time before starting the program (`sleep 10 &&
    ...`), and containers whose main process only keeps them alive (`sleep
    infinity`, `tail -f /dev/null`). Reports them with the alternative.

    ## Why is this bad?
    A fixed sleep is a guess at how long a dependency takes to come up. Too
    short, and the container fails and restarts in a loop; too long, and
    every start is slow, including each replacement during a rolling update
    or after a node failure, when speed matters most. The program has to
    cope with a dependency that goes away later anyway.

    A keep-alive process as the main process means the container's real
    services run beside it: when they crash the container keeps running, so
    no restart policy or health check acts; `tail` and `sleep` as PID 1
    ignore SIGTERM, so every stop waits out the grace period. A disposable
    container starts fast and stops when its work stops.

    ## Example
    ```dockerfile
    CMD ["sh", "-c", "sleep 15 && exec gunicorn -b 0.0.0.0:8000 app:app"]
    ```

    ## Use instead
    Retry the connection in the program (with a deadline), or let the
    orchestrator order the start: `depends_on` with `condition:
    service_healthy` in Compose, readiness probes or an init container in
    Kubernetes.

    ```dockerfile
    CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
    ```

    ## Fix safety
    No fix: the right replacement (a retry loop in the code, a health
    condition in the Compose file) lives outside the Dockerfile. Sleeps
    inside a readiness loop (`until nc -z db 5432; do sleep 1; done`) are
    real checks and are not reported, nor are sleeps in functions or
    conditions, or a final `sleep` that is the program's own job (a
    container that runs `sleep 30` and exits).
    """
    start = start_command(document)
    if not any(word in ('sleep', 'tail') or word.endswith(('/sleep', '/tail'))
               for step in start.steps for word in step.command.values[:2] if word):
        return  # the common case: nothing sleeps or tails
    from modcon.fixers.dockerfile._slow_start import fixed_sleep
    from modcon.fixers.dockerfile._slow_start import keep_alive

    for step in start.steps:
        command = step.command
        ins = step.instruction
        waited = fixed_sleep(command)
        if waited is not None:
            program = program_words(start.program.command)[0] if start.program is not None else ()
            after = f' before `{program[0]}`' if program and \
                keep_alive(start.program.command.values) is None else ''  # type: ignore[union-attr]
            yield Hit(ins.start, ins.end,
                      f'the start command waits a fixed `{" ".join(command.written)}` '
                      f'({step.where}){after}: a guess at how long a dependency takes, which '
                      f'crash-loops when too short and slows every start when too long; retry '
                      f'the connection in the program, or let the orchestrator wait for '
                      f'readiness (`depends_on: condition: service_healthy`)')
            continue
        if not command.final or command.background or start.program is not step:
            continue
        shown = keep_alive(command.values)
        if shown is None:
            continue
        others = [s for s in start.steps if s.command.background]
        beside = ' while the services run in the background' if others else ''
        yield Hit(ins.start, ins.end,
                  f'the container\'s main process is `{shown}` ({step.where}){beside}: it does '
                  f'no work, so the container stays up when the real services crash, and as '
                  f'PID 1 it ignores SIGTERM (with `exec` too; an init such as `docker run '
                  f'--init` stops it); make the service itself the main process')
