"""The log files a container writes, gathered from three places.

1. **Packages**: a known package installed in the final image writes the
   files of its distribution's default configuration (``knowledge.SOFTWARE``),
   unless the Dockerfile copies its own file over that configuration, or a
   ``RUN sed ...`` points the directive at a stream.
2. **Configuration files** the Dockerfile copies in: nginx ``access_log`` /
   ``error_log``, Apache ``CustomLog`` / ``ErrorLog`` / ``TransferLog``, and
   gunicorn's config file (``-c``/``--config``, else ``gunicorn.conf.py`` in
   the working folder) ``accesslog`` / ``errorlog``, when gunicorn is the
   command.
3. **Entrypoint code**: the Python files the container runs
   (``document.resolution.targets``), read with ``ast``
   (``modcon.fixers._python_log_files``): ``FileHandler``, ``WatchedFileHandler``,
   ``basicConfig(filename=...)`` and ``dictConfig`` file handlers whose path is
   a constant; a relative path is taken from ``WORKDIR``. Rotating handlers
   and computed paths are MC230's (a link cannot serve them).

Cheap checks come first: nothing is parsed unless a RUN names a known
package, a COPY lands in a configuration folder, or the command runs Python.
"""
from __future__ import annotations

import posixpath
import re

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._log_image import LINK_TARGETS
from modcon.fixers.dockerfile._log_image import ImageLogs
from modcon.knowledge.logs import STDERR
from modcon.knowledge.logs import STDOUT
from modcon.model import Kind
from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.syntax import Instruction

NGINX_PROGRAMS = ('nginx', 'openresty')
APACHE_PROGRAMS = ('apache2', 'apache2ctl', 'apachectl', 'httpd', 'httpd-foreground',
                   'apache2-foreground')
_NGINX_DIRS = ('/etc/nginx/', '/usr/local/openresty/nginx/conf/', '/usr/local/nginx/conf/',
               '/etc/openresty/')
_APACHE_ROOTS = (('/usr/local/apache2/', '/usr/local/apache2'), ('/etc/httpd/', '/etc/httpd'),
                 ('/etc/apache2/httpd.conf', '/var/www'), ('/etc/apache2/', None))
# Directives a `RUN sed` may point at a stream, per software: then its
# package defaults are no longer files.
_DIRECTIVES = {'nginx': ('access_log', 'error_log'),
               'Apache httpd': ('CustomLog', 'ErrorLog', 'TransferLog'),
               'PHP-FPM': ('error_log',)}


class LogTarget(NamedTuple):
    """A file the container writes its logs to."""

    path: str
    stream: str
    role: str  # 'access', 'error' or 'log'
    writer: str  # who writes it, for messages: 'nginx', 'app.py'
    origin: str  # how modcon knows, for messages
    anchor: Instruction  # the instruction after which the file is known to be written
    programs: tuple[str, ...]  # programs that write it; () for the entrypoint code itself
    unlinkable: str = ''  # why a link cannot work (MC133 reports it); empty: it can
    unsure: str = ''  # why modcon cannot tell where the file is (MC131: no fix); empty: it can
    makes_dir: str = ''  # where the program makes the file's folder and fails if it exists


def gather(document: DockerfileDocument, image: ImageLogs) -> list[LogTarget]:
    """Every log file the final image's programs write, one entry per path
    (computed once per image: MC131 and MC133 both ask)."""
    cached = image.memo.get('targets')
    if cached is None:
        cached = image.memo['targets'] = _gather(document, image)
    return list(cached)


def _gather(document: DockerfileDocument, image: ImageLogs) -> list[LogTarget]:
    found: list[LogTarget] = []
    found.extend(_from_packages(image))
    found.extend(_from_configs(document, image))
    found.extend(_from_python(document, image))
    # In build order (then as found), so the links read like the Dockerfile.
    found = [t for _, _, t in sorted((image.position[id(t.anchor)], i, t)
                                     for i, t in enumerate(found))]
    merged: dict[str, LogTarget] = {}
    for target in found:
        known = merged.get(target.path)
        if known is None:
            merged[target.path] = target
        elif target.stream == STDERR and known.stream != STDERR:
            # One file, one link: when one source calls it an error log, errors win.
            merged[target.path] = known._replace(stream=STDERR)
    return list(merged.values())


