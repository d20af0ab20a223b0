"""MC163: a language package installed without an exact version."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._run_scripts import runs_of
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule

_KEYWORDS = ('pip', 'npm', 'yarn', 'pnpm', 'gem', 'go ', 'cargo')
# Each reader in knowledge.packages needs its tool's install word: `install`, `add`
# (yarn, pnpm), `go get`, or one of npm's abbreviations (`npm i`), which come with `npm`.
_INSTALLS = ('install', 'add', 'npm', 'go get')


@rule(
    code='MC163',
    name='package-version-not-pinned',
    kind=Kind.DOCKERFILE,
    property=Property.IMMUTABLE,
    severity=Severity.WARNING,
    fixable=FixAvailability.NEVER,
    aliases=('hadolint:DL3013', 'hadolint:DL3016', 'hadolint:DL3028', 'hadolint:DL3062'),
    reads=('RUN',),
)
def package_version_not_pinned(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Reports `pip install`, `npm install`/`yarn add`/`pnpm add`, `gem install`,
    `go get`/`go install` and `cargo install` of packages named without an
    exact version, in any stage. A `pip install -r requirements.txt` is read from
    the build context when the file was copied in, and reported when its
    lines are not pinned.

    ## Why is this bad?
    `pip install flask` installs whatever PyPI has on the day of the build:
    a new major version can arrive between two builds of the same commit,
    and the image that reaches production is not the one that was tested.
    A lock file or exact versions make a rebuild give the same packages.

    ## Example
    ```dockerfile
    RUN pip install --no-cache-dir flask gunicorn
    RUN npm install -g pm2
    ```

    ## Use instead
    ```dockerfile
    COPY requirements.txt .
    RUN pip install --no-cache-dir --require-hashes -r requirements.txt
    RUN npm install -g pm2@5.4.2
    ```

    ## Fix safety
    No fix: which version to pin is the author's decision. Not reported:
    exact versions (`==`, `===`, `name @ url`, `@1.2.3`, `name:1.2.3`, `-v`),
    paths, wheels and URLs, `--require-hashes`, `--no-index`, a constraints
    file (`-c`), lock-file installs (`npm ci`, `pip install -r` of a pinned
    file, `poetry install`, `uv sync`; `go install path` without `@` and
    `go install tool`, which build the versions go.mod requires), versions
    from variables (`"app==$VERSION"`), and requirements files modcon cannot
    read.
    Distribution packages (`apt-get`, `apk`, `dnf`) are left alone on
    purpose: within a release their versions only get fixes, the base image
    tag is their pin (MC160), and exact Debian or Alpine versions break the
    build once the mirror drops them.
    """
    stages = document.stages
    for stage in stages:
        for run in runs_of(document, stage):
            if not any(k in run.text for k in _KEYWORDS) or \
                    not any(k in run.text for k in _INSTALLS):
                continue
            from modcon.knowledge.packages import context_reader  # a RUN that may install
            from modcon.knowledge.packages import image_files
            from modcon.knowledge.packages import unpinned

            read = None
            for command in run.script.commands:
                if read is None:
                    workdir, copies = image_files(stages, stage, run.instruction,
                                                  document.project)
                    read = context_reader(document.project, workdir, copies)
                found = unpinned(command, read)
                if found is None:
                    continue
                ins = run.instruction
                names = ', '.join(f'`{p}`' for p in found.packages[:4])
                more = f' and {len(found.packages) - 4} more' if len(found.packages) > 4 else ''
                yield Hit(ins.start, ins.end,
                          f'`{found.tool}` installs {names}{more} without an exact version, so '
                          f'each build takes whatever the registry has that day; pin with '
                          f'{found.hint}')
