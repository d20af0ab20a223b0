"""MC001: the Dockerfile does not parse."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule


@rule(
    code='MC001',
    name='dockerfile-syntax-error',
    kind=Kind.DOCKERFILE,
    property=Property.SELF_CONTAINED,
    severity=Severity.ERROR,
    fixable=FixAvailability.NEVER,
)
def dockerfile_syntax_error(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Reports a Dockerfile that BuildKit would refuse to parse: an unknown
    instruction (often an orphaned continuation line), an unterminated
    heredoc, a repeated or invalid parser directive, an instruction before
    the first `FROM`, or a file without instructions.

    ## Why is this bad?
    An image that cannot be built from its own source is not self-contained:
    it only exists as long as some older build of it does. modcon does not
    rewrite a file it cannot parse, so no other rule runs on it.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD python app.py
        --workers 4
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    CMD ["python", "app.py", "--workers", "4"]
    ```

    ## Fix safety
    No fix: what the author meant cannot be known. The finding names the
    line BuildKit stops at.
    """
    error = document.error
    if error is None:
        return
    source = document.source
    line = min(max(error.line, 1), len(source.line_starts))
    start = source.offset(line)
    end = start + len(source.line_text(line))
    yield Hit(start, end, f'BuildKit cannot parse this Dockerfile: {error.message}')
