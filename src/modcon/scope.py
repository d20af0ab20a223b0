"""From the Dockerfiles in scope to the entrypoint code their containers run.

Each Dockerfile's command is followed (``entrypoints/resolve.py``) within its
build context, taken to be the Dockerfile's folder. The code files found are
checked with the invocations that make them entrypoints; a file run by
several Dockerfiles carries all of them.
"""
from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from collections.abc import Iterable
from typing import NamedTuple

from modcon.discover import Target
from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.invocation import Invocation
from modcon.entrypoints.resolve import Resolution
from modcon.errors import ModconError
from modcon.files import read_source
from modcon.fixplan import FileInput
from modcon.project import LocalProject
from modcon.source import SourceFile

# How a code file named on its own (reached by no Dockerfile) is run.
INTERPRETERS = {'python': 'python', 'shell': 'sh', 'javascript': 'node'}


class CodeScope(NamedTuple):
    targets: list[Target]
    invocations: dict[str, tuple[Invocation, ...]]  # by display path
    resolutions: list[Resolution]


def context_of(dockerfile: Target) -> LocalProject:
    """The Dockerfile's build context: its folder, or what a Compose file says."""
    from modcon.readers.compose import build_for

    build = build_for(dockerfile.path)
    if build is None:
        return LocalProject(os.path.dirname(dockerfile.path))
    project = LocalProject(build.context)
    project.compose = build
    return project


class ScopeBuilder:
    """Gathers the entrypoint code of Dockerfiles one by one, as they are checked,
    so that each Dockerfile is read and parsed once. Dockerfiles in one folder
    share their build context (and its cache of resolved paths)."""

    def __init__(self) -> None:
        self._targets: dict[str, Target] = {}
        self._invocations: dict[str, list[Invocation]] = {}
        self._resolutions: list[Resolution] = []
        self._contexts: dict[str, LocalProject] = {}
        self._by_dockerfile: dict[str, LocalProject] = {}

    def context(self, dockerfile: Target) -> LocalProject:
        known = self._by_dockerfile.get(dockerfile.path)
        if known is None:
            found = context_of(dockerfile)
            key = f'{found.root}\0{found.compose.target if found.compose else ""}'
            known = self._by_dockerfile[dockerfile.path] = self._contexts.setdefault(key, found)
        return known

    def add(self, dockerfile: Target, resolution: Resolution) -> None:
        """Take in where ``dockerfile``'s command leads."""
        self._resolutions.append(resolution)
        folder = os.path.dirname(dockerfile.path)
        base_real = self.context(dockerfile).root
        # the context's display path, from the Dockerfile's
        base_display = posixpath.normpath(posixpath.join(
            posixpath.dirname(dockerfile.display),
            os.path.relpath(base_real, os.path.realpath(folder)).replace(os.sep, '/')))
        for target in resolution.targets:
            display = posixpath.normpath(posixpath.join(base_display, target.path))
            real = os.path.realpath(os.path.join(base_real, target.path))
            self._targets.setdefault(display, Target(real, display, target.kind))
            self._invocations.setdefault(display, []).append(target.invocation)

    def scope(self) -> CodeScope:
        return CodeScope(list(self._targets.values()),
                         {path: tuple(found) for path, found in self._invocations.items()},
                         list(self._resolutions))


def code_scope(dockerfiles: Iterable[Target]) -> CodeScope:
    """The entrypoint code that the Dockerfiles' containers run.

    A Dockerfile in scope brings its entrypoint code into scope too, wherever
    it lies (``exclude`` patterns only prune directory scans).
    """
    builder = ScopeBuilder()
    for dockerfile in dockerfiles:
        try:
            source = read_source(dockerfile.path, dockerfile.display)
        except ModconError:
            continue  # reported when the Dockerfile itself is read
        document = DockerfileDocument(source, builder.context(dockerfile))
        if document.error is None:
            builder.add(dockerfile, document.resolution)
    return builder.scope()


def _read_text(target: Target) -> str:
    return read_source(target.path, target.display).text


def gather(targets: Iterable[Target], *, read: Callable[[Target], str] = _read_text,
           errors: list[ModconError] | None = None) -> list[FileInput]:
    """Every file ``modcon fix`` works on for ``targets`` (as ``discover`` found them),
    each read once and classified by what it is, with what its rules need.

    A Dockerfile carries its build context; the code its container runs comes
    into scope with the invocations that run it; a code file named on its own
    is taken as the program a container runs. ``read`` is the one place files
    are read (the Action plugs in its confined reader); a file that cannot be
    read is left out and its error appended to ``errors``.
    """
    builder = ScopeBuilder()
    files: dict[str, FileInput] = {}
    order = list(targets)

    def take(target: Target) -> None:
        try:
            text = read(target)
        except ModconError as exc:
            if errors is not None:
                errors.append(exc)
            return
        project = builder.context(target) if target.kind == 'dockerfile' else None
        files[target.display] = FileInput(target.display, text, target.kind, (), project)
        if project is not None:
            document = DockerfileDocument(SourceFile(target.display, text), project)
            if document.error is None:
                builder.add(target, document.resolution)

    for target in order:
        if target.kind == 'dockerfile':
            take(target)
    scope = builder.scope()
    known = {t.display for t in order}
    order += [t for t in scope.targets if t.display not in known]
    for target in order:
        if target.kind != 'dockerfile':
            take(target)
    out = []
    for target in order:
        item = files.get(target.display)
        if item is None or item.kind == 'dockerfile':
            if item is not None:
                out.append(item)
            continue
        invocations = scope.invocations.get(target.display, ())
        if not invocations:
            invocations = (Invocation(None, 0, (INTERPRETERS[item.kind], item.path)),)
        out.append(item._replace(invocations=invocations))
    return out
