"""MC182: `pip install` keeps its download and wheel cache in the image's layer."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._caches import insert_after
from modcon.fixers.dockerfile._caches import removes
from modcon.fixers.dockerfile._caches import runs_later
from modcon.fixers.dockerfile._caches import shipped_runs
from modcon.fixers.dockerfile._run_scripts import build_env
from modcon.fixers.dockerfile._run_scripts import mounts
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.simple_commands import Command
from modcon.registry import rule

_CACHES = ('/root/.cache/pip', '/root/.cache')


def no_cache(command: Command) -> bool:
    """``--no-cache-dir`` (optparse takes any unambiguous prefix, ``--no-cache``),
    a ``--cache-dir`` of the author's choosing, or ``PIP_NO_CACHE_DIR=...`` before it."""
    for word in command.args:
        value = word.value or ''
        option = value.split('=', 1)[0]
        if len(option) >= len('--no-ca') and '--no-cache-dir'.startswith(option):
            return True
        if option == '--cache-dir':
            return True
    return any(a.startswith('PIP_NO_CACHE_DIR=') for a in command.assignments)


@rule(
    code='MC182',
    name='pip-cache-left-in-layer',
    kind=Kind.DOCKERFILE,
    property=Property.SMALL,
    severity=Severity.WARNING,
    aliases=('hadolint:DL3042',),
    reads=('RUN',),
)
def pip_cache_left_in_layer(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `pip install` (also `pip3`, `python -m pip`) in the shipped stages
    without `--no-cache-dir`, when nothing else keeps pip's cache out of the
    layer, and adds `--no-cache-dir` after `install`.

    ## Why is this bad?
    pip keeps every downloaded file and every wheel it built in
    `~/.cache/pip`. In an image that directory is never used again, yet it
    stays in the layer: often as large as the installed packages themselves,
    and for data-science stacks hundreds of megabytes that every node pulls.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY requirements.txt .
    RUN pip install -r requirements.txt
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Fix safety
    Safe: pip resolves, downloads, builds and installs the same packages;
    only the copy it would keep for next time is not written. Only `pip
    install` is changed: `pip download` and `pip wheel` write into a folder
    the build keeps on purpose. No finding when `PIP_NO_CACHE_DIR` is set
    (by `ENV`, `ARG` or before the command; pip treats any value as "no
    cache"), when `--cache-dir` names a folder of the author's choosing, when
    the same `RUN` runs `pip cache purge` or deletes `~/.cache/pip`, with a
    `RUN --mount=type=cache` on a `.cache` folder, or in build stages the
    final image only copies files from. No fix for exec-form `RUN` or a
    heredoc fed to a command.
    """
    for run in shipped_runs(document):
        if 'pip' not in run.text or 'install' not in run.text:
            continue
        from modcon.knowledge.packages import pip_install  # a RUN that may run pip

        installs = []
        for command in run.script.commands:
            found = pip_install(command)
            if found is not None and not no_cache(command):
                installs.append((command, found[1], found[0]))
        if not installs:
            continue
        ins = run.instruction
        if any(m['type'] in ('cache', 'tmpfs') and m.get('target', '').rstrip('/').endswith(
                ('.cache', '.cache/pip')) for m in mounts(ins)):
            continue
        env = build_env(document.stages, run.stage, ins)
        if 'PIP_NO_CACHE_DIR' in env:
            continue
        last = installs[-1][0].end
        if removes(run.script, last, _CACHES) or runs_later(run.script, last, 'pip', 'cache') \
                or runs_later(run.script, last, 'pip3', 'cache'):
            continue
        fix = None
        if run.editable:
            fix = Fix.safe('Add `--no-cache-dir` to `pip install`',
                           *(insert_after(run, word, '--no-cache-dir') for _, word, _ in installs))
        first, _, after = installs[0]
        shown = ' '.join(w.text for w in first.words[:after + 1])
        yield Hit(ins.start, ins.end,
                  f'`{shown}` keeps its download and wheel cache in ~/.cache/pip in this layer; '
                  f'add `--no-cache-dir`', fix)
