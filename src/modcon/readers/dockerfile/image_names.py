"""Image references in a Dockerfile and whether they name fixed bits.

``FROM``, ``COPY --from`` and ``RUN --mount=from=`` can name an image. A
reference is *pinned* by a digest (``@sha256:...``), *versioned* by a tag that
names a release, and *floating* when it has no tag (Docker pulls ``latest``) or
a tag that moves by definition (``latest``, ``edge``, ``nightly``...). Earlier
stages and ``scratch`` are not images.

References built from ``ARG``s (``FROM python:${PY}``) are read with the
defaults of the ``ARG``s declared before the first ``FROM``; when a variable
has no default, the reference is chosen at build time and not judged.
"""
from __future__ import annotations

import re

from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.dockerfile.syntax import arg_defaults

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.entrypoints.dockerfile_document import DockerfileDocument

# Tags that are moved on purpose to whatever is newest.
FLOATING_TAGS = frozenset(('latest', 'edge', 'nightly', 'rolling', 'unstable', 'testing',
                           'sid', 'rawhide', 'devel'))
_VARIABLE = lazy_compile(r'\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))')


class Reference(NamedTuple):
    """An image reference, split as the Docker reference grammar does."""

    written: str  # as in the Dockerfile
    resolved: str  # with ARG defaults substituted
    repository: str
    tag: str | None
    digest: str | None
    via: tuple[str, ...]  # the ARGs whose defaults were used

    @property
    def floating(self) -> bool:
        """No digest, and no tag or a tag that moves on purpose."""
        return self.digest is None and (self.tag is None or self.tag.lower() in FLOATING_TAGS)


def split(reference: str) -> tuple[str, str | None, str | None]:
    """``registry:5000/team/app:1.2@sha256:...`` -> (repository, tag, digest)."""
    name, _, digest = reference.partition('@')
    slash = name.rfind('/')
    colon = name.rfind(':')
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    return name, tag or None, digest or None


def global_args(document: DockerfileDocument) -> dict[str, str | None]:
    """``ARG``s before the first ``FROM``, with their defaults (None: no default)."""
    args: dict[str, str | None] = {}
    for ins in document.instructions:
        if ins.name == 'FROM':
            break
        if ins.name == 'ARG':
            args.update(arg_defaults(ins.args.text))
    return args


def substitute(text: str, args: dict[str, str | None]) -> tuple[str, tuple[str, ...]] | None:
    """``text`` with ``$X``, ``${X}``, ``${X:-d}``, ``${X:+w}`` replaced; None when a
    variable has no value at all (the build must pass it)."""
    used: list[str] = []
    missing = False

    def one(match: re.Match[str]) -> str:
        nonlocal missing
        name = match[1] or match[4]
        value = args.get(name)
        used.append(name)
        operator, word = match[2], match[3] or ''
        if operator in (':-', '-'):
            if value is None or (operator == ':-' and value == ''):
                return word
            return value
        if operator in (':+', '+'):
            return word if value else ''
        if value is None:
            missing = True
            return ''
        return value

    result = _VARIABLE.sub(one, text)
    if missing:
        return None
    return result, tuple(used)


def reference(written: str, args: dict[str, str | None]) -> Reference | None:
    """The reference ``written`` names, or None when it depends on an ARG without default."""
    substituted = substitute(written, args) if '$' in written else (written, ())
    if substituted is None:
        return None
    resolved, via = substituted
    repository, tag, digest = split(resolved)
    return Reference(written, resolved, repository, tag, digest, via)


def stage_names(document: DockerfileDocument) -> set[str]:
    return {s.name for s in document.stages if s.name}


def from_flag(ins: Instruction) -> str | None:
    """The image or stage a ``COPY --from=`` names."""
    for flag in ins.command.flags:
        if flag.startswith('--from='):
            return flag[len('--from='):]
    return None


_WINDOWS_NAMES = frozenset(('windows', 'nanoserver', 'servercore', 'windowsservercore'))


def is_windows(image: str) -> bool:
    """Whether ``image`` is a Windows base image: a path component named for one
    (``mcr.microsoft.com/windows/servercore:ltsc2022``, ``nanoserver``), or a tag
    with such a word (``python:3.12-windowsservercore-ltsc2022``, ``golang:nanoserver``).

    A doubt leans to Windows, where modcon leaves commands as they are: read as
    POSIX shell, a ``cmd`` command would be rewritten into another one (``%PORT%``
    no longer expanded, backslashes read as escapes)."""
    image = image.lower()
    tag = image.rpartition('/')[2].partition(':')[2].partition('@')[0]
    if any(word in _WINDOWS_NAMES for word in tag.split('-')):
        return True
    for part in image.split('/'):
        name = part.split(':', 1)[0].split('@', 1)[0].split('-', 1)[0]
        if name in _WINDOWS_NAMES:
            return True
    return False
