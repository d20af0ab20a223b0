"""One file with the compiled code of the modules a ``modcon`` run imports.

A cold ``modcon check`` imports about a hundred of modcon's own modules. For
each one Python's path finder looks the name up in the package's folder, then
the source loader opens the module's ``.pyc``, checks its header against the
source and reads it: about a tenth of a cold check (docs/benchmarks.md). The
console script puts a ``CodeCache`` first on ``sys.meta_path``; it reads one
file once and serves the modules it holds from memory.

The file is in the user's cache folder (``$XDG_CACHE_HOME/modcon``, else
``~/.cache/modcon``, as black and pre-commit keep theirs), one per installed
copy of modcon and interpreter: ``code-cpython-311-<key of the folder>.bin``.
Not in the package's ``__pycache__``: ``pip uninstall`` would leave it behind,
and a system-wide install is not the user's to write. Each file names the
folder it was made for; a run that writes its own removes those whose folder
is gone (a deleted virtualenv).

It is a cache of the ``.pyc`` files, kept by their rules:

* an entry is a ``.pyc``'s code with the source modification time and size
  the ``.pyc`` was written for; a module whose source no longer matches
  (edited, upgraded, moved) is imported as usual, from its source;
* it is filled only from ``.pyc`` files the running interpreter wrote and
  checked (timestamp-based, this interpreter's magic number), and only where
  Python writes bytecode (not under ``-B`` or ``PYTHONDONTWRITEBYTECODE``);
  with ``-O`` or a ``PYTHONPYCACHEPREFIX`` it is not used at all;
* after a run that imported one of the package's modules from elsewhere, the
  run writes it again, adding those modules; a reader sees the old file or
  the new one, never a part (written aside, then renamed);
* a file it cannot read, of another interpreter, damaged, not the user's own
  or writable by others (it holds code that will run) is passed over: every
  module then loads as if there were no cache.

Only the console script (``modcon``, ``python -m modcon``) installs it; code
that imports modcon as a library gets the usual import system.
"""
from __future__ import annotations

import marshal
import os
import sys
from types import CodeType  # loaded already: the interpreter's start needs it

from modcon.machinery import MAGIC_NUMBER
from modcon.machinery import ModuleSpec
from modcon.machinery import SourceFileLoader

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from collections.abc import Sequence
    from types import ModuleType

# Every format's first three lines: this name and the format's number, the interpreter,
# the package folder.
_NAME = b'modcon code cache '
_FORMAT = _NAME + b'2\n'
_PYC_HEADER = 16  # magic number, flags, source mtime, source size
_MASK = 0xFFFFFFFF  # a .pyc keeps the source's mtime and size modulo 2**32

# name -> (source path, source mtime, source size, offset and length of its code)
Index = dict[str, tuple[str, int, int, int, int]]
Entry = tuple[str, int, int, bytes]  # source path, mtime, size, code


class CachedLoader(SourceFileLoader):
    """A source module whose code comes from the cache. Everything else (its
    source, file name, resources) is the source loader's."""

    def __init__(self, fullname: str, path: str, code: memoryview) -> None:
        super().__init__(fullname, path)
        self._code: memoryview | None = code

    def get_code(self, fullname: str) -> CodeType | None:
        code, self._code = self._code, None  # a reload reads the .pyc, as without the cache
        if code is not None and fullname == self.name:
            try:
                loaded = marshal.loads(code)
            except (EOFError, ValueError, TypeError):
                loaded = None
            if isinstance(loaded, CodeType):
                return loaded
        return super().get_code(fullname)


class CodeCache:
    """The meta path finder of one package's cache (``package``: its top-level name)."""

    def __init__(self, package: str, folder: str, path: str) -> None:
        self.package = package
        self.path = path  # the cache file
        # What the file must start with: the format, the interpreter, the package's folder.
        self.header = _FORMAT + _interpreter() + os.fsencode(folder) + b'\n'
        self._prefix = package + '.'
        self._index: Index = {}
        self._data = memoryview(b'')
        self.served: set[str] = set()
        self.missed: set[str] = set()
        self._read()

    def _read(self) -> None:
        try:
            with open(self.path, 'rb') as f:
                if not _private(os.fstat(f.fileno())):
                    return
                data = f.read()
        except OSError:
            return
        header = self.header
        if not data.startswith(header):
            return
        start = len(header) + 4
        size = int.from_bytes(data[len(header):start], 'little')
        try:
            index = marshal.loads(data[start:start + size])
        except (EOFError, ValueError, TypeError):
            return
        if isinstance(index, dict):
            self._index = index
            self._data = memoryview(data)[start + size:]

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if not name.startswith(self._prefix):
            return None
        entry = self._index.get(name)
        if entry is None or path is None or len(path) != 1:
            self.missed.add(name)
            return None
        try:
            origin, mtime, size, offset, length = entry
            folder, file = os.path.split(origin)
            is_package = file == '__init__.py'
            where = os.path.split(folder) if is_package else (folder, file[:-3])
            code = self._data[offset:offset + length]
            if where != (path[0], name.rpartition('.')[2]) or \
                    _stamp(origin) != (mtime, size) or len(code) != length:
                raise ValueError(origin)  # elsewhere, or changed since: import it as usual
        except (OSError, ValueError, TypeError):
            self.missed.add(name)
            return None
        spec = ModuleSpec(name, CachedLoader(name, origin, code), origin=origin,
                          is_package=is_package)
        spec.has_location = True
        if is_package:
            spec.submodule_search_locations = [folder]
        self.served.add(name)
        return spec

    def save(self) -> bool:
        """Write the cache again when this run imported modules of the package that
        it did not hold (or held for an older source), and the interpreter writes
        bytecode. The entries of modules this run did not import are kept while
        their sources are unchanged. True if it wrote."""
        if not self.missed or sys.dont_write_bytecode:
            return False  # as Python leaves a .pyc unwritten
        folder = os.path.dirname(self.path)
        if not os.path.isdir(os.path.dirname(os.path.dirname(folder))):
            return False  # no home (HOME=/nonexistent): a cache is no reason to make one
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError:
            return False
        if not os.access(folder, os.W_OK):
            return False  # not the .pyc files' cost for nothing
        entries: dict[str, Entry] = {}
        for name in self.missed:
            spec = getattr(sys.modules.get(name), '__spec__', None)
            if spec is not None and spec.has_location and spec.origin and spec.cached:
                entry = _entry_from_pyc(spec.origin, spec.cached, MAGIC_NUMBER)
                if entry is not None:
                    entries[name] = entry
        if not entries:
            return False  # nothing to add: the modules missed have no usable .pyc
        for name, (origin, mtime, size, offset, length) in self._index.items():
            if name in entries or name in self.missed:
                continue
            try:
                if name not in self.served and _stamp(origin) != (mtime, size):
                    continue  # not imported by this run, and changed or gone since
            except OSError:
                continue
            entries[name] = (origin, mtime, size, bytes(self._data[offset:offset + length]))
        if not _write(self.path, self.header, entries):
            return False
        _prune(os.path.dirname(self.path))
        return True


