"""MC130: a Python container whose output is block-buffered, so logs arrive late or never."""
from __future__ import annotations

import posixpath
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.knowledge import images
from modcon.knowledge.interpreters import is_python
from modcon.lazyregex import lazy_compile
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.stages import Stage
from modcon.readers.dockerfile.stages import Stages
from modcon.registry import rule

_PYTHON_IMAGES = frozenset(('python', 'pypy'))
# Words of a CMD or ENTRYPOINT that start a Python program.
_PYTHON_WORD = lazy_compile(r'(^|/)(python[\d.]*|pypy[\d.]*|gunicorn|uvicorn|hypercorn|daphne|'
                          r'celery|flask|django-admin)$|\.py$')


def _runs_python(document: DockerfileDocument) -> str | None:
    """Why this image is a Python one, or None."""
    stages = document.stages
    root = images.repository(stages.root_image(stages.final))
    if posixpath.basename(root) in _PYTHON_IMAGES:
        return f'the base image is `{stages.root_image(stages.final)}`'
    resolution = document.resolution
    if any(t.kind == Kind.PYTHON for t in resolution.targets):
        return 'the command runs a Python program'
    if any(is_python(posixpath.basename(word)) for word in resolution.argv[:3]):
        return 'the command runs Python'
    return None


def _unbuffered(document: DockerfileDocument) -> bool:
    resolution = document.resolution
    if 'PYTHONUNBUFFERED' in resolution.env:
        return True  # set, even empty: the opt-out the fix-safety section offers
    argv = list(resolution.argv)
    for i, word in enumerate(argv):
        if is_python(posixpath.basename(word)):
            for flag in argv[i + 1:]:
                if not flag.startswith('-'):
                    break
                if flag == '-u' or (flag.startswith('-') and not flag.startswith('--')
                                    and 'u' in flag[1:] and flag[1:].isalpha()):
                    return True
    return False


def _runs_python_itself(stage: Stage) -> bool:
    """Does the stage set a CMD or ENTRYPOINT of its own that starts Python?"""
    return any(ins.name in ('CMD', 'ENTRYPOINT') and any(
        _PYTHON_WORD.search(word) for word in (ins.args.json or ins.args.text.split()))
        for ins in stage.instructions)


def shared_stage(stages: Stages, built: Stage) -> Stage:
    """The stage that every target running Python builds on.

    The targets are the stage that is built (the final one, or a Compose
    file's `target`) and every stage that sets a Python command of its own,
    in the built stage's tree: `FROM builder AS dev-envs` as the last stage
    while compose builds `target: builder`, or `dev` and `prod` both built
    `FROM base`. The ENV goes into the deepest stage of the built stage's
    lineage that all of them inherit.
    """
    final_lineage = stages.lineage(built)
    lineages = [stages.lineage(s) for s in stages
                if _runs_python_itself(s) and stages.lineage(s)[0] is final_lineage[0]]
    for stage in reversed(final_lineage):
        if all(stage in lineage for lineage in lineages):
            return stage
    return final_lineage[0]


@rule(
    code='MC130',
    name='python-output-buffered',
    kind=Kind.DOCKERFILE,
    property=Property.STANDARD_STREAMS,
    severity=Severity.WARNING,
    aliases=(),
)
def python_output_buffered(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds Python images (by base image or by the command) whose final stage
    sets neither `PYTHONUNBUFFERED` nor runs `python -u`, and adds
    `ENV PYTHONUNBUFFERED=1` to the stage that every target running Python
    builds on (the final stage, or a stage it and the other targets share).

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

    The ENV goes where every built target inherits it: with `FROM builder
    AS dev-envs` as the last stage and `builder` a target of its own (a
    compose file's `target: builder`), it goes into `builder`, not into
    `dev-envs`; with `dev` and `prod` both `FROM base`, into `base`.
    """
    if document.stages.is_windows(document.stages.final):
        return
    why = _runs_python(document)
    if why is None or _unbuffered(document):
        return
    source = document.source
    # the stage the container runs (the final one, or a Compose file's build
    # target), or the stage it shares with the other targets running Python
    stage = shared_stage(document.stages, document.resolution.stage or document.stages.final)
    head = stage.from_instruction
    newline = source.newline_at(head.start)
    end = head.end
    text = source.text
    if end < len(text) and text.startswith('\r\n', end):
        insert_at, content = end + 2, f'ENV PYTHONUNBUFFERED=1{newline}'
    elif end < len(text) and text[end] == '\n':
        insert_at, content = end + 1, f'ENV PYTHONUNBUFFERED=1{newline}'
    else:
        insert_at, content = end, f'{newline}ENV PYTHONUNBUFFERED=1'
    where = 'the final stage' if stage is document.stages.final else \
        f'stage `{stage.name or stage.index}`, which every target running Python builds on'
    fix = Fix.safe(f'Add `ENV PYTHONUNBUFFERED=1` to {where}', Edit.insert(insert_at, content))
    yield Hit(head.start, head.end,
              f'Python buffers stdout in a container ({why}), so log lines reach `docker logs` '
              f'late or are lost on a crash: set PYTHONUNBUFFERED or run `python -u`', fix)
