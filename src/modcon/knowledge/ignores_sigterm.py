"""Programs that ignore SIGTERM as PID 1, so `exec` cannot make them stop.

As PID 1 of a PID namespace a process gets no default signal actions: a
signal it has no handler for is dropped. `exec` only makes a program PID 1;
if the program installs no SIGTERM handler, the container still waits out
the grace period and is killed. Each program below was run as PID 1 and sent
SIGTERM (tests/test_ignores_sigterm.py): it was still running when the grace
period ended. For them the remedy is an init that stays PID 1 and turns
SIGTERM into the default action for its child (`docker run --init`, `tini`),
or a shell `trap` that ends the wait.
"""
from __future__ import annotations

import posixpath

# Tools with no SIGTERM handler, as a container's keep-alive or last step;
# measured (GNU coreutils) with `tail -f /dev/null`, `tail --pid=1 -f
# /dev/null`, `sleep inf`, `sleep infinity`, `sleep 3600` and `cat FIFO`.
IGNORES_SIGTERM = frozenset(('tail', 'sleep', 'cat'))

REMEDY = ('run it under an init that stays PID 1 and stops it (`docker run --init`, or '
          '`tini --` at the start of the ENTRYPOINT), or keep the shell and end the wait '
          'with a trap: `trap \'exit 0\' TERM; {command} & wait`')


def ignoring_program(program: str | None) -> str | None:
    """The program's name when ``program`` (a name or path, as the shell
    finds it) ignores SIGTERM as PID 1."""
    name = posixpath.basename(program) if program else None
    return name if name in IGNORES_SIGTERM else None


def remedy(command: str) -> str:
    """What to do instead of `exec`, with ``command`` in the trap example."""
    return REMEDY.format(command=command)
