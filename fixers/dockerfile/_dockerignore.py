"""The ``.dockerignore`` of a build: where BuildKit finds it, what it excludes,
and the one modcon proposes for a build that copies its whole context.

BuildKit reads ``<Dockerfile name>.dockerignore`` beside the Dockerfile first,
then ``.dockerignore`` at the root of the context (modcon takes the
Dockerfile's folder as the context, as everywhere else). Patterns follow
moby's patternmatcher: ``*`` and ``?`` stay within one path segment, ``**``
spans any number of them, ``!`` re-includes, the last matching line wins, and
a path is excluded when it or one of its parent folders matches.
"""
from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterable

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.dockerfile.syntax import copies_from_context
from modcon.readers.dockerfile.syntax import copy_words

_ESCAPE = frozenset('.+()|{}$^')


class Pattern(NamedTuple):
    text: str
    regex: re.Pattern[str]
    exclusion: bool  # a `!` line: re-includes what it matches


class Source(NamedTuple):
    """A context path that a ``COPY``/``ADD`` names (``.`` for the whole context)."""

    instruction: Instruction
    written: str
    path: str  # normalised, relative to the context root

    @property
    def is_glob(self) -> bool:
        return any(c in self.path for c in '*?[')


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    out = ['^']
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == '*':
            if i + 1 < n and pattern[i + 1] == '*':
                i += 2
                if i < n and pattern[i] == '/':
                    i += 1
                out.append('.*' if i >= n else '(.*/)?')
                continue
            out.append('[^/]*')
        elif ch == '?':
            out.append('[^/]')
        elif ch == '\\' and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch in _ESCAPE:
            out.append('\\' + ch)
        else:
            out.append(ch)
        i += 1
    out.append('$')
    try:
        return re.compile(''.join(out))
    except re.error:
        return re.compile(re.escape(pattern) + '$')


def parse(text: str) -> list[Pattern]:
    """The patterns of a ``.dockerignore`` (moby's ``ignorefile.ReadAll``): lines end
    at ``\n``, a byte-order mark before the first is dropped, and a line is a
    comment only when ``#`` is its very first character (``  # x`` is a pattern)."""
    patterns = []
    for raw in text.removeprefix('\ufeff').split('\n'):
        if raw.startswith('#'):
            continue
        line = raw.strip()
        if not line:
            continue
        exclusion = line.startswith('!')
        if exclusion:
            line = line[1:].strip()
        if not line:
            continue
        line = posixpath.normpath(line).lstrip('/') or '.'
        if line == '.':
            continue
        patterns.append(Pattern(line, compile_pattern(line), exclusion))
    return patterns


def excluded(patterns: Iterable[Pattern], path: str) -> bool:
    """Whether ``path`` (or a folder above it) is left out of the context."""
    path = posixpath.normpath(path).lstrip('/')
    parts = path.split('/')
    prefixes = ['/'.join(parts[:i]) for i in range(1, len(parts) + 1)]
    result = False
    for pattern in patterns:
        if any(pattern.regex.match(p) for p in prefixes):
            result = not pattern.exclusion
    return result


def ignore_file_names(dockerfile: str) -> tuple[str, str]:
    """The two names BuildKit tries, in order, relative to the Dockerfile's folder."""
    name = dockerfile.replace('\\', '/').rsplit('/', 1)[-1]
    return f'{name}.dockerignore', '.dockerignore'


def ignore_file(document: DockerfileDocument) -> tuple[str, str] | None:
    """The ignore file BuildKit uses for this Dockerfile: (name, text), or None.

    MC171 and MC185 both ask; the answer costs file-system lookups, so it is
    computed once per document."""
    return document.derived(_find_ignore_file)


def _find_ignore_file(document: DockerfileDocument) -> tuple[str, str] | None:
    found = None
    project = document.project
    if project is not None:
        for name in ignore_file_names(document.source.path):
            if project.is_file(name):  # one look-up for the usual answer, none
                text = project.read(name)
                found = (name, text if text is not None else '')  # '': unreadable (binary, huge)
                break
    return found


def sources(document: DockerfileDocument) -> list[Source]:
    """Every context path that a ``COPY``/``ADD`` of any stage names (read once per
    document: MC171, MC185 and its proposal all ask)."""
    return document.derived(_sources)


def _sources(document: DockerfileDocument) -> list[Source]:
    found = []
    for ins in document.instructions:
        # not ins.command: ONBUILD COPY copies from the downstream build's context
        if not copies_from_context(ins):
            continue
        for word in copy_words(ins.args.text)[:-1]:
            if '://' in word or word.startswith('git@'):
                continue
            path = posixpath.normpath(word.lstrip('/')) or '.'
            found.append(Source(ins, word, path))
    return found


def expand(document: DockerfileDocument, source: Source) -> list[str]:
    """The context paths a glob source matches (one level per segment), or the path."""
    if not source.is_glob or document.project is None:
        return [source.path]
    project = document.project
    matches = ['']
    for segment in source.path.split('/'):
        next_level = []
        for base in matches:
            if any(c in segment for c in '*?['):
                from modcon.readers import globs  # most COPY lines name no glob

                # fnmatchcase's test, compiled once: a folder may hold hundreds of names.
                matches_segment = globs.matcher(segment)
                for name in project.list_dir(base or '.'):
                    if matches_segment(name):
                        next_level.append(posixpath.join(base, name) if base else name)
            else:
                next_level.append(posixpath.join(base, segment) if base else segment)
        matches = next_level
    return matches

