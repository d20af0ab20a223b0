"""MC102: HEALTHCHECK in shell form puts a shell between Docker and the probe."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._exec_form import Rewrite
from modcon.fixers.dockerfile._exec_form import json_array
from modcon.fixers.dockerfile._exec_form import startup_files
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile import jsonish
from modcon.readers.dockerfile.stages import commands
from modcon.readers.dockerfile.stages import is_bash
from modcon.readers.dockerfile.stages import shell_for
from modcon.readers.shell.shell_form import analyze
from modcon.registry import rule


@rule(
    code='MC102',
    name='shell-form-healthcheck',
    kind=Kind.DOCKERFILE,
    property=Property.SIGNALS,
    severity=Severity.INFO,
    aliases=('hadolint:DL3025',),
    reads=('HEALTHCHECK',),
)
def shell_form_healthcheck(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `HEALTHCHECK CMD` probes in shell form where the shell only sits
    between Docker and the probe program, and rewrites them so the probe is
    the process Docker starts.

    ## Why is this bad?
    Docker runs a shell-form probe as `/bin/sh -c "<command>"` every interval.
    When the probe hangs past `--timeout`, Docker kills the process it
    started: the shell. The real probe (`curl`, `wget`, a client binary) goes
    on running in the container, one more each interval. A process that
    receives the kill itself stops when asked.

    ## Example
    ```dockerfile
    HEALTHCHECK --interval=30s CMD wget -q --spider http://localhost:8080/health
    ```

    ## Use instead
    ```dockerfile
    HEALTHCHECK --interval=30s CMD ["wget", "-q", "--spider", "http://localhost:8080/health"]
    ```

    ## Fix safety
    Safe: literal words become the same argv; a probe that needs the shell
    keeps it, with `exec` on its last command. Probes that end in a
    fallback such as `curl -f http://localhost/ || exit 1` need the shell to
    map the exit status and are left alone: that is the recommended form.
    Flags (`--interval`, `--timeout`, ...) stay as written.
    """
    stages = document.stages
    for command in commands(stages, ('HEALTHCHECK',)):
        ins = command.instruction
        if ins.is_exec_form or not ins.args.text:
            continue
        if ins.args.json_error is not None and jsonish.intends_json(ins.args.text):
            continue  # meant as exec form but invalid: MC103 reports it
        shell = shell_for(stages, command)
        if shell is None:
            continue
        analysis = analyze(ins.args.text, posix=not is_bash(shell))
        if analysis.problem is not None or (analysis.already_execs and analysis.argv is None):
            continue
        keyword = 'ONBUILD HEALTHCHECK' if command.onbuild else 'HEALTHCHECK'
        rewrite = Rewrite(document, command.outer, ins)
        program = f'`{analysis.name}`' if analysis.name else 'the probe'
        startup = startup_files(shell, document)
        if analysis.argv is not None and startup is None:
            edits = rewrite.argv(analysis.argv, analysis.spans, analysis.comment)
            title = f'Use exec form: CMD {json_array(analysis.argv)}'
        elif analysis.already_execs:
            continue  # `exec probe` under a shell that must stay: nothing to gain
        else:
            exec_at = analysis.spans[0][0] if analysis.argv is not None else analysis.exec_at
            edits = rewrite.script(shell, analysis.script, exec_at, analysis.comment)
            title = f'Use exec form and `exec {analysis.name or "the probe"}`'
            if startup is not None and analysis.argv is not None:
                title += f' (the shell stays: {startup})'
        message = (f'`{keyword}` in shell form runs {program} under `{" ".join(shell)}`; '
                   f'on timeout only the shell is killed and the probe lingers')
        yield Hit(command.outer.start, command.outer.end, message,
                  Fix.safe(title, *edits) if edits else None)
