"""MC320: an entrypoint script that carries on after a failed set-up step (no `set -e`)."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.code_document import CodeDocument
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.properties import Property
from modcon.registry import rule


@rule(
    code='MC320',
    name='entrypoint-script-hides-failures',
    kind=Kind.SHELL,
    property=Property.EXIT_CODES,
    fixable=FixAvailability.SOMETIMES,
    aliases=(),
)
def entrypoint_script_hides_failures(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Finds shell scripts that a container runs as its main program and that
    run set-up commands (`mkdir`, `chown`, `cd`, `envsubst`, ...) before
    their last command without `set -e`, and adds `set -e` after the `#!`
    line.

    ## Why is this bad?
    A shell script carries on after a failing command. When the `chown` of
    the data directory or the rendering of a config template fails, the
    entrypoint still starts the program, which then fails later with a
    misleading error, or runs half configured and reports nothing at all;
    the status of the step that actually failed is lost. With `set -e` the
    script stops at once, with that command's status, so the container
    exits non-zero for the right reason and its restart policy can act. The
    official images' entrypoint scripts start with `set -e` (or `set -eu`).

    ## Example
    ```sh
    #!/bin/sh
    mkdir -p /var/lib/app/cache
    chown -R app /var/lib/app
    exec gosu app "$@"
    ```

    ## Use instead
    ```sh
    #!/bin/sh
    set -e
    mkdir -p /var/lib/app/cache
    chown -R app /var/lib/app
    exec gosu app "$@"
    ```

    ## Fix safety
    Unsafe: that the script now stops at the first failing command is the
    point, but a command whose failure the author accepted (a `grep` that
    finds nothing, a `rm` of a file that may be missing) now stops the
    container too. Review the commands the finding lists; append `|| true`
    to those allowed to fail. `set -e` has known gaps (it does not stop at a
    failure on the left of `&&`, in a condition, or in a pipeline without
    `pipefail`), which are not made worse.

    Only commands at the top level of the script count, before its final
    command, and not already checked (`cmd || exit 1`, `if cmd; then`).
    Built-ins that cannot fail in a way that matters (`echo`, `export`,
    `[ ... ]`) do not count. Scripts that turn errexit on before those
    commands (`set -e`, `set -o errexit`, `#!/bin/sh -e`), turn it off on
    purpose (`set +e`), read `$?` or `trap` `ERR` check statuses themselves
    and are not reported. Scripts the container only sources are left alone.
    `set -e` goes after a `#!` line even behind a byte order mark (which
    MC351 removes); a file that starts with a mark and no `#!` line is
    reported without a fix, since the shell reads the mark as part of the
    first command. Scripts whose here-documents modcon cannot read reliably
    are not reported.
    """
    if not document.is_entrypoint:
        return
    from modcon.fixers.shell._errexit import hidden_failures

    found = hidden_failures(document.source.text)
    if found is None:
        return
    source = document.source
    name = source.file_name
    named = [f'`{_short(c.written)}` (line {c.line})' for c in found.commands[:3]]
    more = len(found.commands) - 3
    if more > 0:
        named.append(f'{more} more')
    listed = named[0] if len(named) == 1 else f'{", ".join(named[:-1])} or {named[-1]}'
    message = (f'`{name}` runs set-up commands without `set -e`: if {listed} fails, the '
               f'script carries on and starts the program anyway, and the failure\'s status '
               f'is lost')
    if found.insert_at is None:
        yield Hit(found.start, found.end,
                  f'{message}; no automatic fix: the file starts with a byte order mark '
                  f'(U+FEFF), which the shell reads as part of the first command; remove it, '
                  f'then add `set -e` as the first line')
        return
    newline = source.newline_at(0)
    fix = Fix.unsafe('Add `set -e`: the script stops at the first failing set-up command',
                     Edit.insert(found.insert_at, f'set -e{newline}'))
    yield Hit(found.start, found.end, message, fix)


def _short(words: tuple[str, ...], limit: int = 40) -> str:
    text = ' '.join(words)
    return text if len(text) <= limit else text[:limit - 1] + '…'
