"""MC230: a Python main program logs to a file that a link to the streams cannot serve."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.code_document import CodeDocument
from modcon.model import Applicability
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from modcon.fixers._python_log_files import FileLog

_STREAM_ADVICE = 'log to a stream instead: `logging.StreamHandler(sys.stdout)`'


@rule(
    code='MC230',
    name='python-log-file-handler',
    kind=Kind.PYTHON,
    property=Property.STANDARD_STREAMS,
    severity=Severity.WARNING,
    fixable=FixAvailability.SOMETIMES,
)
def python_log_file_handler(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Finds `logging` set up, in a Python file a container runs as its main
    program, to write files that a symlink to the container's streams cannot
    serve: rotating handlers (`RotatingFileHandler`,
    `TimedRotatingFileHandler`, also in `dictConfig` dictionaries), and file
    handlers or `basicConfig(filename=...)` whose path is computed at run
    time (from the environment, arguments, ...). For `basicConfig`, it drops
    `filename=` (and `filemode=`), so the records go to stderr.

    ## Why is this bad?
    A container's logs are its stdout and stderr; `docker logs`, Kubernetes
    and log shippers read nothing else. A log file inside the container is
    invisible, fills the disk and disappears with the container. For a file
    with a constant path, MC131 links it to the stream in the Dockerfile.
    A rotating handler renames the file it writes (Python before 3.9.8 and
    3.10.1 renames even a link), and rotating a stream means nothing; Python
    3.13, until CPython gh-143237 was fixed, even loses every record it writes
    through a link to a pipe, which a container's stdout is. A computed path
    cannot be linked in advance.

    ## Example
    ```python
    import logging
    import logging.handlers
    import os

    handler = logging.handlers.RotatingFileHandler('/var/log/app.log', maxBytes=10_000_000)
    logging.basicConfig(filename=os.environ['LOG_FILE'], level=logging.INFO)
    ```

    ## Use instead
    ```python
    import logging
    import sys

    handler = logging.StreamHandler(sys.stdout)
    logging.basicConfig(level=logging.INFO)  # stderr
    ```

    ## Fix safety
    The only fix removes `filename=` and `filemode=` from
    `logging.basicConfig(...)`: Python's logging then writes the same records,
    in the same format, to stderr. It is unsafe, because anything that reads
    the file (a mounted volume, a shipper, a person with `docker exec`) stops
    getting them. `basicConfig(filename=os.environ.get("LOG_FILE"))` without
    a default is left alone: it logs to stderr unless the variable is set.
    Handlers are reported without a fix: replacing one changes the handler
    object the code may configure further (formatters, levels, `maxBytes`).
    """
    if not document.is_entrypoint or 'logging' not in document.source.text:
        return
    tree = document.python_ast
    if tree is None:
        return
    from modcon.fixers._python_log_files import file_logs_in

    for log in file_logs_in(document.source.text, tree):
        if log.rotating:
            where = f' `{log.path}`' if log.path else ''
            yield Hit(log.span.start, log.span.end,
                      f'`{log.handler}` rotates its log file{where} inside the container, '
                      f'where `docker logs` never sees it, and a link to the stream cannot '
                      f'help a rotating handler: {_STREAM_ADVICE}')
            continue
        if log.path is not None:
            continue  # constant: MC131 links it in the Dockerfile
        if log.kind == 'basicConfig' and log.env_optional:
            continue  # file logging only when the variable is set; stderr otherwise
        source = f'${log.env}' if log.env else f'`{log.path_source}`'
        message = (f'`{log.kind}` writes its log to a file named at run time ({source}), '
                   f'inside the container where `docker logs` never sees it, and no link can be '
                   f'made for it in advance')
        if log.kind != 'basicConfig':
            yield Hit(log.span.start, log.span.end, f'{message}: {_STREAM_ADVICE}')
            continue
        edits = _drop_filename(document.source.text, log)
        if edits is None:
            yield Hit(log.span.start, log.span.end,
                      f'{message}: drop `filename=` to log to stderr')
            continue
        fix = Fix.make('Log to stderr: drop `filename=` from `basicConfig` (unsafe: whatever '
                       'reads the file stops getting the records)', edits, Applicability.UNSAFE)
        yield Hit(log.span.start, log.span.end, f'{message}: drop `filename=` to log to stderr',
                  fix)


def _drop_filename(text: str, log: FileLog) -> list[Edit] | None:
    """Edits that delete `filename=` and `filemode=` and their separators."""
    arguments = list(log.argument_spans)
    drop = [i for i, (keyword, _) in enumerate(arguments) if keyword in ('filename', 'filemode')]
    runs: list[tuple[int, int]] = []
    for i in drop:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    edits = []
    for first, last in runs:
        if last + 1 < len(arguments):  # `filename=x, ` up to the next argument
            start, end = arguments[first][1].start, arguments[last + 1][1].start
        elif first > 0:  # `, filename=x` from the previous argument
            start, end = arguments[first - 1][1].end, arguments[last][1].end
        else:  # the only arguments: leave `basicConfig()`
            start, end = arguments[first][1].start, log.closing
        removed = text[start:end]
        if '#' in removed or removed.count('(') != removed.count(')'):
            return None  # a comment or nested call in the way: leave it to a person
        edits.append(Edit(start, end, ''))
    return edits
