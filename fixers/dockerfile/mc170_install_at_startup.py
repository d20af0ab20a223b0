"""MC170: the container's command installs or downloads software every time it starts."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._run_scripts import read_run
from modcon.fixers.dockerfile._start_commands import final_commands
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.shell.simple_commands import Script
from modcon.registry import rule

_KEYWORDS = ('install', 'add', 'clone', 'pull', 'fetch', 'curl', 'wget', 'npx', 'pnpx', 'yarn',
             'sync', 'get', 'download', 'update', 'upgrade', 'require', 'create', 'mod', 'ci',
             ' i ', '"i"', 'pip')


def _script(document: DockerfileDocument, ins: Instruction) -> Script | None:
    stage = document.stages.stage_of(ins)
    if ins.args.json is None and document.stages.is_windows(stage):
        return None
    read = read_run(document, stage, ins)
    return read.script if read is not None else None


@rule(
    code='MC170',
    name='install-at-startup',
    kind=Kind.DOCKERFILE,
    property=Property.SELF_CONTAINED,
    severity=Severity.WARNING,
    fixable=FixAvailability.NEVER,
    aliases=(),
)
def install_at_startup(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Reports a final image whose `CMD` or `ENTRYPOINT` installs packages or
    downloads code or data when the container starts: `pip install`, `npm
    install`, `apt-get install`, `git clone`/`pull`, `curl -o`, `curl | sh`,
    `npx -y tool`, model downloads. The message says what to move into a
    `RUN` before the command.

    ## Why is this bad?
    The container does the install on every start, restart and replica: a
    registry outage or rate limit becomes a crash loop, start-up takes
    minutes and misses its health checks, clusters without internet access
    cannot run the image at all, and the versions that run were never
    tested or scanned with the image. A self-contained image holds
    everything its program needs.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY . .
    CMD pip install -r requirements.txt && python app.py
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY . .
    RUN pip install --no-cache-dir -r requirements.txt
    CMD ["python", "app.py"]
    ```

    ## Fix safety
    No fix: moving an install into the build changes when it runs and what
    it sees (files mounted at run time, secrets only the runtime has, the
    `USER`), so the author has to do it. Not reported: `curl`/`wget` that
    only print a response (readiness checks), `npx tool` without `-y` or a
    version (it runs the installed copy when there is one), `uv run`, and
    commands that modcon cannot read as a POSIX shell. Entrypoint scripts
    are checked by MC370.
    """
    for ins in final_commands(document):
        if ins is None:
            continue
        if not any(k in ins.args.text for k in _KEYWORDS):
            continue
        script = _script(document, ins)
        if script is None:
            continue
        from modcon.fixers._startup_fetches import startup_fetches  # a command that may fetch

        fetches = startup_fetches(script)
        if not fetches:
            continue
        listed = ', '.join(f'`{f.shown}` ({f.what})' for f in fetches[:3])
        more = f' and {len(fetches) - 3} more' if len(fetches) > 3 else ''
        yield Hit(ins.start, ins.end,
                  f'`{ins.name}` installs or downloads every time the container starts: '
                  f'{listed}{more}; move that into a `RUN` before the `{ins.name}` so the image '
                  f'holds what the program needs')
