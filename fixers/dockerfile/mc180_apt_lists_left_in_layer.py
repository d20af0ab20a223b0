"""MC180: `apt-get update` leaves the package lists in the image's layer."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._caches import append_step
from modcon.fixers.dockerfile._caches import later_runs
from modcon.fixers.dockerfile._caches import removes
from modcon.fixers.dockerfile._caches import shipped_runs
from modcon.fixers.dockerfile._run_scripts import RunScript
from modcon.fixers.dockerfile._run_scripts import mounted
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import subcommand
from modcon.registry import rule

LISTS = '/var/lib/apt/lists'
CLEANUP = 'rm -rf /var/lib/apt/lists/*'
_APT = ('apt-get', 'apt')
# apt-get options that take the next word as their value.
_WITH_VALUE = frozenset(('-o', '--option', '-c', '--config-file', '-t', '--target-release',
                         '--default-release'))
# Subcommands that read the lists (and fail without them, "Unable to locate package").
_READS_LISTS = frozenset(('install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'source',
                          'build-dep', 'download', 'reinstall'))


def _apt(command: Command) -> str | None:
    if command.name not in _APT:
        return None
    found = subcommand(command, _WITH_VALUE)
    return found[1] if found else None


def _needs_lists_later(runs: list[RunScript], run: RunScript) -> RunScript | None:
    """A later ``RUN`` that installs with the lists this one leaves (no update of its own)."""
    for later in later_runs(runs, run):
        if 'apt' not in later.text:
            continue
        for command in later.script.commands:
            sub = _apt(command)
            if sub == 'update':
                return None  # it fetches its own lists; nothing later depends on ours
            if sub in _READS_LISTS:
                return later
            if command.name == 'apt-cache':
                return later
    return None


@rule(
    code='MC180',
    name='apt-lists-left-in-layer',
    kind=Kind.DOCKERFILE,
    property=Property.SMALL,
    severity=Severity.WARNING,
    aliases=('hadolint:DL3009',),
    reads=('RUN',),
)
def apt_lists_left_in_layer(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `RUN` instructions of the shipped stages that run `apt-get update`
    (or `apt update`) without deleting `/var/lib/apt/lists` in the same
    `RUN`, and appends `&& rm -rf /var/lib/apt/lists/*` as the last step.

    ## Why is this bad?
    The package lists are tens of megabytes that the running container never
    reads. They stay in the layer of the `RUN` that downloaded them, so every
    node that pulls the image pays for them; deleting them in a later `RUN`
    only hides them. Stale lists also make a later `apt-get install` fetch
    outdated versions that may no longer exist on the mirror. A small image
    carries only what the program needs.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends ca-certificates
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends ca-certificates \\
     && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    Safe. The cleanup goes at the very end of the `RUN`, after everything
    that could read the lists, joined with `&&` and laid out like the step
    before it: `S && rm -rf ...` has the status of `S` when `S` fails and
    succeeds otherwise, as `S` did (a `;` or a new line is used only under
    `set -e`). Nothing is fixed when a later `RUN` of the stage installs
    packages without its own `apt-get update`, because it reads these lists
    (the finding names it: run `apt-get update` there too, or merge the
    `RUN`s); nor for exec-form `RUN`, a heredoc fed to a command, or a
    command that ends in a background job. No finding for `RUN
    --mount=type=cache` (or `tmpfs`) on `/var/lib/apt/lists`, or in build
    stages that the final image only copies files from.
    """
    runs = list(shipped_runs(document))
    for run in runs:
        if 'update' not in run.text or 'apt' not in run.text:
            continue
        updates = [c for c in run.script.commands if _apt(c) == 'update']
        if not updates or mounted(run.instruction, LISTS):
            continue
        if removes(run.script, updates[-1].end, (LISTS,)):
            continue
        ins = run.instruction
        message = (f'`{updates[0].name} update` leaves the package lists in this layer '
                   f'(tens of MB the container never reads); delete them in the same `RUN`')
        dependent = _needs_lists_later(runs, run)
        if dependent is not None:
            yield Hit(ins.start, ins.end,
                      f'{message}; no automatic fix: the `RUN` on line {dependent.instruction.line} '
                      f'installs with these lists, so run `apt-get update` there too (and clean '
                      f'up in both), or merge the two `RUN`s')
            continue
        edit = append_step(document, run, CLEANUP)
        fix = Fix.safe(f'Append `{CLEANUP}` to the `RUN`', edit) if edit else None
        yield Hit(ins.start, ins.end, message, fix)
