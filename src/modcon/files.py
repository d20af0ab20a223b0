"""Reading and writing the files modcon checks, refusing bad input one file at a time."""
from __future__ import annotations

import os
import stat

from modcon.errors import InputError
from modcon.source import SourceFile

MAX_BYTES = 1024 * 1024


def read_source(path: str, display: str | None = None) -> SourceFile:
    """Read ``path`` as UTF-8 text, or raise InputError with a one-line reason."""
    name = display or path
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(name, 'no such file') from None
    except OSError as exc:
        raise InputError(name, f'cannot read: {exc.strerror}') from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(name, 'is a directory, not a file')
    if not stat.S_ISREG(info.st_mode):
        raise InputError(name, 'is not a regular file')
    if info.st_size > MAX_BYTES:
        raise InputError(name, f'is larger than 1 MiB ({info.st_size} bytes); not a Dockerfile?')
    try:
        with open(path, 'rb') as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(name, f'cannot read: {exc.strerror}') from None
    if len(data) > MAX_BYTES:
        raise InputError(name, 'is larger than 1 MiB; not a Dockerfile?')
    if not data.strip():
        raise InputError(name, 'is empty')
    if b'\0' in data:
        raise InputError(name, 'is a binary file (contains NUL bytes)')
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise InputError(name, f'is not UTF-8 text (invalid byte at offset {exc.start})') from None
    return SourceFile(name, text)


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, keeping its mode and owner.

    The text is written to a temporary file in the same directory and renamed
    over the original, so readers never see a half-written file. Bytes are
    written exactly as given: line endings are never translated.
    """
    import tempfile  # only `fix` writes; `check` need not pay for the import

    real = os.path.realpath(path)
    directory = os.path.dirname(real) or '.'
    info = os.stat(real)
    fd, temp = tempfile.mkstemp(prefix='.modcon-', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(text.encode('utf-8'))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        if os.geteuid() == 0:
            os.chown(temp, info.st_uid, info.st_gid)
        os.replace(temp, real)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def create_new(path: str, text: str) -> bool:
    """Create ``path`` with ``text`` unless it exists; True if it was created."""
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, 'wb') as f:
        f.write(text.encode('utf-8'))
    return True
