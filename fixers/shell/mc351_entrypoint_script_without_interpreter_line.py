"""MC351: a script the container runs directly has no `#!` line the kernel can read."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.code_document import CodeDocument
from modcon.fixers._where_run import where_run
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule
from modcon.source import BOM


@rule(
    code='MC351',
    name='entrypoint-script-without-interpreter-line',
    kind=Kind.SHELL,
    property=Property.DISPOSABLE,
    severity=Severity.ERROR,
    fixable=FixAvailability.SOMETIMES,
)
def entrypoint_script_without_interpreter_line(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Finds shell scripts that the container's exec-form `ENTRYPOINT` or `CMD`
    runs directly and whose first bytes are not `#!`: a script without an
    interpreter line, or one whose `#!` line comes after a UTF-8 byte order
    mark (as some Windows editors save files). It removes such a mark.

    ## Why is this bad?
    The container runtime hands an exec-form command to the kernel, and the
    kernel runs a script only by the `#!` line at its very start. Without one
    the container does not start: `exec format error`. A shell would run the
    same file as a shell script, which is why it works from a terminal, under
    a shell-form command or behind `tini`, and fails as the image's
    `ENTRYPOINT ["/entrypoint.sh"]`.

    ## Example
    ```sh
    set -e
    exec "$@"
    ```

    ## Use instead
    ```sh
    #!/bin/sh
    set -e
    exec "$@"
    ```

    ## Fix safety
    Safe for a byte order mark before `#!`: the fix removes the mark and
    nothing else, and the script starts with the interpreter it names. A script
    without a `#!` line is reported without a fix: which shell it was written
    for (`sh` or `bash`) is for its author to say.
    """
    name = document.source.file_name
    direct = [i for i in document.invocations if i.as_main and i.direct]
    if not direct:
        return  # run by a shell (`sh x.sh`, `sh -c`), which needs no `#!` line
    text = document.source.text
    if text.startswith('#!'):
        return
    first = direct[0]
    where = where_run(first, len(direct) - 1)
    end = text.find('\n')
    end = len(text) if end == -1 else end
    cannot = ('so the kernel cannot tell which program runs it and the container does not '
              'start (`exec format error`)')
    if text.startswith(BOM + '#!'):
        yield Hit(0, end, f'`{name}` is run directly by the container{where} but starts '
                          f'with a byte order mark (U+FEFF) before its `#!` line, {cannot}',
                  Fix.safe('Remove the byte order mark', Edit(0, 1, '')))
        return
    yield Hit(0, end, f'`{name}` is run directly by the container{where} but has no `#!` '
                      f'line, {cannot}; no automatic fix: add `#!/bin/sh` (or `#!/bin/bash` '
                      f'if it uses bash) as its first line, or run it as '
                      f'`["sh", "{first.argv[0]}"]`')
