"""MC171: a `COPY`/`ADD` names a path that `.dockerignore` leaves out of the context."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._dockerignore import excluded
from modcon.fixers.dockerfile._dockerignore import expand
from modcon.fixers.dockerfile._dockerignore import ignore_file
from modcon.fixers.dockerfile._dockerignore import parse
from modcon.fixers.dockerfile._dockerignore import sources
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule


@rule(
    code='MC171',
    name='copy-source-ignored',
    kind=Kind.DOCKERFILE,
    property=Property.SELF_CONTAINED,
    severity=Severity.ERROR,
    fixable=FixAvailability.NEVER,
    aliases=('buildkit:CopyIgnoredFile',),
    reads=('COPY', 'ADD'),
)
def copy_source_ignored(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Reports `COPY` and `ADD` sources that the build's `.dockerignore` (or
    `<Dockerfile>.dockerignore`) excludes from the build context.

    ## Why is this bad?
    An excluded file is not sent to the builder, so the `COPY` fails with
    "not found", or a glob quietly copies less than it says. The Dockerfile
    then builds only on a machine where someone changed the ignore file, or
    builds an image without the file: the image cannot be rebuilt from the
    repository as it stands.

    ## Example
    `.dockerignore`:
    ```
    *.md
    config/
    ```
    ```dockerfile
    COPY config/app.toml /etc/app/
    ```

    ## Use instead
    ```
    *.md
    config/
    !config/app.toml
    ```

    ## Fix safety
    No fix: either the ignore file or the `COPY` is wrong, and only the
    author knows which. Patterns are matched as BuildKit does (`**`, `!`
    exceptions, the last matching line wins, a path is excluded with its
    folder). A glob source is reported when every file it matches in the
    context is excluded.
    """
    found = ignore_file(document)
    if found is None:
        return
    name, text = found
    patterns = parse(text)
    if not patterns:
        return
    for source in sources(document):
        if source.path == '.':
            continue
        paths = expand(document, source)
        if not paths or not all(excluded(patterns, p) for p in paths):
            continue
        ins = source.instruction
        yield Hit(ins.start, ins.end,
                  f'`{source.written}` is excluded by `{name}`, so the builder never receives '
                  f'it and `{ins.command.name}` fails or copies nothing; re-include it with '
                  f'`!{source.path}` or fix the path')
