"""MC185: `COPY . .` copies the whole build context, and no `.dockerignore` filters it."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._dockerignore import ignore_file
from modcon.fixers.dockerfile._dockerignore import ignore_file_names
from modcon.fixers.dockerfile._dockerignore import sources
from modcon.model import Applicability
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import NewFile
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule


@rule(
    code='MC185',
    name='context-copied-without-dockerignore',
    kind=Kind.DOCKERFILE,
    property=Property.SMALL,
    severity=Severity.WARNING,
    fixable=FixAvailability.ALWAYS,
    aliases=(),
    reads=('COPY', 'ADD'),
)
def context_copied_without_dockerignore(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds a `COPY . .` (any `COPY` or `ADD` of the whole build context) in a
    build that has no `.dockerignore`, and creates one beside the Dockerfile
    with the usual entries: `.git`, Python caches, `.venv`, test and type
    checker caches, `node_modules` (when the build installs it), editor
    folders and local `.env` files.

    ## Why is this bad?
    Without a `.dockerignore`, `COPY . .` puts everything in the folder into
    the image: the whole git history, virtualenvs and `node_modules` built
    for the developer's machine (which can overwrite the ones the build just
    installed), caches, and `.env` files with credentials that anyone who can
    pull the image can read. The image grows, every edit anywhere busts the
    layer cache, and the build context is uploaded in full on every build.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY . .
    CMD ["python", "app.py"]
    ```
    and no `.dockerignore` beside it.

    ## Use instead
    The same Dockerfile, with a `.dockerignore`:
    ```
    .git
    **/__pycache__
    **/*.py[cod]
    .venv
    .env
    ```

    ## Fix safety
    Unsafe: it changes the build context, so files that `COPY . .` used to
    put in the image are no longer there. An application that reads `.env`,
    shows its git commit from `.git`, or runs with the copied `node_modules`
    would change. modcon leaves out every entry the build visibly needs:
    paths that any `COPY`/`ADD` names, names that a `RUN`, `CMD`,
    `ENTRYPOINT`, `ENV` or `HEALTHCHECK` mentions, `.git` when a `RUN` uses
    git or the project takes its version from git (setuptools-scm,
    hatch-vcs, versioneer, ...), and `node_modules` unless the build installs
    it. Review what the image needs at run time before applying it. The file
    is `.dockerignore` beside a file named `Dockerfile` or `Containerfile`,
    and `<Dockerfile name>.dockerignore` (which BuildKit reads for that
    Dockerfile only) beside any other name (`api.Dockerfile`,
    `Dockerfile.dev`), which usually shares its folder with other
    Dockerfiles; an existing file is never overwritten. No finding when either file
    exists, or when modcon does not know the build context.
    """
    if document.project is None:
        return
    whole = next((s for s in sources(document) if s.path == '.'), None)
    if whole is None or ignore_file(document) is not None:
        return
    specific, shared = ignore_file_names(document.source.path)
    # A `Dockerfile` (or `Containerfile`) is usually the folder's only one: it
    # gets the shared `.dockerignore`. Any other name (`api.Dockerfile`,
    # `Dockerfile.dev`) usually has siblings, so its file is its own.
    own_name = specific[:-len('.dockerignore')]
    name = shared if own_name.lower() in ('dockerfile', 'containerfile') else specific
    from modcon.fixers.dockerfile._ignore_proposal import proposal  # only with a finding

    content, left_out = proposal(document)
    note = f'; left out because the build needs them: {", ".join(left_out)}' if left_out else ''
    fix = Fix.make(f'Create `{name}` with the usual entries (review: the image no longer gets '
                   f'them{note})', (), Applicability.UNSAFE,
                   creates=(NewFile(name, content),))
    ins = whole.instruction
    yield Hit(ins.start, ins.end,
              f'`{ins.command.name} {whole.written}` copies the whole build context and no '
              f'`.dockerignore` filters it: `.git`, caches, local virtualenvs or `node_modules` '
              f'and `.env` files end up in the image', fix)
