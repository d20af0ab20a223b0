"""MC160: an image named without a tag, or by a tag that moves (`latest`)."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._run_scripts import mounts
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.image_names import Reference
from modcon.readers.dockerfile.image_names import from_flag
from modcon.readers.dockerfile.image_names import global_args
from modcon.readers.dockerfile.image_names import reference
from modcon.readers.dockerfile.image_names import stage_names
from modcon.readers.dockerfile.syntax import Instruction
from modcon.registry import rule


def _message(where: str, ref: Reference) -> str:
    via = ''
    if ref.via:
        via = f' (with the default of `ARG {"`, `ARG ".join(ref.via)}`: `{ref.resolved}`)'
    if ref.tag is None:
        what = f'{where} `{ref.written}` has no tag{via}, so Docker pulls `latest`'
    else:
        what = f'{where} `{ref.written}` uses the tag `{ref.tag}`{via}'
    return (f'{what}, which moves to whatever was pushed last: the same commit builds a '
            f'different image tomorrow; pin a version tag, or the digest (`@sha256:...`)')


def _candidates(document: DockerfileDocument) -> Iterator[tuple[Instruction, str, str]]:
    """(instruction, image as written, how to name the place) for every image reference."""
    names = stage_names(document)
    for stage in document.stages:
        if stage.parent is None and stage.image.lower() != 'scratch':
            yield stage.from_instruction, stage.image, '`FROM`'
        for ins in stage.instructions:
            command = ins.command
            if command.name in ('COPY', 'ADD'):
                source = from_flag(ins)
                if source and source.lower() not in names and not source.isdigit():
                    yield ins, source, f'`{command.name} --from`'
            elif command.name == 'RUN':
                for options in mounts(ins):
                    source = options.get('from')
                    if source and source.lower() not in names and not source.isdigit() \
                            and source.lower() != 'scratch':
                        yield ins, source, '`RUN --mount=from`'


@rule(
    code='MC160',
    name='floating-image-tag',
    kind=Kind.DOCKERFILE,
    property=Property.IMMUTABLE,
    severity=Severity.WARNING,
    fixable=FixAvailability.NEVER,
    aliases=('hadolint:DL3006', 'hadolint:DL3007', 'tally:hadolint/DL3006',
             'tally:hadolint/DL3007'),
)
def floating_image_tag(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds images named in `FROM`, `COPY --from` or `RUN --mount=from` without
    a tag, or with a tag that moves on purpose (`latest`, `edge`, `nightly`,
    `rolling`, `unstable`, `testing`, `sid`, `rawhide`, `devel`), and without
    a digest.

    ## Why is this bad?
    `FROM python` means `python:latest`: whatever was pushed last. A commit
    that built and passed its tests on Monday builds a different image on
    Wednesday, possibly with a new major version of the runtime, and
    rebuilding an old release no longer gives the old bits. An immutable
    image is built from inputs that stay put.

    ## Example
    ```dockerfile
    FROM python
    COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim@sha256:<digest>
    COPY --from=ghcr.io/astral-sh/uv:0.4.18 /uv /bin/uv
    ```

    ## Fix safety
    No fix: which version to pin is the author's choice, and looking it up
    needs the registry. Not reported: references with a digest
    (`image@sha256:...`, even with `latest`), earlier stages (`FROM build`,
    `COPY --from=build` or `--from=0`, and `FROM export-${BASE}` when the
    `ARG`'s default makes it a stage's name), and `scratch`. A reference built from
    an `ARG` is judged with the defaults of the `ARG`s declared before the
    first `FROM` (`ARG PY=3.12` + `FROM python:${PY}` is fine; `ARG
    BASE=python` + `FROM ${BASE}` is reported); when the variable has no
    default, the build must pass it and there is nothing to judge (BuildKit's
    `InvalidDefaultArgInFrom` check covers that case).
    """
    args = global_args(document)
    stages = {name.lower() for name in stage_names(document)}
    for ins, written, where in _candidates(document):
        ref = reference(written, args)
        if ref is None or not ref.floating or ref.repository.lower() == 'scratch':
            continue
        if '$' in ref.resolved:
            continue  # an ARG of the stage, not known here
        if ref.resolved.lower() in stages:
            continue  # `FROM export-${BASE}`: the ARG's default names a stage
        yield Hit(ins.start, ins.end, _message(where, ref))
