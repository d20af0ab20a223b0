"""MC164: the build runs a script straight from a URL (`curl ... | sh`)."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers._piped_downloads import may_pipe_download
from modcon.fixers._piped_downloads import piped_downloads
from modcon.fixers.dockerfile._run_scripts import runs_of
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule


@rule(
    code='MC164',
    name='remote-script-piped-to-shell',
    kind=Kind.DOCKERFILE,
    property=Property.IMMUTABLE,
    severity=Severity.WARNING,
    fixable=FixAvailability.NEVER,
    aliases=(),
    reads=('RUN',),
)
def remote_script_piped_to_shell(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Reports `RUN` instructions that download a script and run it in the same
    breath: `curl URL | sh`, `wget -qO- URL | bash`, `curl URL | python3 -`,
    `sh -c "$(curl URL)"`.

    ## Why is this bad?
    The build executes whatever the URL serves at that moment, unverified:
    a new version of the installer, a different version of the tool it
    installs, or an attacker's script. Two builds of one commit can install
    different software, and nothing in the Dockerfile says which.

    ## Example
    ```dockerfile
    RUN curl -sSL https://install.python-poetry.org | python3 -
    ```

    ## Use instead
    ```dockerfile
    ADD --checksum=sha256:<sha256> https://install.python-poetry.org/ /tmp/install-poetry.py
    RUN POETRY_VERSION=1.8.3 python3 /tmp/install-poetry.py
    ```
    or install the tool from a package registry with a pinned version
    (`pip install poetry==1.8.3`).

    ## Fix safety
    No fix: the checksum and the version to pin must come from the author.
    A download to a file that a later command checks (`sha256sum -c`) is not
    reported; neither is a download that is not executed.
    """
    for stage in document.stages:
        for run in runs_of(document, stage):
            if not may_pipe_download(run.text):
                continue
            for _, _, shown in piped_downloads(run.script):
                ins = run.instruction
                yield Hit(ins.start, ins.end,
                          f'`{shown}` runs whatever the URL serves at build time, unverified; '
                          f'download it with a checksum (`ADD --checksum`), pin the version it '
                          f'installs, then run it')
