"""MC121: a RUN pipeline whose failing left-hand command goes unnoticed (no pipefail)."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.model import Applicability
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.named_tuple import NamedTuple
from modcon.properties import Property
from modcon.readers.dockerfile.stages import Stage
from modcon.readers.dockerfile.stages import is_posix_shell
from modcon.readers.dockerfile.syntax import Instruction
from modcon.registry import rule

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.fixers.dockerfile._pipefail import Pipeline

_SHELL_FORM = ('RUN', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK')


class _Flagged(NamedTuple):
    ins: Instruction
    pipeline: Pipeline
    shell: tuple[str, ...]


@rule(
    code='MC121',
    name='run-pipeline-without-pipefail',
    kind=Kind.DOCKERFILE,
    property=Property.EXIT_CODES,
    fixable=FixAvailability.SOMETIMES,
    aliases=('hadolint:DL4006', 'tally:hadolint/DL4006'),
    reads=('RUN',),
)
def run_pipeline_without_pipefail(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `RUN` instructions with a pipeline whose left-hand command can
    fail unnoticed (`curl ... | tar -x`, `wget -O- ... | sh`), under a shell
    without `pipefail`, and declares a `SHELL` with `-o pipefail` before the
    first of them where the shell supports it.

    ## Why is this bad?
    A pipeline's exit status is its last command's. When the download in
    `curl -fsSL $URL | tar -xz` fails, `tar` reads an empty stream and may
    well succeed, so the step passes and the image is built without the tool;
    the failure surfaces at run time, far from its cause, or not at all. A
    build step's status is the only thing that stops a broken image from
    being pushed: it has to be true.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUN wget -qO- https://example.com/tool.tar.gz | tar -xz -C /usr/local/bin
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    SHELL ["/bin/sh", "-o", "pipefail", "-c"]
    RUN wget -qO- https://example.com/tool.tar.gz | tar -xz -C /usr/local/bin
    ```

    ## Fix safety
    Unsafe, because the build changes on purpose: a step whose left-hand
    command fails now fails, where it used to pass. The `SHELL` keeps the
    shell in effect and only adds `-o pipefail`; it applies to every later
    shell-form instruction of the stage and of stages built `FROM` it,
    including a shell-form `CMD`, whose pipelines then report their first
    failure too (see [1b](#1b-return-meaningful-exit-codes)). Commands
    without a pipe behave exactly as before.

    The fix is offered only where the shell has `pipefail`: bash, zsh, ksh,
    BusyBox ash, and `/bin/sh` on Alpine and BusyBox images. On Debian and
    Ubuntu images `/bin/sh` is dash, which lacks it: the finding suggests
    `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (display only: bash
    behaves differently from dash in other ways). No fix either when a
    pipeline it would reach ends early by design (`yes | ...`, `... | head`,
    `grep -q`): pipefail would turn their SIGPIPE into a failure; or when a
    pragma comment sits above the `RUN` (the new line would take it over).

    Not reported: pipelines after `set -o pipefail` in the same `RUN`,
    pipelines whose left side is only `echo`/`printf`, `yes | ...` and
    similar, heredoc and exec-form `RUN`s, Windows stages and non-POSIX
    shells. Only the first finding of a stage carries the fix; the `SHELL`
    covers the rest.
    """
    stages = document.stages
    if not any('|' in ins.args.text for ins in document.instructions if ins.name == 'RUN'):
        return  # the common case: no pipe at all
    fixed_stages: set[int] = set()
    for stage in stages:
        if stages.is_windows(stage):
            continue
        flagged = list(_flagged(document, stage))
        if not flagged:
            continue
        inherited = _covered_by(document, stage, fixed_stages)
        if inherited:
            fix, why = None, ''
        else:
            fix, why = _fix(document, stage, flagged[0])
        applies = fix is not None and fix.applicability > Applicability.DISPLAY_ONLY
        if applies:
            fixed_stages.add(stage.index)
        for index, item in enumerate(flagged):
            if inherited:
                note = f'; {inherited}'
            elif index and applies:
                note = f'; the `SHELL` added by the fix on line {flagged[0].ins.line} covers it'
            elif why:
                note = f'; no automatic fix: {why}'
            else:
                note = ''
            yield _hit(item, fix if index == 0 else None, note)


