"""MC120: a curl health check that calls HTTP errors healthy, or exits with codes other than 0/1."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._exec_form import Rewrite
from modcon.fixers.dockerfile._exec_form import json_array
from modcon.knowledge import images
from modcon.model import Applicability
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile import jsonish
from modcon.readers.dockerfile.stages import Command
from modcon.readers.dockerfile.stages import Stage
from modcon.readers.dockerfile.stages import commands
from modcon.readers.dockerfile.stages import shell_for
from modcon.readers.dockerfile.stages import shell_script
from modcon.registry import rule

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.fixers.dockerfile._healthcheck_probe import Probe


@rule(
    code='MC120',
    name='healthcheck-wrong-exit-status',
    kind=Kind.DOCKERFILE,
    property=Property.EXIT_CODES,
    severity=Severity.WARNING,
    fixable=FixAvailability.SOMETIMES,
    aliases=(),
    reads=('HEALTHCHECK',),
)
def healthcheck_wrong_exit_status(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `HEALTHCHECK` probes that run `curl` without `-f`/`--fail`, which
    exit 0 when the application answers with an error, and probes with
    `-f` whose raw curl status (7, 22, 28, ...) is not mapped to 1. The fix
    writes the probe as `curl -f ... || exit 1` under the image's shell.

    ## Why is this bad?
    A health check says one thing through its exit status: 0 healthy, 1
    unhealthy (Docker reserves 2). Without `-f`, curl exits 0 whenever the
    server answers at all, so an application that returns 500 on every
    request is reported healthy: Compose's `condition: service_healthy`
    starts its dependants, Swarm keeps routing to it, and nothing restarts
    it. With `-f`, failures come out as 7 (refused), 22 (HTTP error) or 28
    (timeout): Docker counts them as unhealthy, but other readers of the
    status expect the contract. A module container's statuses mean what
    they say.

    ## Example
    ```dockerfile
    HEALTHCHECK --interval=30s CMD curl http://localhost:8080/healthz
    ```

    ## Use instead
    ```dockerfile
    HEALTHCHECK --interval=30s \
      CMD ["/bin/sh", "-c", "curl -f http://localhost:8080/healthz || exit 1"]
    ```

    ## Fix safety
    Mapping curl's status to 1 (`|| exit 1`) is safe: Docker already counted
    every non-zero status as unhealthy. It keeps, or adds, a shell: for an
    exec-form probe the shell must exist in the image, so that fix is safe
    when the base image is a known one with a shell or a shell-form `RUN`
    in the stage proves it, and unsafe otherwise. The probe is written in
    exec form with the shell in effect (`SHELL`, else `/bin/sh -c`), which
    is what shell form ran, and MC102 leaves it alone.

    Adding `-f` is unsafe: it is the point of the rule, but responses of 400
    and above now make the container unhealthy, so a probe URL that answers
    401 or 404 while the application works (a path that needs login, a
    typo) turns a healthy container unhealthy. Check the URL before
    applying it.

    Only probes that are one `curl` command (optionally `|| exit 1`) are
    read. Probes with pipes, `grep`, `&&` or scripts decide their own
    status and are left alone, as are Windows stages, non-POSIX shells and
    probes with a trailing shell comment (reported without a fix).
    """
    stages = document.stages
    found = commands(stages, ('HEALTHCHECK',))
    if not found:
        return
    from modcon.fixers.dockerfile._healthcheck_probe import read_probe

    for command in found:
        ins = command.instruction
        if not ins.args.text or stages.is_windows(command.stage):
            continue
        if ins.args.json_error is not None and jsonish.intends_json(ins.args.text):
            continue  # not valid JSON: MC103 reports it
        shell = shell_for(stages, command)
        argv = ins.args.json
        script = shell_script(argv) if argv is not None else None
        if argv is not None and script is not None:
            prefix: tuple[str, ...] | None = argv[:-1] if len(argv) == 3 else None
            probe = read_probe(None, script) if prefix is not None else None
            shell_present = True
        elif argv is not None:
            prefix = shell
            probe = read_probe(argv, None)
            shell_present = _has_shell(document, command.stage)
        else:
            if shell is None:
                continue
            prefix = shell
            probe = read_probe(None, ins.args.text)
            shell_present = True
        if probe is None or (probe.fails_on_http_errors and probe.maps_to_one):
            continue
        yield _hit(document, command, probe, prefix, shell_present)


def _hit(document: DockerfileDocument, command: Command, probe: Probe,
         prefix: tuple[str, ...] | None, shell_present: bool) -> Hit:
    outer = command.outer
    keyword = 'ONBUILD HEALTHCHECK' if command.onbuild else 'HEALTHCHECK'
    if not probe.fails_on_http_errors:
        message = (f'`{keyword}` runs `curl` without `-f`, which exits 0 whenever the server '
                   f'answers, errors included: an application that returns 500 is reported '
                   f'healthy')
        severity = None
    else:
        message = (f'`{keyword}` exits with curl\'s own status (7 refused, 22 HTTP error, 28 '
                   f'timeout) where the health-check contract is 0 healthy, 1 unhealthy; map '
                   f'failures to 1 with `|| exit 1`')
        severity = Severity.INFO
    fix = _fix(document, command, probe, prefix, shell_present)
    return Hit(outer.start, outer.end, message, fix, severity)


def _fix(document: DockerfileDocument, command: Command, probe: Probe,
         prefix: tuple[str, ...] | None, shell_present: bool) -> Fix | None:
    if prefix is None:
        return None
    if probe.script is not None:
        from modcon.readers.shell.shell_form import analyze

        if analyze(probe.script).comment is not None:
            return None  # a trailing `# comment` cannot be carried into the JSON string
        script = probe.script.strip()
        offset = probe.script.find(script)
        name_end = probe.name_end - offset
        if not probe.fails_on_http_errors:
            script = f'{script[:name_end]} -f{script[name_end:]}'
    else:
        import shlex

        assert probe.argv is not None
        argv = list(probe.argv)
        if not probe.fails_on_http_errors:
            argv.insert(1, '-f')
        script = shlex.join(argv)
    if not probe.maps_to_one:
        script = f'{script} || exit 1'
    expected = (*prefix, script)
    rewrite = Rewrite(document, command.outer, command.instruction)
    edits = [Edit(rewrite.src_start, rewrite.src_end, json_array(expected))]
    if not rewrite.reparses_as(edits, expected):
        return None
    title = f'Probe with `{script}` under `{" ".join(prefix)}`'
    if not probe.fails_on_http_errors:
        return Fix.make(f'{title} (HTTP errors of 400 and above now count as unhealthy)',
                        edits, Applicability.UNSAFE)
    if not shell_present:
        return Fix.make(f'{title} (the image must have `{prefix[0]}`)', edits,
                        Applicability.UNSAFE)
    return Fix.make(title, edits, Applicability.SAFE)


def _has_shell(document: DockerfileDocument, stage: Stage) -> bool:
    """Whether the stage's image is known to have a POSIX shell."""
    stages = document.stages
    current: Stage | None = stage
    while current is not None:
        if any(ins.name == 'RUN' and not ins.is_exec_form for ins in current.instructions):
            return True  # a shell-form RUN ran in this very filesystem
        current = stages.stages[current.parent] if current.parent is not None else None
    root = stages.root_image(stage)
    return images.facts(root) is not None and images.repository(root) != 'scratch'
