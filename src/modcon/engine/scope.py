"""What to check: the one scope service of the CLI, the Action, the bot and the comment commands.

Each file is read once, taken for what it is (the kind ``discover`` gave it:
a Dockerfile, or code by its extension) and parsed once; the parsed document
travels with it (``FileInput.document``) to the engine. Each Dockerfile's
command is followed (``entrypoints/resolve.py``) within its build context; the
code files found come into scope with the invocations that make them
entrypoints, wherever they lie (``exclude`` patterns only prune directory
scans); a file run by several Dockerfiles carries all of them; a code file
named on its own is taken as the program a container runs.

Where the files come from is a ``Reader``: the working tree (``LocalReader``;
the Action plugs in its confined reader) or a commit read through the GitHub
API (``github.apiproject.ApiReader``).
"""
from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping

from modcon.engine.discover import Target
from modcon.engine.files import read_source
from modcon.entrypoints.invocation import Invocation
from modcon.errors import InputError
from modcon.errors import ModconError
from modcon.model import CODE_KINDS
from modcon.model import Kind
from modcon.named_tuple import NamedTuple
from modcon.project import LocalProject
from modcon.project import LocalTree
from modcon.project import Project
from modcon.source import SourceFile
from modcon.source import undecodable

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing import Protocol

    from modcon.document import Document
    from modcon.entrypoints.dockerfile_document import DockerfileDocument
    from modcon.entrypoints.resolve import Resolution

# How a code file named on its own (reached by no Dockerfile) is run.
INTERPRETERS = {'python': 'python', 'shell': 'sh', 'javascript': 'node'}


class FileInput(NamedTuple):
    """One file to check or fix, with what its rules need."""

    path: str  # as displayed: relative to the repository root or the current folder
    text: str
    kind: Kind
    invocations: tuple[Invocation, ...] = ()
    project: Project | None = None  # a Dockerfile's build context
    document: Document | None = None  # ``text`` parsed, once, for the engine (None: not parsed yet)

    @property
    def source(self) -> SourceFile:
        return self.document.source if self.document is not None \
            else SourceFile(self.path, self.text)

    @property
    def dockerfile(self) -> DockerfileDocument | None:
        """The document as a Dockerfile's (its stages, where its command leads), when
        this file is a Dockerfile and parsed; None otherwise."""
        if self.kind != Kind.DOCKERFILE or self.document is None:
            return None
        from modcon.entrypoints.dockerfile_document import DockerfileDocument

        return self.document if isinstance(self.document, DockerfileDocument) else None

    def with_text(self, text: str) -> FileInput:
        """The same file with another text (and no document: that was of the old text)."""
        return self._replace(text=text, document=None)


def document_for(kind: Kind, source: SourceFile, invocations: tuple[Invocation, ...] = (),
                 project: Project | None = None) -> Document:
    """``source`` parsed as the rules of ``kind`` read it."""
    if kind == Kind.DOCKERFILE:
        from modcon.entrypoints.dockerfile_document import DockerfileDocument

        return DockerfileDocument(source, project)
    if kind in CODE_KINDS:
        from modcon.entrypoints.code_document import CodeDocument

        return CodeDocument(source, kind, invocations)
    raise ValueError(f'unknown kind {kind!r}')


if TYPE_CHECKING:  # pragma: no cover - a protocol is for type checkers only
    class Reader(Protocol):
        """Where the scope reads files, and what a Dockerfile's build context is there."""

        def read(self, target: Target) -> str:
            """The text of ``target``; ModconError when it cannot be read."""

        def context(self, dockerfile: Target) -> Project:
            """The build context of ``dockerfile``."""

        def locate(self, dockerfile: Target, path: str, kind: Kind) -> Target:
            """The file ``path`` of ``dockerfile``'s build context, as a target."""


