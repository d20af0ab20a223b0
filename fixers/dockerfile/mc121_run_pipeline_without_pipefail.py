"""MC121: a RUN pipeline whose failing left-hand command goes unnoticed (no pipefail)."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
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


class _After(NamedTuple):
    """What a SHELL declared above a RUN reaches after it, in the RUN's stage.

    ``kind`` is ``'restore'`` when something there must keep the old shell
    (``why`` names it), ``'shell'`` when the stage's own SHELL (``until``) takes over
    first, ``'end'`` when only RUNs that pipefail cannot break follow.
    """

    kind: str
    until: Instruction | None = None
    why: str = ''


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
    fail unnoticed (`curl ... | sh`, `wget -O- ... | python3 -`), under a shell
    without `pipefail`, and declares a `SHELL` with `-o pipefail` for them
    where the shell supports it.

    ## Why is this bad?
    A pipeline's exit status is its last command's. When the download in
    `curl -fsSL $URL | sh` fails, `sh` reads an empty script and succeeds,
    so the step passes and the image is built without the tool;
    the failure surfaces at run time, far from its cause, or not at all. A
    build step's status is the only thing that stops a broken image from
    being pushed: it has to be true.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUN wget -qO- https://example.com/install.sh | sh
    CMD tool serve | tee /var/log/tool.log
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    SHELL ["/bin/sh", "-o", "pipefail", "-c"]
    RUN wget -qO- https://example.com/install.sh | sh
    SHELL ["/bin/sh", "-c"]
    CMD tool serve | tee /var/log/tool.log
    ```

    ## Fix safety
    Unsafe, because the build changes on purpose: a step whose left-hand
    command fails now fails, where it used to pass. The new `SHELL` keeps the
    shell in effect and only adds `-o pipefail`; it goes above the first
    flagged `RUN` of the stage. A `SHELL` also applies to every later
    shell-form instruction of the stage and to stages built `FROM` it, and,
    as the image's config, to a shell-form `HEALTHCHECK` when it runs. So
    when one of those comes after the `RUN` (a shell-form `CMD`, `ENTRYPOINT`
    or `HEALTHCHECK`, a shell-form `ONBUILD` one, a stage built `FROM` this
    one, or a later `RUN` that pipefail could break: a pipeline that ends
    early by design, `yes | ...`, `... | head`, `grep -q`, a heredoc, or a
    pragma comment above it), the previous `SHELL` (`["/bin/sh", "-c"]` when
    none was declared) is declared again right below the `RUN`, and only
    that `RUN` runs with pipefail; a later flagged `RUN` gets a pair of its
    own. Otherwise the new `SHELL` covers the later `RUN`s of the stage too,
    up to its next `SHELL` or its end, and the title says so: those `RUN`s
    have no pipeline that pipefail could break, and at the end of the stage
    the image keeps the new `SHELL` (images built `FROM` it elsewhere inherit
    it). Commands without a pipe behave exactly as before.

    The fix is offered only where the shell has `pipefail`: bash, zsh, ksh,
    BusyBox ash, and `/bin/sh` on Alpine and BusyBox images. On Debian and
    Ubuntu images `/bin/sh` is dash, which lacks it: the finding suggests
    `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` in the same way (display
    only: bash behaves differently from dash in other ways). No fix either
    when the `RUN` also has a pipeline that ends early by design (pipefail
    would turn its SIGPIPE into a failure), when a pragma comment sits above
    the `RUN` (the new line would take it over), or when the old `SHELL` has
    to come back after a `RUN` that ends the file with a line continuation.

    Not reported: pipelines after `set -o pipefail` in the same `RUN`,
    pipelines whose left side is only `echo`/`printf`, `yes | ...` and
    similar, pipelines whose readers all fail on the empty stream a failed
    command leaves, so that the step fails anyway (`... | sha256sum -c -`,
    `... | apt-key add -`, `... | grep PATTERN`, `... | gunzip`,
    `... | tar -xz`, `... | gpg --dearmor`: measured with GNU and BusyBox
    tools), heredoc
    and exec-form `RUN`s, Windows stages and non-POSIX shells.
    """
    stages = document.stages
    if not any('|' in ins.args.text for ins in document.instructions if ins.name == 'RUN'):
        return  # the common case: no pipe at all
    config_users = _config_users(document)
    for stage in stages:
        if stages.is_windows(stage):
            continue
        flagged = list(_flagged(document, stage))
        if not flagged:
            continue
        afters = _afters(stage, config_users.get(stage.index, ''))
        covered_until, covered = -1, ''  # a fix's SHELL covers the RUNs before this offset
        for item in flagged:
            if item.ins.start < covered_until:
                yield _hit(item, None, covered)
                continue
            after = afters[item.ins.start]
            fix, why = _fix(document, stage, item, after)
            note = f'; no automatic fix: {why}' if why else ''
            if fix is not None and after.kind != 'restore':
                covered_until = after.until.start if after.until else stage.instructions[-1].end
                covered = note or (f'; the `SHELL` added by the fix on line {item.ins.line} '
                                   'covers it')
            yield _hit(item, fix, note)


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


def _afters(stage: Stage, config_user: str) -> dict[int, _After]:
    """What a SHELL declared above each instruction of ``stage`` reaches after it (see
    ``_After``), by the instruction's start: one pass back from the end of the stage,
    where ``config_user`` (if any) needs the old SHELL in the image config."""
    after = _After('restore', why=config_user) if config_user else _After('end')
    found: dict[int, _After] = {}
    for ins in reversed(stage.instructions):
        found[ins.start] = after
        after = _meets(ins) or after
    return found


