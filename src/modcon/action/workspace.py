"""The Action's one way into the repository checkout (``GITHUB_WORKSPACE``).

The checkout is untrusted input: a pull request or a push can commit a
symbolic link (``Dockerfile -> /etc/passwd``, ``app/Dockerfile -> /dev/zero``)
or name a path input such as ``paths: ../outside``. Every file the Action reads,
and every file it writes, is located here first: its real path (every link
resolved) must lie inside the workspace. Reading then goes through
``files.read_source``, which takes regular files only (never a FIFO or a
device) and at most 1 MiB.
"""
from __future__ import annotations

import errno
import os
import stat

from modcon.action.workflow import give_back
from modcon.action.workflow import workspace_owner
from modcon.engine.config import CONFIG_FILES
from modcon.engine.config import Config
from modcon.engine.config import has_modcon_table
from modcon.engine.config import load_file
from modcon.engine.files import read_source
from modcon.errors import ConfigError
from modcon.errors import InputError
from modcon.errors import ModconError
from modcon.project import Project
from modcon.source import SourceFile
from modcon.source import encode
from modcon.source import lossy


class Workspace:
    """The checkout under ``root``; paths given to it are relative to ``root``."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)

    def _real(self, relative: str) -> str | None:
        """The real path of ``relative`` (or of an absolute path), or None when it
        leads out of the workspace."""
        real = os.path.realpath(os.path.join(self.root, relative))
        if real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep):
            return real
        return None

    def locate(self, relative: str) -> str:
        """The real path of the workspace file ``relative``; InputError if a
        ``..`` or a symbolic link leads it out of the workspace."""
        real = self._real(relative)
        if real is None:
            raise InputError(relative, 'leads out of the workspace (a symbolic link or `..`); '
                                       'not read or written')
        return real

    def read(self, relative: str) -> SourceFile:
        """The text of the workspace file ``relative``: inside the workspace, a
        regular file, at most 1 MiB; otherwise InputError.

        Read as the command line reads it: a byte that is not UTF-8 is kept
        (``source.decode``); a commit through the API carries it in a base64
        blob (``gateway.write_commit``).
        """
        return read_source(self.locate(relative), relative)

    def input_path(self, name: str, value: str) -> str:
        """A path input (``paths``, ``sarif_file``, ``config``) as a path relative
        to the workspace; ConfigError when it names a place outside it."""
        real = self._real(value)
        if real is None:
            raise ConfigError(f'input {name} must name a path inside the workspace '
                              f'(GITHUB_WORKSPACE), not {value!r}')
        relative = os.path.relpath(real, self.root)
        return '.' if relative == '.' else relative.replace(os.sep, '/')

    def write_output(self, name: str, value: str, text: str) -> str:
        """Write ``text`` to the file that the input ``name`` asks for (``sarif_file``):
        inside the workspace, never a directory, a FIFO or a device, never through a
        link out; new folders and the file belong to the workspace's owner."""
        relative = self.input_path(name, value)
        full = os.path.join(self.root, relative)
        owner = workspace_owner(self.root)
        missing = []
        folder = os.path.dirname(full)
        while not os.path.isdir(folder):
            missing.append(folder)
            folder = os.path.dirname(folder)
        try:
            for folder in reversed(missing):
                os.mkdir(folder)
                give_back(folder, owner)
            # O_NOFOLLOW and O_NONBLOCK: a link swapped in is refused, a FIFO never blocks.
            fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        except OSError as exc:
            reason = 'names a directory, not a file' if exc.errno == errno.EISDIR else \
                f'cannot be written: {exc.strerror}'
            raise ConfigError(f'input {name} {reason}: {value!r}') from None
        with os.fdopen(fd, 'wb') as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ConfigError(f'input {name} names a special file, not a file: {value!r}')
            f.truncate(0)
            f.write(lossy(text).encode('utf-8'))
        give_back(full, owner)
        return relative

    def config(self, given: str) -> Config:
        """The ``config`` input's file, or else the workspace's own config file
        (``.modcon.toml``, or ``pyproject.toml`` with a ``[tool.modcon]`` table)."""
        if given:
            relative = self.input_path('config', given)
            self._config_text(relative)  # inside, a regular file, bounded: or a clear error
            return load_file(self.locate(relative))
        for name in CONFIG_FILES:
            if not os.path.lexists(os.path.join(self.root, name)):
                continue
            if name == 'pyproject.toml' and not has_modcon_table(encode(self._config_text(name))):
                continue
            return load_file(self.locate(name))
        return Config()

    def _config_text(self, relative: str) -> str:
        try:
            return self.read(relative).text
        except InputError as exc:
            if exc.reason == 'is empty':  # an empty config file is an empty config
                return ''
            raise


class WorkspaceProject(Project):
    """The workspace as a ``Project`` (for ``engine.related``): reads and listings
    confined by ``Workspace``; what cannot be read is not there."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def read(self, path: str) -> str | None:
        try:
            return self.workspace.read(path).text
        except (ModconError, OSError):
            return None

    def list_dir(self, path: str) -> list[str]:
        try:
            return sorted(os.listdir(self.workspace.locate(path)))
        except (ModconError, OSError):
            return []