def context_of(dockerfile: Target, tree: LocalTree | None = None) -> LocalProject:
    """The Dockerfile's build context: its folder, or what a Compose file says.

    ``tree`` answers what the file system holds (a run's Dockerfiles share one).
    """
    from modcon.readers.compose import build_for

    tree = tree if tree is not None else LocalTree()
    build = build_for(dockerfile.path, tree)
    if build is None:
        return LocalProject(os.path.dirname(dockerfile.path), tree)
    project = LocalProject(build.context, tree)
    project.compose = build
    return project


def _read_text(target: Target) -> str:
    return read_source(target.path, target.display).text


class LocalReader:
    """The working tree. Dockerfiles in one folder share their build context
    (and its cache of resolved paths); all of them share what the file system
    said (``project.LocalTree``), for the run."""

    def __init__(self, read: Callable[[Target], str] = _read_text,
                 pending: Mapping[str, str] | None = None) -> None:
        """``pending``: texts to read in place of files, by real path (``LocalTree``)."""
        self._read_file = read
        self.tree = LocalTree(pending)
        self._contexts: dict[str, LocalProject] = {}
        self._by_dockerfile: dict[str, LocalProject] = {}

    def read(self, target: Target) -> str:
        pending = self.tree.pending.get(target.path)
        return pending if pending is not None else self._read_file(target)

    def context(self, dockerfile: Target) -> LocalProject:
        known = self._by_dockerfile.get(dockerfile.path)
        if known is None:
            found = context_of(dockerfile, self.tree)
            key = f'{found.root}\0{found.compose.target if found.compose else ""}'
            known = self._by_dockerfile[dockerfile.path] = self._contexts.setdefault(key, found)
        return known

    def locate(self, dockerfile: Target, path: str, kind: Kind) -> Target:
        base_real = self.context(dockerfile).root
        folder = os.path.dirname(dockerfile.path)
        # the context's display path, from the Dockerfile's
        base_display = posixpath.normpath(posixpath.join(
            posixpath.dirname(dockerfile.display),
            os.path.relpath(base_real, self.tree.realpath(folder)).replace(os.sep, '/')))
        return Target(self.tree.realpath(os.path.join(base_real, path)),
                      posixpath.normpath(posixpath.join(base_display, path)), kind)


class CodeScope(NamedTuple):
    targets: list[Target]
    invocations: dict[str, tuple[Invocation, ...]]  # by display path
    resolutions: list[Resolution]


class Scope:
    """Reads and parses files one by one, as they are checked, and gathers the
    entrypoint code of the Dockerfiles followed on the way."""

    def __init__(self, reader: Reader | None = None) -> None:
        self.reader: Reader = reader if reader is not None else LocalReader()
        self._targets: dict[str, Target] = {}
        self._invocations: dict[str, list[Invocation]] = {}
        self._resolutions: list[Resolution] = []

    def read(self, target: Target, invocations: tuple[Invocation, ...] = ()) -> FileInput:
        """``target`` read and parsed (ModconError when it cannot be read).

        A Dockerfile comes with its build context; its command is not followed
        yet (``follow``).
        """
        text = self.reader.read(target)
        # Docker and the shell take any bytes; Python refuses a file that is not UTF-8
        # unless a coding line names its encoding (modcon reads the one-byte ones).
        if target.kind == Kind.PYTHON and undecodable(text) is not None:  # UTF-8: no
            from modcon.readers.python.encoding import unreadable_byte
            from modcon.readers.python.encoding import unreadable_reason

            at = unreadable_byte(text)
            if at is not None:
                raise InputError(target.display, unreadable_reason(text, at))
        project = self.reader.context(target) if target.kind == Kind.DOCKERFILE else None
        document = document_for(target.kind, SourceFile(target.display, text), invocations,
                                project)
        return FileInput(target.display, text, target.kind, invocations, project, document)

    def follow(self, dockerfile: Target, resolution: Resolution) -> None:
        """Take in where ``dockerfile``'s command leads."""
        self._resolutions.append(resolution)
        for found in resolution.targets:
            target = self.reader.locate(dockerfile, found.path, found.kind)
            self._targets.setdefault(target.display, target)
            self._invocations.setdefault(target.display, []).append(found.invocation)

    def follow_input(self, dockerfile: Target, item: FileInput) -> None:
        """Follow the command of a Dockerfile read by ``read``, if it parses."""
        document = item.dockerfile
        if document is not None and document.error is None:
            self.follow(dockerfile, document.resolution)

    def code(self, targets: Iterable[Target]) -> list[tuple[Target, tuple[Invocation, ...]]]:
        """The code files to check once the Dockerfiles of ``targets`` are followed:
        those named in ``targets``, then those their commands reach, each with the
        invocations that run it."""
        listed = list(targets)
        known = {t.path for t in listed}
        reached = [t for t in self._targets.values() if t.path not in known]
        out = []
        for target in [*listed, *reached]:
            if target.kind == Kind.DOCKERFILE:
                continue
            invocations = tuple(self._invocations.get(target.display, ()))
            if not invocations:
                # Named on its own: taken as the program a container runs.
                invocations = (Invocation(None, 0, (INTERPRETERS[target.kind], target.display)),)
            out.append((target, invocations))
        return out

    def scope(self) -> CodeScope:
        return CodeScope(list(self._targets.values()),
                         {path: tuple(found) for path, found in self._invocations.items()},
                         list(self._resolutions))


