"""The Dockerfiles that copy a changed file into an image.

When entrypoint code changed but its Dockerfile did not, the Dockerfiles that
build it are scanned too. Only the changed file's directory and its parents
are looked at (a build context contains the files it copies), so the cost
follows the change, not the size of the repository.
"""
from __future__ import annotations

import posixpath
from collections.abc import Iterable

from modcon.engine.discover import kind_of
from modcon.project import Project
from modcon.readers import globs
from modcon.readers.dockerfile.syntax import DockerfileSyntaxError
from modcon.readers.dockerfile.syntax import parse


def _copied_sources(text: str) -> list[str]:
    sources: list[str] = []
    for ins in parse(text).instructions:
        if ins.name not in ('COPY', 'ADD') or any(f.startswith('--from') for f in ins.flags):
            continue
        words = list(ins.args.json) if ins.args.json else ins.args.text.split()
        sources.extend(words[:-1])  # the last word is the destination
    return sources


def _covers(source: str, relative: str) -> bool:
    source = posixpath.normpath(source.lstrip('/')) if source not in ('.', './') else '.'
    if source == '.':
        return True
    return (relative == source or relative.startswith(source + '/')
            or globs.matcher(source)(relative) is not None)


def related_dockerfiles(project: Project, changed: Iterable[str], *,
                        copying: bool = True) -> set[str]:
    """The Dockerfiles of ``project`` (paths from its root) that copy a ``changed`` file;
    with ``copying=False``, every Dockerfile in a folder above one."""
    found: set[str] = set()
    cache: dict[str, list[str] | None] = {}
    for path in changed:
        directory = posixpath.dirname(path)
        while True:
            for name in project.list_dir(directory or '.'):
                if kind_of(name) != 'dockerfile':
                    continue
                candidate = posixpath.join(directory, name) if directory else name
                if not copying:
                    found.add(candidate)
                    continue
                if candidate not in cache:
                    text = project.read(candidate)
                    try:
                        cache[candidate] = None if text is None else _copied_sources(text)
                    except DockerfileSyntaxError:
                        cache[candidate] = None
                sources = cache[candidate]
                relative = posixpath.relpath(path, directory or '.')
                if sources and any(_covers(s, relative) for s in sources):
                    found.add(candidate)
            if not directory:
                break
            directory = posixpath.dirname(directory)
    return found
