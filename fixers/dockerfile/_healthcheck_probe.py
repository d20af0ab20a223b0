"""Read a HEALTHCHECK probe built on curl: does it fail on HTTP errors, and is its status 0 or 1?

Docker's health-check contract is exit status 0 (healthy) or 1 (unhealthy);
2 is reserved. ``curl`` exits 0 whenever it got an answer, a 500 included,
unless ``-f``/``--fail`` is given; with it, an HTTP error is status 22, a
refused connection 7, a timeout 28. The recommended probe therefore is
``curl -f URL || exit 1`` under a shell.

``read_probe`` understands two shapes and nothing else (anything more, such
as ``curl ... | grep ok``, already decides its own status):

* exec form with curl as the program: ``["curl", "-f", "http://localhost/"]``;
* a shell script (shell form, or exec form ``["/bin/sh", "-c", "..."]``)
  that is one curl command, optionally followed by ``|| exit 1``.
"""
from __future__ import annotations

import posixpath

from modcon.named_tuple import NamedTuple

# curl's short options that take an argument: in a cluster such as `-so`,
# the rest of the word (or the next word) is that argument, not more flags.
_SHORT_WITH_ARGUMENT = frozenset('AbcCdDeEFHKmoPQrtTuUwxXyYz')
_LONG_FAIL = frozenset(('--fail', '--fail-with-body'))


class Probe(NamedTuple):
    """A curl probe; offsets index ``script`` (when there is one)."""

    script: str | None  # the shell script, or None for an exec-form curl argv
    argv: tuple[str, ...] | None  # the exec-form argv, when there is no script
    fails_on_http_errors: bool  # -f/--fail given
    maps_to_one: bool  # the script ends in `|| exit 1`
    name_end: int  # where `curl` ends in the script (where ` -f` goes)


def curl_fails(args: tuple[str | None, ...]) -> bool:
    """Whether curl's arguments include ``-f``/``--fail`` (in a short cluster too)."""
    skip = False
    for word in args:
        if skip:
            skip = False
            continue
        if word is None or not word.startswith('-') or word == '-':
            continue
        if word.startswith('--'):
            if word.split('=', 1)[0] in _LONG_FAIL:
                return True
            continue
        for index, letter in enumerate(word[1:], start=1):
            if letter == 'f':
                return True
            if letter in _SHORT_WITH_ARGUMENT:
                skip = index == len(word) - 1  # `-o FILE`: the next word is the argument
                break
    return False


def read_probe(argv: tuple[str, ...] | None, script: str | None) -> Probe | None:
    """The curl probe in ``argv`` (exec form) or ``script`` (shell), or None."""
    if argv is not None:
        if not argv or posixpath.basename(argv[0]) != 'curl':
            return None
        return Probe(None, argv, curl_fails(argv[1:]), False, 0)
    assert script is not None
    if 'curl' not in script:
        return None
    from modcon.readers.shell.simple_commands import FALLBACK
    from modcon.readers.shell.simple_commands import OR_LEFT
    from modcon.readers.shell.simple_commands import program_commands

    commands = program_commands(script)
    if not commands or len(commands) > 2:
        return None
    curl = commands[0]
    if curl.program is None or posixpath.basename(curl.program) != 'curl' or curl.background:
        return None
    maps = False
    if len(commands) == 2:
        fallback = commands[1]
        if curl.context != {OR_LEFT} or fallback.context != {FALLBACK} or \
                fallback.values != ('exit', '1'):
            return None
        maps = True
    elif curl.context:
        return None
    name = curl.words[0].raw
    name_at = script.find(name, curl.start)
    return Probe(script, None, curl_fails(curl.values[1:]), maps, name_at + len(name))