def code_scope(dockerfiles: Iterable[Target],
               errors: list[ModconError] | None = None) -> CodeScope:
    """The entrypoint code that the Dockerfiles' containers run.

    Every file is read as ``modcon check`` reads it, the code reached included,
    and each one that cannot be read has its error appended to ``errors``: an
    explanation built on a file that was not read would pass for an all-clear
    (an unreadable script reads as one that runs nothing).
    """
    scope = Scope()
    _read_dockerfiles_and_code(scope, list(dockerfiles), errors)
    return scope.scope()


def explained(code: CodeScope) -> list[str]:
    """How each Dockerfile's command was followed, in words (``explain-entrypoint``)."""
    from modcon.entrypoints.resolve import explain

    return [explain(resolution) for resolution in code.resolutions]


def gather(targets: Iterable[Target], reader: Reader | None = None,
           errors: list[ModconError] | None = None) -> list[FileInput]:
    """Every file to check for ``targets`` (as ``discover`` found them), each read and
    parsed once, with what its rules need, in the order of ``targets`` and then of
    the code their Dockerfiles reach. A file that cannot be read is left out and
    its error appended to ``errors``."""
    listed = list(targets)
    files, code = _read_dockerfiles_and_code(Scope(reader), listed, errors)
    order = [*(t for t in listed if t.kind == Kind.DOCKERFILE), *(t for t, _ in code)]
    position = {t.path: i for i, t in enumerate(listed)}
    order.sort(key=lambda t: position.get(t.path, len(position)))
    return [files[t.path] for t in order if t.path in files]


def _read_dockerfiles_and_code(
        scope: Scope, listed: list[Target], errors: list[ModconError] | None,
) -> tuple[dict[str, FileInput], list[tuple[Target, tuple[Invocation, ...]]]]:
    """Read the Dockerfiles of ``listed``, follow their commands, then read the code
    files (``Scope.code``): the files read, by path, and the code files with their
    invocations.

    The one reading that ``gather`` (the Action, the bot) and ``code_scope``
    (``explain-entrypoint``) share: each file is read by ``Scope.read``, as
    ``modcon check`` reads it, so all refuse the same files with the same errors,
    appended to ``errors`` in the order read.
    """
    files: dict[str, FileInput] = {}

    def take(target: Target, invocations: tuple[Invocation, ...] = ()) -> FileInput | None:
        try:
            item = files[target.path] = scope.read(target, invocations)
        except ModconError as exc:
            if errors is not None:
                errors.append(exc)
            return None
        return item

    for target in listed:
        if target.kind == Kind.DOCKERFILE:
            item = take(target)
            if item is not None:
                scope.follow_input(target, item)
    code = scope.code(listed)
    for target, invocations in code:
        take(target, invocations)
    return files, code
