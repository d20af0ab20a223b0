"""Where ``-o FILE`` sends the report: checked and opened before anything is written.

A report path that names one of the inputs (the same file by any name: a
symlink, a hard link, ``./Dockerfile``) would overwrite it with the report,
so it is refused. The file is opened up front, without truncating it, so a
folder that does not exist or cannot be written is an error before ``fix``
changes anything, and an earlier report stays whole until the new one is
ready.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from modcon.errors import ModconError


class ReportFile:
    """The report's destination, open for writing."""

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def open(cls, path: str, inputs: Iterable[tuple[str, str]]) -> ReportFile:
        """Open ``path``, refusing it when it is one of ``inputs`` ((real path, display))."""
        refuse_if_input(path, inputs)
        try:
            # O_NONBLOCK: a FIFO with no reader is an error, not a hang.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise ModconError(f'{path}: cannot write the report: {exc.strerror}') from None
        os.set_blocking(fd, True)
        return cls(path, fd)

    def same_as(self, path: str) -> bool:
        """Whether ``path`` is this report's file."""
        try:
            return os.path.samestat(os.fstat(self._fd), os.stat(path))
        except OSError:
            return False

    def write(self, report: str) -> None:
        try:
            if stat.S_ISREG(os.fstat(self._fd).st_mode):
                os.ftruncate(self._fd, 0)
            with os.fdopen(self._fd, 'wb') as f:
                f.write(report.encode('utf-8'))
        except OSError as exc:
            raise ModconError(f'{self.path}: cannot write the report: {exc.strerror}') from None

    def close(self) -> None:
        try:
            os.close(self._fd)
        except OSError:
            pass


def refuse_if_input(path: str, inputs: Iterable[tuple[str, str]]) -> None:
    """Raise when ``path`` is a folder or the same file as one of ``inputs``."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return  # a new file cannot be an input
    except OSError as exc:
        raise ModconError(f'{path}: cannot write the report: {exc.strerror}') from None
    if stat.S_ISDIR(info.st_mode):
        raise ModconError(f'{path}: cannot write the report: is a directory')
    for real, display in inputs:
        try:
            same = os.path.samestat(info, os.stat(real))
        except OSError:
            continue
        if same:
            raise ModconError(f'{path}: the report would overwrite {display}, one of the '
                              'files to check (choose another -o/--output)')
