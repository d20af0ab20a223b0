"""MC133: a log file that a link to the container's streams cannot (or does not) serve."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._log_image import image_logs
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule


@rule(
    code='MC133',
    name='log-link-ineffective',
    kind=Kind.DOCKERFILE,
    property=Property.STANDARD_STREAMS,
    severity=Severity.WARNING,
    fixable=FixAvailability.NEVER,
    aliases=(),
)
def log_link_ineffective(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds log output that a symlink to `/dev/stdout` or `/dev/stderr` cannot
    bring to the container's streams (supervisord's rotating logs, squid's
    helper-written access log, cron jobs' output files, one file linked to
    both streams), whether or not the Dockerfile already made the link, and
    says what to configure instead.

    In detail:

    - supervisord's own log and its programs' output, which it writes to
      files and rotates (`logfile`, `stdout_logfile`, `stderr_logfile`, from
      its package's defaults or a copied configuration), and streams
      configured without `..._maxbytes=0`;
    - squid's `access.log`, written by its `daemon:` log helper;
    - files that cron jobs redirect their output to;
    - a path linked to `/dev/stdout` and to `/dev/stderr`: only the second
      link remains;
    - a link made by a `RUN` after a `VOLUME` that holds it: podman, buildah
      and Docker's legacy builder drop what a `RUN` writes in a volume
      (measured with podman), only BuildKit keeps it.

    ## Why is this bad?
    `/dev/stdout` is `/proc/self/fd/1`: each process's own stdout. A link
    reaches `docker logs` only when the process that writes through it has
    the container's stdout, never renames the file and never seeks in it. A
    cron job's stdout is cron's; squid's log helper talks to squid on its
    stdout; supervisord rotates its logs by renaming and seeking, which fails
    on a stream ("Illegal seek", Supervisor/supervisor#935). The logs stay
    invisible, or the program fails, while the Dockerfile looks fixed.

    ## Example
    ```ini
    ; supervisord.conf, copied into the image
    [supervisord]
    nodaemon=true
    logfile=/var/log/supervisor/supervisord.log

    [program:web]
    command=gunicorn app:app
    ```

    ## Use instead
    ```ini
    [supervisord]
    nodaemon=true
    logfile=/dev/stdout
    logfile_maxbytes=0

    [program:web]
    command=gunicorn app:app
    stdout_logfile=/dev/stdout
    stdout_logfile_maxbytes=0
    stderr_logfile=/dev/stderr
    stderr_logfile_maxbytes=0
    ```

    For squid, `access_log stdio:/dev/stdout`; for cron jobs, redirect to
    `/proc/1/fd/1` (PID 1's stdout; some AppArmor profiles deny it, moby#19616),
    or better, run the job as its own container (a Kubernetes CronJob).

    ## Fix safety
    No automatic fix: the change belongs in the program's configuration
    file, not in the Dockerfile, and for cron it changes how jobs run. The
    finding names the file, the line and the setting to use.
    """
    stages = document.stages
    if stages.is_windows(stages.final):
        return
    from modcon.fixers.dockerfile._log_pitfalls import pitfalls

    for pitfall in pitfalls(document, image_logs(document)):
        ins = pitfall.instruction
        yield Hit(ins.start, ins.end, pitfall.message)
