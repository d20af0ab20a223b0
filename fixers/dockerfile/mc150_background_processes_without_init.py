"""MC150: start-up runs processes in the background with no init to reap and stop them."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._start_commands import StartStep
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.properties import Property
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.shell.simple_commands import FUNCTION
from modcon.readers.shell.simple_commands import SUBSTITUTION
from modcon.registry import rule


@rule(
    code='MC150',
    name='background-processes-without-init',
    kind=Kind.DOCKERFILE,
    property=Property.DISPOSABLE,
    fixable=FixAvailability.NEVER,
    aliases=(),
)
def background_processes_without_init(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds images whose start-up runs programs in the background (`&`), in
    an exec-form `sh -c` command or in the entrypoint script the command
    runs, with no init (`tini`, `dumb-init`, ...) in front, and says where
    an init goes.

    ## Why is this bad?
    Whatever is PID 1 in the container has two jobs nobody else does: reap
    orphaned processes, and pass the stop signal on. A shell or an
    application started as PID 1 does neither for processes it did not
    start and `wait` for: exited children stay as zombies until the
    process table or the cgroup's `pids.max` is full, and on `docker stop`
    the background services get no SIGTERM, so they are killed mid-write
    when the grace period ends. Nothing notices when one of them crashes
    either: the container keeps running without it. A disposable container
    can be stopped at any moment and loses nothing.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY start.sh /start.sh
    CMD ["/start.sh"]
    ```
    with `start.sh` running `celery -A app worker &` and then
    `exec gunicorn app:app`.

    ## Use instead
    Best, one container per process: a `worker` service running
    `celery -A app worker` next to the web service. If they must share a
    container, put an init in front that reaps and signals the whole
    process group:

    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends tini \
     && rm -rf /var/lib/apt/lists/*
    COPY start.sh /start.sh
    ENTRYPOINT ["/usr/bin/tini", "-g", "--"]
    CMD ["/start.sh"]
    ```

    ## Fix safety
    No fix: an init has to be installed (or `docker run --init` used, which
    Kubernetes has no equivalent of), and whether to split the container
    is a design decision.

    Not reported: a script that traps SIGTERM, passes it on with `kill`
    and `wait`s for its background jobs (`trap forward TERM; app & wait`):
    it stops and reaps them itself.

    Interplay: a shell-form `CMD` with `&` is reported by MC101, and a script
    that cannot `exec` its last command because of background jobs by MC301,
    both with the same advice; MC150 reports the cases they do not see, such
    as an exec-form `["sh", "-c", "... & ..."]` or a script that backgrounds
    a service and then `exec`s another program, which, as PID 1, neither
    reaps nor stops the first.
    """
    start = start_command(document)
    if start.init is not None or not start.steps:
        return
    by_instruction: dict[Instruction, list[StartStep]] = {}
    reported: dict[str, bool] = {}  # by script: each is read once, not once per `&` in it
    for step in start.steps:
        command = step.command
        if not command.background or command.context & {FUNCTION, SUBSTITUTION}:
            continue
        if step.script is None and not step.instruction.is_exec_form:
            continue  # a shell-form CMD/ENTRYPOINT with `&`: MC101 reports it
        if step.script is not None:
            if step.script not in reported:
                reported[step.script] = (_mc301_reports(document, step.script)
                                         or _forwards_signals(document, step.script))
            if reported[step.script]:
                continue
        by_instruction.setdefault(step.instruction, []).append(step)
    for ins, steps in by_instruction.items():
        listed = ', '.join(f'`{_short(s.command.written)} &` ({s.where})' for s in steps[:3])
        yield Hit(ins.start, ins.end,
                  f'the container runs {listed} in the background with no init in front: '
                  f'nothing reaps its exited children, `docker stop` never reaches it, and it '
                  f'can crash unnoticed; give it its own container, or run everything under '
                  f'`tini -g --` (`ENTRYPOINT ["tini", "-g", "--"]`, or `docker run --init`)')


def _mc301_reports(document: DockerfileDocument, path: str) -> bool:
    """MC301 already reports this script's background jobs (it cannot `exec` its end)."""
    project = document.project
    text = project.read(path) if project is not None else None
    if text is None:
        return False
    from modcon.readers.shell.script import analyze_script

    return analyze_script(text).status == 'background'


def _forwards_signals(document: DockerfileDocument, path: str) -> bool:
    """The script traps SIGTERM, passes it on with `kill` and `wait`s for its jobs
    (``trap handler TERM; app & wait``): it stops and reaps them itself."""
    project = document.project
    text = project.read(path) if project is not None else None
    if text is None or 'trap' not in text:
        return False
    from modcon.readers.shell.simple_commands import program_commands

    commands = program_commands(text) or ()
    traps_term = any(c.name == 'trap' and any(
        (v or '').upper().removeprefix('SIG') in ('TERM', '15') for v in c.arg_values[1:])
        for c in commands)
    names = {c.name for c in commands}
    return traps_term and 'wait' in names and ('kill' in names or 'kill' in text)


def _short(words: tuple[str, ...], limit: int = 40) -> str:
    text = ' '.join(words)
    return text if len(text) <= limit else text[:limit - 1] + '…'
