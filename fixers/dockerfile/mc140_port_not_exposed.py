"""MC140: the program listens on a port that the image does not declare with EXPOSE."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._start_commands import StartCommand
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.syntax import Instruction
from modcon.registry import rule

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.fixers.dockerfile._ports import Port


@rule(
    code='MC140',
    name='port-not-exposed',
    kind=Kind.DOCKERFILE,
    property=Property.EXPLICIT_INTERFACES,
    severity=Severity.WARNING,
    fixable=FixAvailability.ALWAYS,
    aliases=(),
)
def port_not_exposed(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds the TCP ports the container's program is told to listen on, in its
    start command (`--port 8080`, `-b 0.0.0.0:8000`, `runserver
    0.0.0.0:8000`, `python -m http.server 8000`) or in the entrypoint code
    the command runs (`HTTPServer(("", 8000), ...)`, `app.listen(3000)`,
    `web.run_app(app, port=8080)`), and adds an `EXPOSE` for each one the
    final image does not declare.

    ## Why is this bad?
    Whoever runs the image (a Compose file, a Kubernetes Service, `docker
    run -P`) has only the image to go by. `EXPOSE` is where an image states
    which port it serves on; `docker image inspect` shows it, `docker run -P`
    publishes it, and tools that generate Services and port mappings read
    it. Without it the port lives in a README, or nowhere, and the first
    sign of a mismatch is "connection refused". A module container states its
    interfaces.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY . /app
    CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY . /app
    EXPOSE 8080
    CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080"]
    ```

    ## Fix safety
    Safe: `EXPOSE` is metadata. The program listens where it did; the only
    runtime difference is that `docker run -P` now also publishes that port,
    which is what `-P` is for. The new line goes above the `CMD` or
    `ENTRYPOINT` that starts the program, or below it when comment lines
    (which may be pragmas for it) sit above it.

    Ports are taken only from what the files state: an option or address of
    the start command, a `$PORT` or `${PORT:-8000}` resolved through the
    image's `ENV`, or a plain call in the code. Framework defaults are not
    guessed, except where the call itself implies the port (aiohttp's
    `run_app` and waitress's `serve` listen on 8080). Addresses on the
    loopback interface (`127.0.0.1:8000`, Flask's and uvicorn's default
    host) are left out: such a port cannot be published at all. No finding
    when an `EXPOSE` uses a variable that cannot be resolved.
    """
    stages = document.stages
    if stages.is_windows(stages.final):
        return
    start = start_command(document)
    if not start.steps:
        return
    from modcon.fixers.dockerfile._ports import command_ports
    from modcon.fixers.dockerfile._ports import declared_ports

    env = document.resolution.env
    found: dict[int, tuple[Port, Instruction, str]] = {}
    for step in start.steps:
        command = step.command
        if not (command.final or command.background):
            continue  # set-up commands name other services' ports (`wait-for db:5432`)
        for port in command_ports(command.written, command.values, env):
            found.setdefault(port.number, (port, step.instruction, step.where))
    runner = _runner(start)
    if runner is not None:
        for port, instruction, where in _code_ports(document, runner):
            found.setdefault(port.number, (port, instruction, where))
    if not found:
        return
    declared = declared_ports(document, env)
    if declared is None:
        return  # an EXPOSE we cannot read may well declare it
    missing = sorted(n for n in found if n not in declared)
    if not missing:
        return
    instruction = found[missing[0]][1]
    how = '; '.join(f'{n} ({found[n][0].how}, {found[n][2]})' for n in missing)
    plural = 's' if len(missing) > 1 else ''
    ports = ' '.join(str(n) for n in missing)
    message = (f'the container listens on port{plural} {how}, but the image does not declare '
               f'{"them" if plural else "it"} with `EXPOSE`: `docker image inspect`, `docker '
               f'run -P` and whoever writes the Compose file or Kubernetes Service cannot see '
               f'{"them" if plural else "it"}')
    from modcon.fixers.dockerfile._insert_line import insert_beside  # with a finding only

    fix = Fix.safe(f'Add `EXPOSE {ports}`', insert_beside(document, instruction,
                                                          f'EXPOSE {ports}'))
    yield Hit(instruction.start, instruction.end, message, fix)


def _runner(start: StartCommand) -> Instruction | None:
    """The instruction that runs the program's code (for ports found in the code)."""
    if start.program is not None:
        return start.program.instruction
    return start.cmd or start.entrypoint


def _code_ports(document: DockerfileDocument,
                instruction: Instruction) -> Iterator[tuple[Port, Instruction, str]]:
    project = document.project
    if project is None:
        return
    resolution = document.resolution
    for target in resolution.targets:
        if target.kind not in (Kind.PYTHON, Kind.JAVASCRIPT) or not target.invocation.as_main:
            continue
        text = project.read(target.path)
        if not text:
            continue
        if target.kind == Kind.PYTHON:
            from modcon.fixers.dockerfile._code_ports import python_ports as read
        else:
            from modcon.fixers.dockerfile._code_ports import javascript_ports as read
        for port, line in read(text, resolution.env):
            yield port, instruction, f'`{target.path}` line {line}'
