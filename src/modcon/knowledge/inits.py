"""Inits: the small programs that run as PID 1 in front of a container's command.

ONE table, read by everything that needs to know about inits: the resolver
(which commands it follows through an init), the start-command reading of
MC150/MC152/MC153 (whether an init reaps what the command leaves behind),
and MC201/MC401 (whether SIGTERM reaches the program, which then dies of it
at once unless it handles it). Earlier each of them kept its own list, and
the lists disagreed; ``tests/test_inits.py`` holds every user to this one.

By program name (``posixpath.basename`` of the word that starts it):

* ``reaps``: as PID 1, it waits for orphaned children, so no zombies pile up;
* ``forwards_sigterm``: ``docker stop``'s SIGTERM reaches the program it runs
  (the program is then not PID 1: SIGTERM's default action kills it at once);
* ``runs_command``: its arguments, after its own options (or after ``--``),
  are the command it runs; otherwise they are not a command at all.
"""
from __future__ import annotations

import posixpath

from modcon.named_tuple import NamedTuple


class Init(NamedTuple):
    name: str
    reaps: bool
    forwards_sigterm: bool
    runs_command: bool
    what: str  # what it is, and where the facts come from


_TINI = 'tini (github.com/krallin/tini): reaps zombies, forwards signals to its child'

INITS: dict[str, Init] = {
    'tini': Init('tini', True, True, True, _TINI),
    'tini-static': Init('tini-static', True, True, True, f'{_TINI}; statically linked'),
    # `docker run --init` mounts tini as /sbin/docker-init and puts it in front.
    'docker-init': Init('docker-init', True, True, True, f'{_TINI}; Docker ships it under '
                                                         f'this name for `docker run --init`'),
    'dumb-init': Init('dumb-init', True, True, True,
                      'dumb-init (github.com/Yelp/dumb-init): reaps zombies, forwards signals '
                      'to the process group of its child'),
    'catatonit': Init('catatonit', True, True, True,
                      'catatonit (github.com/openSUSE/catatonit, `podman run --init`): reaps '
                      'zombies, forwards signals to its child'),
    # s6-overlay's entrypoint: `ENTRYPOINT ["/init"]` runs the CMD under an s6
    # supervision tree, and its shutdown sends SIGTERM to every process. The
    # name is also a system init's (/sbin/init), but that one takes no command.
    'init': Init('init', True, True, True,
                 "s6-overlay's `/init` (github.com/just-containers/s6-overlay): runs its "
                 'arguments as the main program, reaps zombies, sends SIGTERM to every '
                 'process when the container stops'),
    's6-init': Init('s6-init', True, True, True,
                    "a wrapper that starts s6-overlay's `/init` (Pi-hole's images): as `init`"),
    # Its argument is a scan directory of services, not a command.
    's6-svscan': Init('s6-svscan', True, True, False,
                      's6-svscan (skarnet.org/software/s6): supervises the services of its scan '
                      'directory, reaps zombies, and on SIGTERM stops the services and exits'),
}


def init_named(word: str) -> Init | None:
    """The init that ``word`` (a program name or path) starts, or None."""
    return INITS.get(posixpath.basename(word))
