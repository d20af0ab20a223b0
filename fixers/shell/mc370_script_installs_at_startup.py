"""MC370: an entrypoint script installs or downloads software every time the container starts."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.code_document import CodeDocument
from modcon.fixers._startup_fetches import startup_fetches
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.script import BOURNE_SHELLS
from modcon.readers.shell.script import interpreter
from modcon.readers.shell.simple_commands import read_commands
from modcon.registry import rule


@rule(
    code='MC370',
    name='script-installs-at-startup',
    kind=Kind.SHELL,
    property=Property.SELF_CONTAINED,
    severity=Severity.WARNING,
    fixable=FixAvailability.NEVER,
    aliases=(),
)
def script_installs_at_startup(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Reports commands in a container's entrypoint script that install packages
    or download code or data at start-up: `pip install`, `npm install`,
    `apt-get install`, `git clone`/`pull`, `curl -o`, `curl | sh`, model
    downloads. Commands inside a condition are reported as info: they may
    run only on some starts.

    ## Why is this bad?
    The script runs on every start, restart and replica. Each install is a
    dependency on the network at the worst moment: a registry outage becomes
    a crash loop, start-up outlasts the health checks, air-gapped clusters
    cannot run the image, and what runs was never tested with the image. A
    self-contained image holds everything its program needs.

    ## Example
    ```sh
    #!/bin/sh
    set -e
    pip install -r /app/requirements.txt
    exec gunicorn app:app
    ```

    ## Use instead
    ```dockerfile
    COPY requirements.txt /app/
    RUN pip install --no-cache-dir -r /app/requirements.txt
    ```
    and leave the script with `exec gunicorn app:app`.

    ## Fix safety
    No fix: the install must move into the Dockerfile, where it runs with
    other files, user and environment. Only scripts that a Dockerfile's
    command runs are checked (or scripts named on the command line).
    Readiness checks (`curl -sf`, `wget --spider`) are not reported.
    """
    if not document.is_entrypoint:
        return
    text = document.source.text
    shell = interpreter(text)
    if shell is not None and shell not in BOURNE_SHELLS:
        return
    script = read_commands(text)
    for fetch in startup_fetches(script):
        severity = Severity.INFO if fetch.nested else None
        when = 'may fetch' if fetch.nested else 'fetches'
        yield Hit(fetch.start, fetch.end,
                  f'`{fetch.shown}` {when} {fetch.what} every time the container starts; '
                  f'do it in a `RUN` of the Dockerfile so the image holds what the program '
                  f'needs', severity=severity)