def _flagged(document: DockerfileDocument, stage: Stage) -> Iterator[_Flagged]:
    from modcon.fixers.dockerfile._pipefail import has_pipefail
    from modcon.fixers.dockerfile._pipefail import pipelines
    from modcon.fixers.dockerfile._pipefail import shell_in_effect

    for ins in stage.instructions:
        if ins.name != 'RUN' or ins.is_exec_form or ins.heredocs or '|' not in ins.args.text:
            continue
        shell = shell_in_effect(document, stage, ins)
        if not is_posix_shell(shell) or has_pipefail(shell):
            continue
        found = pipelines(ins.args.text)
        for pipeline in found or ():
            if pipeline.hides and not pipeline.sigpipe_prone:
                yield _Flagged(ins, pipeline, shell)
                break  # one finding per RUN


def _covered_by(document: DockerfileDocument, stage: Stage, fixed: set[int]) -> str:
    """Why a parent stage's fix already covers this stage ('' if none does)."""
    stages = document.stages
    current = stage
    while current.parent is not None:
        parent = stages.stages[current.parent]
        if parent.index in fixed and not any(i.name == 'SHELL' for i in stage.instructions):
            return f'the fix in stage `{parent.name or parent.index}` covers it'
        current = parent
    return ''


def _fix(document: DockerfileDocument, stage: Stage, first: _Flagged) -> tuple[Fix | None, str]:
    from modcon.fixers.dockerfile._exec_form import json_array
    from modcon.fixers.dockerfile._insert_line import has_pragma
    from modcon.fixers.dockerfile._insert_line import insert_before
    from modcon.fixers.dockerfile._pipefail import bash_available
    from modcon.fixers.dockerfile._pipefail import pipefail_shell
    from modcon.fixers.dockerfile._pipefail import pipelines

    new_shell, why = pipefail_shell(document, stage, first.shell)
    ins = first.ins
    if has_pragma(ins):
        return None, ('a pragma comment sits above the `RUN` and a new `SHELL` line would take '
                      'it over')
    if new_shell is None:
        if bash_available(document, stage):
            line = f'SHELL {json_array(("/bin/bash", "-o", "pipefail", "-c"))}'
            return Fix.display_only(f'Run with bash and pipefail: `{line}`',
                                    insert_before(document, ins, line)), why
        return None, why
    for later in _reached(document, stage, ins):
        if later.name == 'RUN' and later.heredocs:
            continue
        text = later.command.args.text
        if later.command.is_exec_form or '|' not in text:
            continue
        for pipeline in pipelines(text) or ():
            if pipeline.sigpipe_prone:
                return None, (f'line {later.line} has a pipeline that ends early by design '
                              f'(`yes |`, `| head`, `grep -q`), which pipefail would fail')
    line = f'SHELL {json_array(new_shell)}'
    return Fix.unsafe(f'Declare `{line}` (failing pipelines now fail the build)',
                      insert_before(document, ins, line)), ''


def _reached(document: DockerfileDocument, stage: Stage,
             first: Instruction) -> Iterator[Instruction]:
    """Shell-form instructions a SHELL inserted before ``first`` applies to."""
    stages = document.stages
    for ins in stage.instructions:
        if ins.start >= first.start and ins.command.name in _SHELL_FORM:
            yield ins
    for other in stages:
        current = other
        while current.parent is not None:
            current = stages.stages[current.parent]
            if current.index == stage.index:
                for ins in other.instructions:
                    if ins.command.name in _SHELL_FORM:
                        yield ins
                break


def _hit(item: _Flagged, fix: Fix | None, note: str) -> Hit:
    pipeline = item.pipeline
    hidden = ', '.join(f'`{c.words[0].raw}`' for c in pipeline.hides[:3])
    last = pipeline.commands[-1].words[0].raw
    text = item.ins.args.text[pipeline.start:pipeline.end]
    shown = ' '.join(text.split())
    if len(shown) > 60:
        shown = shown[:59] + '…'
    message = (f'`RUN` pipeline `{shown}` reports only the status of `{last}`: if {hidden} '
               f'fails, the step still passes and the build goes on (no `pipefail` in '
               f'`{" ".join(item.shell)}`){note}')
    return Hit(item.ins.start, item.ins.end, message, fix)