def _meets(ins: Instruction) -> _After | None:
    """What a SHELL declared above ``ins`` meets there: its end (``ins`` is a SHELL),
    something that needs the old SHELL (``restore``), or nothing that matters (None:
    not a shell-form instruction, or a RUN that pipefail cannot break)."""
    from modcon.fixers.dockerfile._insert_line import has_pragma

    if ins.name == 'SHELL' and ins.args.json:
        return _After('shell', ins)
    if not _uses_shell(ins):
        return None
    where = f'the `{ins.name}` on line {ins.line}'
    if ins.name != 'RUN':
        return _After('restore', why=where)
    if ins.heredocs:
        return _After('restore', why=f'the heredoc `RUN` on line {ins.line}')
    found = _pipelines(ins)
    if found is None:
        return _After('restore', why=f'{where}, which modcon cannot read')
    if any(p.sigpipe_prone for p in found):
        return _After('restore', why=f'{where}, whose pipeline ends early by design')
    if has_pragma(ins):
        return _After('restore', why=f'{where}, under a pragma comment')
    return None


def _pipelines(ins: Instruction) -> list[Pipeline] | None:
    from modcon.fixers.dockerfile._pipefail import pipelines

    return pipelines(ins.args.text)


def _uses_shell(ins: Instruction) -> bool:
    """A shell-form RUN, CMD, ENTRYPOINT or HEALTHCHECK: it runs under the SHELL."""
    return (ins.name in _SHELL_FORM and not ins.is_exec_form
            and bool(ins.args.text or ins.heredocs))


def _config_users(document: DockerfileDocument) -> dict[int, str]:
    """For each stage, what in this Dockerfile takes the SHELL the stage ends with
    from its image config: a stage built FROM it, a shell-form ONBUILD instruction
    (it runs in the builds FROM the image), or a shell-form HEALTHCHECK the image
    has, its own or inherited (the runtime starts it under the image's SHELL,
    wherever its line is). One pass over the stages: a parent comes first."""
    found: dict[int, str] = {}
    children: dict[int, str] = {}
    healthchecks: dict[int, str] = {}
    for stage in document.stages:
        inherited = healthchecks.get(stage.parent, '') if stage.parent is not None else ''
        healthchecks[stage.index] = next(
            (f'the shell-form `HEALTHCHECK` on line {ins.line}' for ins in stage.instructions
             if ins.name == 'HEALTHCHECK' and _uses_shell(ins)), inherited)
        onbuild = next((f'the `ONBUILD {ins.sub.name}` on line {ins.line}'
                        for ins in stage.instructions
                        if ins.sub is not None and _uses_shell(ins.sub)), '')
        found[stage.index] = onbuild or healthchecks[stage.index]
        if stage.parent is not None:
            children.setdefault(stage.parent, f'the stage built `FROM` this one on line '
                                              f'{stage.from_instruction.line}')
    return {index: children.get(index) or user for index, user in found.items()}


def _fix(document: DockerfileDocument, stage: Stage, item: _Flagged,
         after: _After) -> tuple[Fix | None, str]:
    from modcon.fixers.dockerfile._exec_form import json_array
    from modcon.fixers.dockerfile._insert_line import has_pragma
    from modcon.fixers.dockerfile._insert_line import insert_after
    from modcon.fixers.dockerfile._insert_line import insert_before
    from modcon.fixers.dockerfile._pipefail import bash_available
    from modcon.fixers.dockerfile._pipefail import pipefail_shell

    ins = item.ins
    if any(p.sigpipe_prone for p in _pipelines(ins) or ()):
        return None, ('it also has a pipeline that ends early by design (`yes |`, `| head`, '
                      '`grep -q`), which pipefail would fail')
    if has_pragma(ins):
        return None, ('a pragma comment sits above the `RUN` and a new `SHELL` line would take '
                      'it over')
    new_shell, why = pipefail_shell(document, stage, item.shell)
    if new_shell is None and not bash_available(document, stage):
        return None, why
    line = f'SHELL {json_array(new_shell or ("/bin/bash", "-o", "pipefail", "-c"))}'
    old = f'SHELL {json_array(item.shell)}'
    edits = [insert_before(document, ins, line)]
    if after.kind == 'restore':
        restore = insert_after(document, ins, old)
        if restore.start < ins.end:
            return None, (f'{after.why} needs the old `SHELL` back after this `RUN`, '
                          'and nothing can follow it: it ends the file with a line '
                          'continuation')
        edits.append(restore)
    title = _title(ins, line, old, after)
    if new_shell is None:
        return Fix.display_only(f'Run with bash and pipefail: {title[0].lower()}{title[1:]}',
                                *edits), why
    return Fix.unsafe(title, *edits), ''


def _title(run: Instruction, line: str, old: str, after: _After) -> str:
    """What the fix declares, and exactly which RUNs run under it."""
    if after.kind == 'restore':
        return (f'Declare `{line}` above line {run.line} and `{old}` again below it (kept '
                f'for {after.why}): only the `RUN` on line {run.line} runs with pipefail, and '
                'fails the build when a pipeline in it fails')
    if after.kind == 'shell':
        assert after.until is not None
        return (f'Declare `{line}` above line {run.line}: the `RUN`s from line {run.line} up to '
                f'the `SHELL` on line {after.until.line} run with pipefail, and fail the build '
                'when a pipeline in them fails')
    return (f'Declare `{line}` above line {run.line}: the `RUN`s from line {run.line} to the end '
            'of the stage run with pipefail, and fail the build when a pipeline in them fails; '
            'the image keeps this `SHELL`')


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
