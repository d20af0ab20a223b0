"""How a container runs a file of the repository: the link from a Dockerfile to code.

Rules about entrypoint code (a Python script without a SIGTERM handler, a
shell script that does not ``exec`` its last command) only make sense for
files a container actually runs. An ``Invocation`` says which Dockerfile runs
the file and how; a code file with no invocation is not an entrypoint, and
those rules stay silent on it.
"""
from __future__ import annotations

from modcon.named_tuple import NamedTuple


class Invocation(NamedTuple):
    """One way a container starts this file."""

    dockerfile: str | None  # the Dockerfile whose command runs it (None: named by the user)
    line: int  # the line of that CMD/ENTRYPOINT (0 when unknown)
    argv: tuple[str, ...]  # the command as resolved, e.g. ('python', '-u', 'app.py')
    as_main: bool = True  # the file is the program's main module or script, not an import
    # The file is the command's program itself, which the container runtime hands to the
    # kernel (`ENTRYPOINT ["/entry.sh"]`), not an argument of an interpreter, a shell or
    # an init (`sh /entry.sh`, `tini -- /entry.sh`), which would run it without a `#!` line.
    direct: bool = False
