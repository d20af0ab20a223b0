"""MC153: every container start migrates the database before starting the program."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.simple_commands import CONDITION
from modcon.readers.shell.simple_commands import FUNCTION
from modcon.readers.shell.simple_commands import LOOP
from modcon.readers.shell.simple_commands import program_words
from modcon.registry import rule


@rule(
    code='MC153',
    name='migrations-in-start-command',
    kind=Kind.DOCKERFILE,
    property=Property.DISPOSABLE,
    severity=Severity.INFO,
    fixable=FixAvailability.NEVER,
    aliases=(),
)
def migrations_in_start_command(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds start commands (the Dockerfile's own, or the entrypoint script it
    runs) that apply database migrations (`manage.py migrate`, `alembic
    upgrade`, `rails db:migrate`, `prisma migrate deploy`, `php artisan
    migrate`, ...) before they start the program, and reports them with the
    alternative.

    ## Why is this bad?
    A start command runs in every replica, on every restart. Two replicas
    starting together run the same migration at the same time; depending
    on the tool, one of them fails, waits on a lock, or both apply half of
    it. A long migration holds up the start past liveness probes, so the
    orchestrator kills the container mid-migration and starts it again. A
    failed migration takes the serving container down with it, and a
    rollback to the previous image starts against a schema that has already
    moved on. Migrating is a one-off task; a disposable container starts
    fast and can be replaced at any moment.

    ## Example
    ```sh
    #!/bin/sh
    set -e
    python manage.py migrate --noinput
    exec "$@"
    ```

    ## Use instead
    Run the migration once per release, in its own container from the
    same image: a Kubernetes Job or Helm pre-upgrade hook, an init container,
    or a Compose service the application waits for:

    ```yaml
    services:
      migrate:
        image: example/app
        command: ["python", "manage.py", "migrate", "--noinput"]
      web:
        image: example/app
        depends_on:
          migrate:
            condition: service_completed_successfully
    ```

    ## Fix safety
    No fix: the replacement lives in the deployment, not the image. A
    container whose whole command is the migration (the `migrate` service
    above) is the recommended pattern and is not reported, nor is a
    migration the operator switches on for one container
    (`if [ "$RUN_MIGRATIONS" = 1 ]; then ...; fi`).
    """
    start = start_command(document)
    if all(step.command.final for step in start.steps):
        return  # one command and nothing before it: nothing runs ahead of the program
    from modcon.fixers.dockerfile._slow_start import gated
    from modcon.fixers.dockerfile._slow_start import migration

    for step in start.steps:
        command = step.command
        if command.final or command.context & {FUNCTION, LOOP, CONDITION} or gated(command):
            continue
        _words, values = program_words(command)
        found = migration(values)
        if found is None:
            continue
        ins = step.instruction
        program = program_words(start.program.command)[0] if start.program is not None else ()
        before = f' before it starts `{program[0]}`' if program else ''
        yield Hit(ins.start, ins.end,
                  f'every container start runs `{found}` ({step.where}){before}: replicas '
                  f'starting together race on the schema, a long migration holds the start '
                  f'past its probes, and a rollback starts on a migrated database; run it once '
                  f'per release in its own container (a Job, an init container, or a Compose '
                  f'service with `service_completed_successfully`)')
