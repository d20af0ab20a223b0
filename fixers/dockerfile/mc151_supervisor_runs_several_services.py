"""MC151: a process supervisor (supervisord) as the program, running several services in one."""
from __future__ import annotations

import posixpath
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.simple_commands import program_words
from modcon.registry import rule

SUPERVISORS = frozenset(('supervisord', 'runsvdir', 's6-svscan', 'circusd', 'pm2-runtime'))


@rule(
    code='MC151',
    name='supervisor-runs-several-services',
    kind=Kind.DOCKERFILE,
    property=Property.DISPOSABLE,
    severity=Severity.INFO,
    fixable=FixAvailability.NEVER,
    aliases=(),
)
def supervisor_runs_several_services(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds images whose program is a process supervisor (`supervisord`,
    `runsvdir`, `s6-svscan`, `circusd`, `pm2-runtime`), which runs several
    services in one container, and reports it with the alternative.

    ## Why is this bad?
    A supervisor does in the container what the orchestrator should do
    outside it. When a service crashes, the supervisor restarts it (or
    gives up on it) and the container keeps running and reports healthy: the
    orchestrator never sees the failure, the exit status of the container
    says nothing about any one service, and the logs of all services are
    interleaved. The services cannot be scaled, updated or rolled back one
    at a time, and a stop has to get through the supervisor's own shutdown
    order within one grace period. A disposable container has one concern.

    ## Example
    ```dockerfile
    FROM php:8.3-fpm
    RUN apt-get update && apt-get install -y --no-install-recommends nginx supervisor
    COPY supervisord.conf /etc/supervisor/conf.d/app.conf
    CMD ["/usr/bin/supervisord", "-n"]
    ```

    ## Use instead
    One image per service, composed by the orchestrator:

    ```yaml
    services:
      php:
        image: example/app-fpm      # CMD ["php-fpm"]
      web:
        image: example/app-nginx    # CMD ["nginx", "-g", "daemon off;"]
        depends_on: [php]
    ```

    ## Fix safety
    No fix: splitting a container is a design change. If the services must
    stay together, configure the supervisor so a crash ends the container
    (supervisord: `autorestart=false` and an event listener that stops
    `supervisord` on `PROCESS_STATE_FATAL`/`EXITED`), so the orchestrator
    can act on it. `pm2-runtime` with a single app is a plain Node runner
    and is reported only as a hint.
    """
    start = start_command(document)
    if start.program is None:
        return
    _words, values = program_words(start.program.command)
    name = posixpath.basename(values[0]) if values and values[0] else ''
    if name not in SUPERVISORS:
        return
    ins = start.program.instruction
    yield Hit(ins.start, ins.end,
              f'the container runs `{name}`, which keeps several services in one container: '
              f'when one crashes it is restarted or dropped inside, the container stays up, '
              f'and the orchestrator never sees the failure or can scale and replace the '
              f'services one at a time; run one service per container')