def _interpreter() -> bytes:
    """Which interpreter a cache is for: code objects are only good for the one
    that compiled them."""
    version = ' '.join(sys.version.split())  # one line (some builds break it in two)
    return f'{sys.implementation.cache_tag} {version}\n'.encode('utf-8', 'replace')


def _stamp(source: str) -> tuple[int, int]:
    """What a timestamp ``.pyc`` records of its source: mtime and size, modulo 2**32."""
    info = os.stat(source)
    return int(info.st_mtime) & _MASK, info.st_size & _MASK


def _entry_from_pyc(source: str, cached: str, magic: bytes) -> Entry | None:
    """The code of ``cached`` if it is a timestamp ``.pyc`` of this interpreter
    that still matches ``source``, as the import system would accept it."""
    try:
        stamp = _stamp(source)
        with open(cached, 'rb') as f:
            pyc = f.read()
    except OSError:
        return None
    if len(pyc) <= _PYC_HEADER or pyc[:4] != magic or pyc[4:8] != bytes(4):
        return None  # another interpreter's, or hash-based
    mtime = int.from_bytes(pyc[8:12], 'little')
    size = int.from_bytes(pyc[12:16], 'little')
    if (mtime, size) != stamp:
        return None
    return source, mtime, size, pyc[_PYC_HEADER:]


def _write(path: str, header: bytes, entries: dict[str, Entry]) -> bool:
    index: Index = {}
    blob = bytearray()
    for name in sorted(entries):
        origin, mtime, size, code = entries[name]
        index[name] = (origin, mtime, size, len(blob), len(code))
        blob += code
    head = marshal.dumps(index)
    aside = f'{path}.{os.getpid()}.tmp'
    try:
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with open(fd, 'wb') as f:
            f.write(header + len(head).to_bytes(4, 'little') + head)
            f.write(blob)
        os.replace(aside, path)
    except OSError:
        try:
            os.unlink(aside)
        except OSError:
            pass
        return False
    return True


def _prune(folder: str) -> None:
    """Remove the caches of copies of modcon that are gone (a deleted virtualenv,
    a test's temporary copy), and files left half-written a day ago or more."""
    import time

    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not name.startswith('code-'):
            continue  # the folder is modcon's: image facts are kept there too
        path = os.path.join(folder, name)
        try:
            if name.endswith('.tmp'):
                if os.stat(path).st_mtime < time.time() - 86400:
                    os.unlink(path)
                continue
            if not name.endswith('.bin'):
                continue
            with open(path, 'rb') as f:
                lines = f.read(8192).split(b'\n', 3)
            if len(lines) == 4 and lines[0].startswith(_NAME) and not os.path.isdir(lines[2]):
                os.unlink(path)
        except OSError:
            continue


def _private(info: os.stat_result) -> bool:
    """A regular file of this user's that no one else may write."""
    own = not hasattr(os, 'getuid') or info.st_uid == os.getuid()
    return own and (info.st_mode & 0o170022) == 0o100000  # S_IFREG, not group/other-writable


def cache_file(package_folder: str) -> str:
    """Where the cache of the package in ``package_folder`` is kept."""
    home = os.environ.get('XDG_CACHE_HOME', '')
    if not os.path.isabs(home):  # unset, or relative: the XDG spec says to ignore it
        home = os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(home, 'modcon',
                        f'code-{sys.implementation.cache_tag}-{_key(package_folder)}.bin')


def _key(folder: str) -> str:
    """A short, stable name for ``folder`` (64-bit FNV-1a of its path; ``hashlib``
    would cost more than the whole lookup it names)."""
    value = 0xCBF29CE484222325
    for byte in os.fsencode(folder):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f'{value:016x}'


def install(package: str, package_folder: str) -> CodeCache | None:
    """Serve ``package``'s modules from its cache from here on (None where a cache
    cannot apply: no cache tag, ``-O``, or ``.pyc`` files kept elsewhere)."""
    if sys.implementation.cache_tag is None or sys.flags.optimize or sys.pycache_prefix:
        return None
    for finder in sys.meta_path:
        if isinstance(finder, CodeCache) and finder.package == package:
            return finder  # installed already (console() run twice in one process)
    cache = CodeCache(package, package_folder, cache_file(package_folder))
    sys.meta_path.insert(0, cache)
    return cache
