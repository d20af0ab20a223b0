"""MC142: nginx as the container's program, stopped with SIGTERM (its fast, not graceful, stop)."""
from __future__ import annotations

import posixpath
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.knowledge.servers import server_for
from modcon.knowledge.stop_signals import base_sets_sigquit
from modcon.knowledge.stop_signals import stop_signal
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.simple_commands import program_words
from modcon.registry import rule


@rule(
    code='MC142',
    name='nginx-without-sigquit',
    kind=Kind.DOCKERFILE,
    property=Property.EXPLICIT_INTERFACES,
    severity=Severity.WARNING,
    fixable=FixAvailability.ALWAYS,
    aliases=('tally:tally/prefer-nginx-sigquit',),
)
def nginx_without_sigquit(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds images whose program is nginx (or OpenResty), running as PID 1 or
    under an init, on a base image that does not already declare
    `STOPSIGNAL SIGQUIT`, and adds that declaration.

    ## Why is this bad?
    nginx treats SIGTERM as "fast shutdown": it closes every connection at
    once, requests in flight included. Its graceful shutdown, which stops
    accepting connections and lets the workers finish what they serve, is
    SIGQUIT. `docker stop` and Kubernetes send SIGTERM unless the image says
    otherwise, so every rolling update cuts live requests. The stop signal is
    part of an image's interface; the official `nginx` image declares
    `STOPSIGNAL SIGQUIT` for this reason.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends nginx \
     && rm -rf /var/lib/apt/lists/*
    CMD ["nginx", "-g", "daemon off;"]
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get install -y --no-install-recommends nginx \
     && rm -rf /var/lib/apt/lists/*
    STOPSIGNAL SIGQUIT
    CMD ["nginx", "-g", "daemon off;"]
    ```

    ## Fix safety
    Safe: only the stop changes, from nginx's fast shutdown to its graceful
    one, which is the improvement. A stop now waits for requests in flight,
    within the same grace period; long-lived connections (WebSockets) can
    hold it until the grace period ends and SIGKILL, as they would be cut
    by it anyway.

    Not reported: images built `FROM nginx` (or `nginxinc/nginx-unprivileged`,
    `openresty/openresty`), which inherit `STOPSIGNAL SIGQUIT`; images that
    set any `STOPSIGNAL` themselves (a deliberate choice; MC141 checks the
    ungraceful ones); and nginx behind a shell that stays PID 1 (shell-form
    `CMD`, a script without `exec`), where SIGQUIT would reach only the shell:
    MC101 and MC301 fix that first.
    """
    stages = document.stages
    if stages.is_windows(stages.final):
        return
    start = start_command(document)
    program = start.program
    if program is None or not start.program_is_pid1:
        return
    _, values = program_words(program.command)
    first = values[0] if values else None
    found = server_for([first], {}) if first is not None else None
    if first is None or found is None or found[1].drains_on != 'SIGQUIT':  # knowledge.servers
        return
    if stop_signal(document) is not None or base_sets_sigquit(document):
        return
    name = posixpath.basename(first)
    ins = program.instruction
    from modcon.fixers.dockerfile._insert_line import insert_beside  # with a finding only

    fix = Fix.safe('Declare `STOPSIGNAL SIGQUIT` (nginx\'s graceful shutdown)',
                   insert_beside(document, ins, 'STOPSIGNAL SIGQUIT'))
    yield Hit(ins.start, ins.end,
              f'the container runs `{name}` but stops it with SIGTERM, {name}\'s fast '
              f'shutdown, which cuts requests in flight on every `docker stop` and rolling '
              f'update; its graceful shutdown is SIGQUIT', fix)
