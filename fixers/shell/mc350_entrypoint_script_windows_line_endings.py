"""MC350: a script the container runs has Windows line endings, so it cannot run."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.code_document import CodeDocument
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
    code='MC350',
    name='entrypoint-script-windows-line-endings',
    kind=Kind.SHELL,
    property=Property.DISPOSABLE,
    severity=Severity.ERROR,
    fixable=FixAvailability.SOMETIMES,
)
def entrypoint_script_windows_line_endings(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Finds shell scripts that a container runs whose lines end in a carriage
    return and a line feed (CRLF, as Windows editors and `git config
    core.autocrlf true` write them), and converts their line endings to LF.

    ## Why is this bad?
    Neither the kernel nor the shell takes a carriage return for the end of a
    line. Run by its `#!/bin/sh` line, the script names an interpreter
    `/bin/sh\\r` that does not exist, and the container does not start: Docker
    says `exec /entrypoint.sh: no such file or directory`, for a file that is
    plainly there. Run by a shell (`sh entrypoint.sh`), every line's last word
    ends in `\\r`: `then\\r` is no keyword, and `exec "$@"\\r` passes the
    program an argument it never had. A container that cannot start cannot be
    started or replaced at any moment.

    ## Example
    ```sh
    #!/bin/sh␍
    envsubst < /etc/app.tpl > /etc/app.conf␍
    exec "$@"␍
    ```

    ## Use instead
    ```sh
    #!/bin/sh
    envsubst < /etc/app.tpl > /etc/app.conf
    exec "$@"
    ```

    Or keep the file LF in every checkout with a `.gitattributes` line such as
    `*.sh text eol=lf`.

    ## Fix safety
    Safe: the fix removes the carriage return before each line feed and
    nothing else, when every line of the script ends in CRLF. The script could
    not run as it was; after the fix it runs the commands it reads as written.
    A script whose lines end one way and the other is reported without a fix
    when its first line or most of its lines end in CRLF (a `#!` line typed
    again on Linux does not hide the rest); which carriage returns are meant
    is for its author to say.
    """
    text = document.source.text
    crlf = text.count('\r\n')
    if not crlf:
        return
    first_line = text[:text.find('\n') + 1] if '\n' in text else text
    mixed = crlf != text.count('\n')
    if mixed and not first_line.endswith('\r\n') and crlf * 2 <= text.count('\n'):
        return  # a carriage return here and there: not the file's line endings
    name = document.source.file_name
    shebang = first_line.removeprefix(BOM)  # a byte order mark before it is MC351's
    if shebang.startswith('#!') and first_line.endswith('\r\n'):
        last = (shebang[2:].split() or ['sh'])[-1]
        effect = (f'the kernel reads its `#!` line with the carriage return (`{last}\\r`), '
                  f'so run directly it cannot start (`no such file or directory`), and run '
                  f'by a shell every line ends in a stray `\\r`')
    else:
        lines = 'most lines' if mixed else 'every line'
        effect = (f'the shell reads a stray `\\r` at the end of {lines} (`then\\r` is no '
                  'keyword; `exec app\\r` passes `app` an argument it never had)')
    message = f'`{name}` has Windows line endings (CRLF): {effect}'
    end = len(text)  # the finding is the whole file: the fix touches every line
    if mixed:
        yield Hit(0, end, f'{message}; no automatic fix: some lines end in LF only, so '
                          'which carriage returns are meant is unclear; convert the file to LF')
        return
    # One edit over the whole file, not one per carriage return: a fix of another rule
    # in the same round (MC320's `set -e` line) would be written with the file's CRLF
    # between them and keep its `\r`; overlapping this edit, it waits for the next round
    # and reads the file as LF.
    yield Hit(0, end, message, Fix.safe('Convert the line endings to LF',
                                        Edit(0, end, text.replace('\r\n', '\n'))))