def _redirected_by_run(image: ImageLogs, software: str) -> bool:
    """A RUN rewrites the software's log directives to a stream (sed -i ...)."""
    directives = _DIRECTIVES.get(software, ())
    for ins in image.runs:
        text = image.script(ins)
        if any(d in text for d in directives) and any(t in text for t in LINK_TARGETS):
            return True
    return False


def _from_packages(image: ImageLogs) -> list[LogTarget]:
    found = []
    for install in image.installs:
        software = install.software
        if _redirected_by_run(image, software.name):
            continue
        for log in software.files:
            config = install.expand(log.config)
            if config and image.copied_file(config) is not None:
                continue  # a copied configuration replaces the default (read below)
            found.append(LogTarget(
                path=install.expand(log.path), stream=log.stream, role=log.role,
                writer=software.name,
                origin=f'{software.name}, installed at line {install.instruction.line}',
                anchor=install.instruction, programs=software.programs,
                unlinkable=log.unlinkable,
            ))
    return found


def _from_configs(document: DockerfileDocument, image: ImageLogs) -> list[LogTarget]:
    found: list[LogTarget] = []
    seen: set[str] = set()
    prefixes = (*_NGINX_DIRS, *(p for p, _ in _APACHE_ROOTS if p.endswith('/')),
                '/etc/apache2/httpd.conf')
    for copied in image.copied_under(prefixes):  # the last copy to a path comes first
        path = copied.image_path
        if path in seen:
            continue
        seen.add(path)
        kind, server_root = _config_kind(path)
        if kind is None:
            continue
        text = copied.read()
        if not text:
            continue
        from modcon.fixers.dockerfile import _log_configs as configs  # a copied server config

        programs: tuple[str, ...]
        if kind == 'nginx':
            logs, writer, programs = configs.nginx_logs(text), 'nginx', NGINX_PROGRAMS
        else:
            logs, writer, programs = configs.apache_logs(text, server_root), 'Apache httpd', \
                APACHE_PROGRAMS
        for log in logs:
            found.append(LogTarget(
                path=log.path, stream=log.stream, role=log.role, writer=writer,
                origin=f'`{log.directive}` in {copied.origin}:{log.line}, copied at line '
                       f'{copied.instruction.line}',
                anchor=copied.instruction, programs=programs,
            ))
    found.extend(_from_gunicorn_config(document, image))
    return found


def _config_kind(image_path: str) -> tuple[str | None, str | None]:
    if image_path.startswith(_NGINX_DIRS):
        if image_path.endswith('.conf') or '/sites-' in image_path:
            return 'nginx', None
        return None, None
    for prefix, root in _APACHE_ROOTS:
        if image_path.startswith(prefix) or image_path == prefix:
            if image_path.endswith('.conf'):
                return 'apache', root
            return None, None
    return None, None


def gunicorn_argv(document: DockerfileDocument) -> list[str] | None:
    """The container command's words from `gunicorn` on, when gunicorn runs it."""
    argv = list(document.resolution.argv)
    for i, word in enumerate(argv):
        if posixpath.basename(word) == 'gunicorn':
            return argv[i:]
        if word == '-m' and i + 1 < len(argv) and argv[i + 1] == 'gunicorn':
            return argv[i + 1:]
    for word in argv:  # `sh -c "gunicorn ..."`: the shell's script, split plainly
        if re.search(r'(^|\s)gunicorn\s', word):
            return word[word.index('gunicorn'):].split()
    return None


def _option(argv: list[str], *names: str) -> str | None:
    for i, word in enumerate(argv):
        for name in names:
            if word == name and i + 1 < len(argv):
                return argv[i + 1]
            if name.startswith('--') and word.startswith(name + '='):
                return word.split('=', 1)[1]
    return None


