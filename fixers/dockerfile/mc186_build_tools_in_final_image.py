"""MC186: the final image keeps compilers, headers or a whole SDK image."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._build_tools import installed_build_tools
from modcon.fixers.dockerfile._build_tools import may_install_build_tools
from modcon.fixers.dockerfile._build_tools import sdk_image
from modcon.fixers.dockerfile._run_scripts import runs_of
from modcon.fixers.dockerfile._run_scripts import shipped_stages
from modcon.knowledge.images import repository
from modcon.knowledge.logs import LINKED_BY_BASE
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.image_names import global_args
from modcon.readers.dockerfile.image_names import reference
from modcon.registry import rule

_HINT = ('build in a first stage (`FROM ... AS build`) and `COPY --from=build` only the '
         'result into a runtime stage')


@rule(
    code='MC186',
    name='build-tools-in-final-image',
    kind=Kind.DOCKERFILE,
    property=Property.SMALL,
    severity=Severity.WARNING,
    fixable=FixAvailability.NEVER,
    aliases=(),
)
def build_tools_in_final_image(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Reports build tools that end up in the final image: compilers and
    `-dev`/`-devel` header packages (`build-essential`, `gcc`, `musl-dev`,
    `libpq-dev`, ...) installed in a stage of the final image and not removed
    in the same `RUN`, and final images built directly on a toolchain image
    (`golang`, `rust`, `gcc`, `maven`, `gradle`, a JDK, the .NET SDK).

    ## Why is this bad?
    A compiler, its headers and an SDK are hundreds of megabytes that the
    running program never uses; every node pulls them, scanners report their
    CVEs, and an intruder gets a toolchain for free. A multi-stage build
    keeps them in a stage that is thrown away.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends build-essential libpq-dev \\
     && rm -rf /var/lib/apt/lists/*
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    COPY . .
    CMD ["python", "app.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim AS build
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends build-essential libpq-dev \\
     && rm -rf /var/lib/apt/lists/*
    COPY requirements.txt .
    RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements.txt

    FROM python:3.12-slim
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends libpq5 \\
     && rm -rf /var/lib/apt/lists/*
    COPY --from=build /venv /venv
    COPY . .
    ENV PATH=/venv/bin:$PATH
    CMD ["python", "app.py"]
    ```

    ## Fix safety
    No fix: splitting a build into stages means deciding what the program
    needs at run time (here `libpq5` instead of `libpq-dev`). Not reported:
    build tools removed in the same `RUN` (`apt-get purge`, `apk del` of the
    packages or of their `--virtual` group, or `apt-mark auto` followed by
    `apt-get purge --auto-remove`, as the official images do), build
    stages the final image only copies files from, and Dockerfiles whose
    final image sets no `CMD` or `ENTRYPOINT` of its own on a base that
    runs no server by default: base, CI and toolbox images (a `gcc` image, a
    dev container), where the tools may be what the image is for and there
    is no program to judge them by. An app on `php:8.2-apache` or `nginx`
    runs the base's server and is still reported.
    """
    stages = document.stages
    chain = shipped_stages(stages)
    root = chain[0]
    if not any(ins.name in ('CMD', 'ENTRYPOINT') for stage in chain
               for ins in stage.instructions) and \
            repository(root.image) not in LINKED_BY_BASE:
        # No program of its own, nor a server its base runs (php's Apache, nginx):
        # a base, CI or toolbox image, whose tools may be the point.
        return
    ref = reference(root.image, global_args(document))
    single = len(stages.stages) == 1
    if ref is not None and sdk_image(ref.resolved):
        where = 'this single-stage build ships' if single else 'the final image is built on'
        ins = root.from_instruction
        yield Hit(ins.start, ins.end,
                  f'{where} `{ref.resolved}`, a toolchain image: the compiler and SDK '
                  f'(hundreds of MB) go to production with the program; {_HINT}, on a slim '
                  f'or distroless base')
    for stage in chain:
        for run in runs_of(document, stage):
            if not may_install_build_tools(run.text):
                continue
            for _, tools in installed_build_tools(run.script):
                ins = run.instruction
                listed = ', '.join(f'`{t}`' for t in tools[:5])
                more = f' and {len(tools) - 5} more' if len(tools) > 5 else ''
                yield Hit(ins.start, ins.end,
                          f'{listed}{more} stay in the final image: build tools the running '
                          f'program does not need; {_HINT} (or remove them in this `RUN`)')
