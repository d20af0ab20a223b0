"""From the Dockerfiles in scope to the entrypoint code their containers run.

Each Dockerfile's command is followed (``dockerfile/resolve.py``) within its
build context, taken to be the Dockerfile's folder. The code files found are
checked with the invocations that make them entrypoints; a file run by
several Dockerfiles carries all of them.
"""
from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from typing import NamedTuple

from modcon.discover import Target
from modcon.dockerfile.document import DockerfileDocument
from modcon.dockerfile.resolve import Resolution
from modcon.dockerfile.resolve import resolve
from modcon.entrypoints import Invocation
from modcon.errors import ModconError
from modcon.files import read_source
from modcon.project import LocalProject


class CodeScope(NamedTuple):
    targets: list[Target]
    invocations: dict[str, tuple[Invocation, ...]]  # by display path
    resolutions: list[Resolution]


def context_of(dockerfile: Target) -> LocalProject:
    return LocalProject(os.path.dirname(dockerfile.path))


def code_scope(dockerfiles: Iterable[Target]) -> CodeScope:
    """The entrypoint code that the Dockerfiles' containers run.

    A Dockerfile in scope brings its entrypoint code into scope too, wherever
    it lies (``exclude`` patterns only prune directory scans).
    """
    targets: dict[str, Target] = {}
    invocations: dict[str, list[Invocation]] = {}
    resolutions: list[Resolution] = []
    for dockerfile in dockerfiles:
        try:
            source = read_source(dockerfile.path, dockerfile.display)
        except ModconError:
            continue  # reported when the Dockerfile itself is read
        document = DockerfileDocument(source, context_of(dockerfile))
        if document.error is not None:
            continue
        resolution = resolve(document, dockerfile.display, document.project)  # type: ignore[arg-type]
        resolutions.append(resolution)
        base_real = os.path.dirname(dockerfile.path)
        base_display = posixpath.dirname(dockerfile.display)
        for target in resolution.targets:
            display = posixpath.normpath(posixpath.join(base_display, target.path))
            real = os.path.realpath(os.path.join(base_real, target.path))
            targets.setdefault(display, Target(real, display, target.kind))
            invocations.setdefault(display, []).append(target.invocation)
    return CodeScope(list(targets.values()),
                     {path: tuple(found) for path, found in invocations.items()}, resolutions)
