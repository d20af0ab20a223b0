"""MC181: `apk` leaves its package index in the image's layer."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._caches import append_step
from modcon.fixers.dockerfile._caches import insert_after
from modcon.fixers.dockerfile._caches import removes
from modcon.fixers.dockerfile._caches import shipped_runs
from modcon.fixers.dockerfile._run_scripts import mounted
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.simple_commands import subcommand
from modcon.registry import rule

CACHE = '/var/cache/apk'
CLEANUP = 'rm -rf /var/cache/apk/*'
# apk options that take the next word as their value (before the subcommand).
_WITH_VALUE = frozenset(('-X', '--repository', '-p', '--root', '--arch', '--cache-dir',
                         '--keys-dir', '--repositories-file', '--cache-max-age'))
# Subcommands that download the index into /var/cache/apk unless --no-cache.
_WRITES = frozenset(('add', 'update', 'upgrade', 'fix'))
_NO_CACHE = frozenset(('--no-cache',))


@rule(
    code='MC181',
    name='apk-cache-left-in-layer',
    kind=Kind.DOCKERFILE,
    property=Property.SMALL,
    severity=Severity.WARNING,
    aliases=('hadolint:DL3019',),
    reads=('RUN',),
)
def apk_cache_left_in_layer(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `RUN` instructions of the shipped stages where `apk add` (or `apk
    update`, `apk upgrade`) runs without `--no-cache` and the `RUN` does not
    delete `/var/cache/apk`. The fix adds `--no-cache` to `apk add`, or, when
    the `RUN` also runs `apk update` or `apk upgrade`, appends
    `&& rm -rf /var/cache/apk/*`.

    ## Why is this bad?
    Without `--no-cache`, apk downloads the repositories' index (`APKINDEX`,
    a few megabytes per repository) into `/var/cache/apk`, and it stays in the
    layer. On Alpine, whose whole base is about 8 MB, that is a large share
    of the image, pulled by every node and never read at run time.

    ## Example
    ```dockerfile
    FROM alpine:3.20
    RUN apk add tini curl
    ```

    ## Use instead
    ```dockerfile
    FROM alpine:3.20
    RUN apk add --no-cache tini curl
    ```

    ## Fix safety
    Safe. `apk add --no-cache` fetches a fresh index into memory, installs
    the same packages and writes no cache; it also makes a separate `apk
    update` unnecessary. `apk update` itself writes the index, so a `RUN`
    that runs it keeps it and gets the cleanup appended with `&&` as its last
    step instead, which keeps the status of the whole command. A later
    `apk add` needs no index left behind: apk downloads one when it has none.
    No finding with `RUN --mount=type=cache,target=/var/cache/apk`, or in
    build stages the final image only copies files from; no fix for
    exec-form `RUN` or a heredoc fed to a command.
    """
    for run in shipped_runs(document):
        if 'apk' not in run.text:
            continue
        writers = []
        for command in run.script.commands:
            if command.name != 'apk':
                continue
            found = subcommand(command, _WITH_VALUE)
            if found is None or found[1] not in _WRITES:
                continue
            if any(w.value in _NO_CACHE for w in command.args):
                continue
            writers.append((command, found))
        if not writers:
            continue
        ins = run.instruction
        if mounted(ins, CACHE) or mounted(ins, '/etc/apk/cache'):
            continue
        if removes(run.script, writers[-1][0].end, (CACHE,)):
            continue
        subs = sorted({sub for _, (_, sub) in writers})
        message = (f'`apk {"`, `apk ".join(subs)}` leaves the package index in '
                   f'/var/cache/apk in this layer; use `apk add --no-cache`')
        fix = None
        if subs == ['add']:
            if run.editable:
                edits = [insert_after(run, command.args[index], '--no-cache')
                         for command, (index, _) in writers]
                fix = Fix.safe('Add `--no-cache` to `apk add`', *edits)
        else:
            edit = append_step(document, run, CLEANUP)
            if edit is not None:
                fix = Fix.safe(f'Append `{CLEANUP}` to the `RUN`', edit)
        yield Hit(ins.start, ins.end, message, fix)
