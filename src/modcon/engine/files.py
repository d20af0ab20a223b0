"""Reading and writing the files modcon checks, refusing bad input one file at a time."""
from __future__ import annotations

import os
import stat

from modcon.errors import InputError
from modcon.lazyregex import lazy_compile
from modcon.source import SourceFile
from modcon.source import decode
from modcon.source import encode

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.engine.fixloop import FileResult

MAX_BYTES = 1024 * 1024


def read_source(path: str, display: str | None = None) -> SourceFile:
    """Read ``path`` as text (``source.decode``), or raise InputError with a one-line reason."""
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
    wide = _utf16_or_32(data)
    if wide:
        raise InputError(name, f'is {wide} text; modcon and Docker read UTF-8 '
                               f'(convert it: iconv -f {wide} -t UTF-8)')
    if b'\0' in data:
        raise InputError(name, 'is a binary file (contains NUL bytes)')
    return SourceFile(name, decode(data))  # a byte that is not UTF-8 is kept as it is


def _utf16_or_32(data: bytes) -> str | None:
    """The name of the wide Unicode encoding ``data`` is in, or None.

    By its byte-order mark, or, without one, by the NUL high bytes that
    ASCII text has in UTF-16.
    """
    if data.startswith((b'\xff\xfe\0\0', b'\0\0\xfe\xff')):
        return 'UTF-32'
    if data.startswith((b'\xff\xfe', b'\xfe\xff')):
        return 'UTF-16'
    sample = data[:512]
    if len(sample) >= 4 and len(sample) % 2 == 0:
        for nuls, text in ((sample[1::2], sample[0::2]), (sample[0::2], sample[1::2])):
            if not nuls.strip(b'\0') and text.isascii() and b'\0' not in text:
                return 'UTF-16'
    return None


TEMP_PREFIX = '.modcon-'
TEMP_SUFFIX = '.tmp'
_TEMP_NAME = lazy_compile(r'\.modcon-[a-z0-9_]{8}(\.tmp)?')


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, keeping its mode and owner.

    The text is written to a temporary file in the same directory and renamed
    over the original, so readers never see a half-written file. Bytes are
    written exactly as given: line endings are never translated, and a UTF-8
    byte-order mark is a character of the text like any other: it stays unless a fix
    removes it.

    A file nobody may write (mode 0444) is refused, as is one with other hard
    links: the rename would leave them holding the old text. The temporary
    file is locked while it exists; one whose lock is free was left by a
    process that died (``kill -9``) and is removed before writing.
    """
    import tempfile  # only `fix` writes; `check` need not pay for the import

    real = os.path.realpath(path)
    directory = os.path.dirname(real) or '.'
    info = os.stat(real)
    if not info.st_mode & 0o222:
        raise InputError(path, f'is read-only (mode {stat.S_IMODE(info.st_mode):04o})')
    if info.st_nlink > 1:
        others = info.st_nlink - 1
        raise InputError(path, f'has {others} other hard link{"s" if others > 1 else ""}, '
                               f'which replacing it would leave with the old text')
    data = encode(text)
    remove_stale_temps(directory)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=directory)
    try:
        _lock(fd, blocking=True)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), stat.S_IMODE(info.st_mode))
            if os.geteuid() == 0:
                os.fchown(f.fileno(), info.st_uid, info.st_gid)
            os.replace(temp, real)  # before closing: the lock lasts until the name is gone
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def _lock(fd: int, blocking: bool) -> bool:
    """Take the exclusive lock on ``fd``; False if another process holds it."""
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def remove_stale_temps(directory: str) -> list[str]:
    """Remove the temporary files a killed modcon left in ``directory``.

    Only names modcon makes, only regular files, and only those whose lock
    no process holds: a running modcon keeps its own locked until it is
    renamed away. Returns the names removed.
    """
    removed: list[str] = []
    try:
        names = [n for n in os.listdir(directory) if _TEMP_NAME.fullmatch(n)]
    except OSError:
        return removed
    for name in names:
        temp = os.path.join(directory, name)
        try:
            fd = os.open(temp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode) or not _lock(fd, blocking=False):
                continue
            if os.path.samestat(os.fstat(fd), os.lstat(temp)):
                os.unlink(temp)
                removed.append(name)
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed


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
        f.write(encode(text))
    return True


def write_fixed(path: str, result: FileResult) -> list[str]:
    """Write the fixed text over ``path`` and the files its fixes add beside it.

    Returns the files created; one that exists already is left as it is.
    """
    if result.fixed != result.original:
        write_atomic(path, result.fixed)
    created = []
    for name, text in result.created.items():
        new = os.path.join(os.path.dirname(path), name)
        if create_new(new, text):
            created.append(new)
    return created