def _from_gunicorn_config(document: DockerfileDocument, image: ImageLogs) -> list[LogTarget]:
    argv = gunicorn_argv(document)
    if argv is None:
        return []
    # gunicorn reads its config file from the folder it starts in, and only then
    # moves to --chdir, where relative log paths are taken from (measured, 27.0).
    start = cwd = document.resolution.workdir
    chdir = _option(argv, '--chdir')
    if chdir:
        cwd = posixpath.normpath(posixpath.join(cwd, chdir))
    config = _option(argv, '-c', '--config')
    if config is not None and config.startswith('python:'):
        return []  # a module on sys.path: not a file modcon can place
    image_path = posixpath.normpath(posixpath.join(start, config or 'gunicorn.conf.py'))
    copied = image.copied_file(image_path)
    if copied is None:
        return []
    text = copied.read()
    if not text:
        return []
    from modcon.fixers.dockerfile import _log_configs as configs  # a copied gunicorn config

    return [LogTarget(
        path=log.path, stream=log.stream, role=log.role, writer='gunicorn',
        origin=f'`{log.directive}` in {copied.origin}:{log.line}, copied at line '
               f'{copied.instruction.line}; better: `{log.directive} = "-"`',
        anchor=copied.instruction, programs=('gunicorn',),
    ) for log in configs.gunicorn_logs(text, cwd)]


def _from_python(document: DockerfileDocument, image: ImageLogs) -> list[LogTarget]:
    project = document.project
    resolution = document.resolution
    targets = [t for t in resolution.targets if t.kind == Kind.PYTHON]
    if project is None or not targets:
        return []
    from modcon.fixers._python_log_files import file_logs  # ast: only when Python runs
    from modcon.fixers.dockerfile import _log_configs as configs

    found = []
    cwd, moved = _program_cwd(document, image)
    for target in targets:
        text = project.read(target.path)
        if not text:
            continue
        anchor = image.copy_of(target.path)
        if anchor is None:
            continue
        for log in file_logs(text) or ():
            if log.rotating or log.path is None or log.env is not None:
                continue  # MC230: a link cannot serve these
            path = posixpath.normpath(posixpath.join(cwd, log.path))
            if configs.is_stream(path):
                continue
            unsure = ''
            if not log.path.startswith('/'):
                if log.chdir:
                    moved = f'{target.path}:{log.chdir} changes folder (`os.chdir`)'
                if moved:
                    unsure = (f'the path `{log.path}` is relative and {moved}, so where the '
                              f'file is is not known')
            name = posixpath.basename(path).lower()
            stream = STDERR if 'err' in name else STDOUT
            found.append(LogTarget(
                path=log.path if unsure else path, stream=stream, role='error' if stream == STDERR else 'log',
                writer=target.path,
                origin=f'`{log.kind}` in {target.path}:{log.line}',
                anchor=anchor, programs=(), unsure=unsure,
                makes_dir=f'{target.path}:{log.makes_dir}' if log.makes_dir else '',
            ))
    return found


def _program_cwd(document: DockerfileDocument, image: ImageLogs) -> tuple[str, str]:
    """The folder the container's program runs in, and why it is not known when it
    is not: WORKDIR, moved by gunicorn's ``--chdir``; a ``cd`` in the command's shell
    script or in a script it runs leaves it unknown. (The resolution follows such a
    ``cd`` to find the program, but only reports WORKDIR.)"""
    cwd = document.resolution.workdir
    argv = gunicorn_argv(document)
    chdir = _option(argv, '--chdir') if argv is not None else None
    if chdir:
        cwd = posixpath.normpath(posixpath.join(cwd, chdir))
    for text in image.command_scripts():
        if not re.search(r'\b(cd|pushd)\b', text):
            continue
        from modcon.readers.shell.simple_commands import read_commands  # a `cd` to read

        if any(c.name in ('cd', 'pushd') for c in read_commands(text).commands):
            return cwd, 'the command changes folder (`cd`) before it starts the program'
    return cwd, ''
