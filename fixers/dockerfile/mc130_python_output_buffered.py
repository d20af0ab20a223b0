"""MC130: a Python container whose output is block-buffered, so logs arrive late or never."""
from __future__ import annotations

import posixpath
from collections.abc import Iterator

from modcon.dockerfile import images
from modcon.dockerfile.document import DockerfileDocument
from modcon.dockerfile.resolve import PYTHON_NAME
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule

_PYTHON_IMAGES = frozenset(('python', 'pypy'))


def _runs_python(document: DockerfileDocument) -> str | None:
    """Why this image is a Python one, or None."""
    stages = document.stages
    root = images.repository(stages.root_image(stages.final))
    if posixpath.basename(root) in _PYTHON_IMAGES:
        return f'the base image is `{stages.root_image(stages.final)}`'
    resolution = document.resolution
    if any(t.kind == 'python' for t in resolution.targets):
        return 'the command runs a Python program'
    if any(PYTHON_NAME.match(posixpath.basename(word)) for word in resolution.argv[:3]):
        return 'the command runs Python'
    return None


def _unbuffered(document: DockerfileDocument) -> bool:
    resolution = document.resolution
    if 'PYTHONUNBUFFERED' in resolution.env:
        return True  # set, even empty: the opt-out the fix-safety section offers
    argv = list(resolution.argv)
    for i, word in enumerate(argv):
        if PYTHON_NAME.match(posixpath.basename(word)):
            for flag in argv[i + 1:]:
                if not flag.startswith('-'):
                    break
                if flag == '-u' or (flag.startswith('-') and not flag.startswith('--')
                                    and 'u' in flag[1:] and flag[1:].isalpha()):
                    return True
    return False


@rule(
    code='MC130',
    name='python-output-buffered',
    kind='dockerfile',
    property=Property.STANDARD_STREAMS,
    severity=Severity.WARNING,
    aliases=(),
)
def python_output_buffered(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds Python images (by base image or by the command) whose final stage
    sets neither `PYTHONUNBUFFERED` nor runs `python -u`, and adds
    `ENV PYTHONUNBUFFERED=1` to the final stage.

    ## Why is this bad?
    When stdout is not a terminal, as in a container, Python buffers what a
    program prints in blocks of several kilobytes. `docker logs` and every log
    shipper then see lines minutes late, out of order with stderr, or never,
    when the process is killed or crashes with its buffer full. A module
    container's logs are its standard streams, as they happen.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY app.py .
    CMD ["python", "app.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    ENV PYTHONUNBUFFERED=1
    COPY app.py .
    CMD ["python", "app.py"]
    ```

    ## Fix safety
    Safe: the program writes the same bytes, only without waiting for a
    buffer to fill. A program that writes very large amounts to stdout gets
    slower; set `PYTHONUNBUFFERED=` (empty) or ignore MC130 for it.
    """
    if document.stages.is_windows(document.stages.final):
        return
    why = _runs_python(document)
    if why is None or _unbuffered(document):
        return
    source = document.source
    # the stage the container runs: the final one, or a Compose file's build target
    head = (document.resolution.stage or document.stages.final).from_instruction
    newline = source.newline_at(head.start)
    end = head.end
    text = source.text
    if end < len(text) and text.startswith('\r\n', end):
        insert_at, content = end + 2, f'ENV PYTHONUNBUFFERED=1{newline}'
    elif end < len(text) and text[end] == '\n':
        insert_at, content = end + 1, f'ENV PYTHONUNBUFFERED=1{newline}'
    else:
        insert_at, content = end, f'{newline}ENV PYTHONUNBUFFERED=1'
    fix = Fix.safe('Add `ENV PYTHONUNBUFFERED=1` to the final stage',
                   Edit.insert(insert_at, content))
    yield Hit(head.start, head.end,
              f'Python buffers stdout in a container ({why}), so log lines reach `docker logs` '
              f'late or are lost on a crash: set PYTHONUNBUFFERED or run `python -u`', fix)
