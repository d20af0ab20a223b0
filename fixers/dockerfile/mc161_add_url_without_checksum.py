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
from modcon.readers.dockerfile.syntax import Instruction
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
    (`#<40 hex digits>`) or give `--checksum` with the commit. A git ref
    from an `ARG` is judged by the `ARG`'s default (`#$RUNC_COMMIT` with a
    40-digit default is a commit); without a default the build chooses, and
    nothing is reported. Local files and archives are not this rule's concern.
    """
    for ins in document.instructions:
        command = ins.command
        if command.name != 'ADD':
            continue
        if any(f.startswith('--checksum=') and len(f) > len('--checksum=') for f in command.flags):
            continue
        for source in copy_words(command.args.text)[:-1]:
            if _GIT.search(source):
                resolved = _resolved(document, ins, _unquoted(source))
                if resolved is None or _COMMIT.search(resolved):
                    continue  # a commit, or an ARG without default: the build chooses
                ref = resolved.rpartition('#')[2] if '#' in resolved else ''
                at = f' (`#{ref}` with the `ARG` defaults)' if '$' in source and ref else ''
                yield Hit(ins.start, ins.end,
                          f'`ADD {source}`{at} takes whatever the branch or tag points to when '
                          f'the image is built; name a commit (`#<sha>`) or add `--checksum`')
            elif _HTTP.match(source):
                yield Hit(ins.start, ins.end,
                          f'`ADD {source}` uses whatever the server returns, unverified; add '
                          f'`--checksum=sha256:<digest>` so the build fails if the file changes')


def _resolved(document: DockerfileDocument, ins: Instruction, source: str) -> str | None:
    """``source`` with its ``$ARG``s replaced by the defaults the stage above ``ins``
    declares (an ``ARG X`` without one takes the default of the ``ARG X`` before the
    first ``FROM``); None when one has no default."""
    if '$' not in source:
        return source
    from modcon.readers.dockerfile.image_names import global_args
    from modcon.readers.dockerfile.image_names import substitute
    from modcon.readers.dockerfile.syntax import arg_defaults

    declared = global_args(document)
    args: dict[str, str | None] = {}  # a stage sees only the ARGs it declares
    # The last stage that starts above `ins` (`Stages.stage_of` gives an empty stage
    # such as `FROM minio AS minio` every instruction that follows it).
    stage = [s for s in document.stages if s.from_instruction.start <= ins.start][-1]
    for earlier in stage.instructions:
        if earlier.start >= ins.start:
            break
        if earlier.name == 'ARG':
            for name, default in arg_defaults(earlier.args.text).items():
                args[name] = default if default is not None else declared.get(name)
    found = substitute(source, args)
    return found[0] if found is not None else None


def _unquoted(source: str) -> str:
    """The word as BuildKit reads it: ``"https://x.git#$REF"`` without its quotes."""
    return source.replace('"', '').replace("'", '')
