"""MC161: `ADD` downloads a URL, or a git ref, that nothing pins."""
from __future__ import annotations

import re
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.lazyregex import lazy_compile
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.syntax import copy_words
from modcon.registry import rule

_HTTP = lazy_compile(r'^https?://', re.IGNORECASE)
# BuildKit's rules for a git source (frontend/dockerfile: IsGitURL and friends).
_GIT = lazy_compile(r'^(git@|git://|ssh://)|\.git(#|$)|^https?://[^#]*\.git($|#)', re.IGNORECASE)
_COMMIT = lazy_compile(r'#[0-9a-f]{40}(:|$)', re.IGNORECASE)


@rule(
    code='MC161',
    name='add-url-without-checksum',
    kind=Kind.DOCKERFILE,
    property=Property.IMMUTABLE,
    severity=Severity.WARNING,
    fixable=FixAvailability.NEVER,
    aliases=(),
    reads=('ADD',),
)
def add_url_without_checksum(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `ADD` instructions that download an HTTP(S) URL without
    `--checksum=sha256:...`, or add a git repository at a branch or tag
    instead of a commit.

    ## Why is this bad?
    The bytes behind a URL can change at any time: a re-released tarball, a
    moved branch, a compromised server. Without a checksum the build takes
    whatever it receives, so two builds of one commit can differ, and whoever
    controls the URL controls the image. BuildKit verifies `--checksum`
    before it uses the file and fails the build on a mismatch.

    ## Example
    ```dockerfile
    ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
    ```

    ## Use instead
    ```dockerfile
    ADD --checksum=sha256:93dcc18adc78c65a028a84799ecf8ad40c936fdfc5f2a57b1acda5a8117fa82c \\
        https://github.com/krallin/tini/releases/download/v0.19.0/tini /tini
    ```

    ## Fix safety
    No fix: the checksum must come from a download the author trusts, not
    from modcon. `ADD --checksum` needs the Dockerfile frontend 1.6 or later
    (`# syntax=docker/dockerfile:1`); for git sources, name a full commit
    (`#<40 hex digits>`) or give `--checksum` with the commit. Local files
    and archives are not this rule's concern.
    """
    for ins in document.instructions:
        command = ins.command
        if command.name != 'ADD':
            continue
        if any(f.startswith('--checksum=') and len(f) > len('--checksum=') for f in command.flags):
            continue
        for source in copy_words(command.args.text)[:-1]:
            if _GIT.search(source):
                if _COMMIT.search(source):
                    continue
                yield Hit(ins.start, ins.end,
                          f'`ADD {source}` takes whatever the branch or tag points to when the '
                          f'image is built; name a commit (`#<sha>`) or add `--checksum`')
            elif _HTTP.match(source):
                yield Hit(ins.start, ins.end,
                          f'`ADD {source}` uses whatever the server returns, unverified; add '
                          f'`--checksum=sha256:<digest>` so the build fails if the file changes')
