"""Log files named in configuration files that a Dockerfile copies into the image.

Each reader takes a file's text and returns the log destinations it sets,
with the line that sets them. Only paths that are files count: ``off``,
``stderr``, ``syslog:``, ``/dev/stdout``, ``/proc/self/fd/1``, pipes and
paths built from variables are left out (a variable's value is unknown, a
stream is already right). Relative paths are resolved where the program's
rule is known (Apache's ``ServerRoot``); otherwise they are left out.

The readers are deliberately small line scanners, not full parsers: they
read the directives that set log files and nothing else, so a file with
syntax modcon does not know is still read for what matters here.
"""
from __future__ import annotations

import posixpath
import re

from modcon.knowledge.logs import STDERR
from modcon.knowledge.logs import STDOUT
from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple

# Destinations that already are the container's streams (or nothing).
_STREAMS = lazy_compile(r'^(/dev/(stdout|stderr|null|fd/[12])|/proc/(self|1)/fd/[12])$')


class ConfigLog(NamedTuple):
    path: str  # absolute path in the image
    stream: str
    role: str  # 'access', 'error' or 'log'
    directive: str  # as written: 'access_log', 'CustomLog', 'accesslog', 'logfile'
    line: int  # 1-based line in the configuration file


def is_stream(path: str) -> bool:
    """Whether ``path`` is one of the container's streams (or /dev/null)."""
    return bool(_STREAMS.match(path))


def _file_path(value: str) -> str | None:
    """``value`` if it names a plain absolute file, else None."""
    value = value.strip('"\'')
    if not value.startswith('/') or '$' in value or is_stream(value):
        return None
    return posixpath.normpath(value)


# -- nginx ------------------------------------------------------------------

_NGINX = lazy_compile(r'(?:^|[;{}])[ \t]*(access_log|error_log)[ \t]+("[^"]*"|\'[^\']*\'|[^\s;]+)',
                      re.MULTILINE)


def nginx_logs(text: str) -> list[ConfigLog]:
    """``access_log`` and ``error_log`` files of an nginx configuration."""
    cleaned = re.sub(r'#[^\n]*', '', text)  # comments run to the end of the line
    found = []
    for match in _NGINX.finditer(cleaned):
        directive, value = match[1], match[2]
        if value in ('off', 'stderr') or value.startswith(('syslog:', 'memory:')):
            continue
        path = _file_path(value)
        if path is None:
            continue
        line = cleaned.count('\n', 0, match.start(2)) + 1
        stream, role = (STDERR, 'error') if directive == 'error_log' else (STDOUT, 'access')
        found.append(ConfigLog(path, stream, role, directive, line))
    return found


# -- Apache httpd -----------------------------------------------------------

_APACHE = lazy_compile(r'^[ \t]*(CustomLog|ErrorLog|TransferLog|ForensicLog|ScriptLog)[ \t]+'
                       r'("[^"]*"|\S+)', re.IGNORECASE | re.MULTILINE)
_SERVER_ROOT = lazy_compile(r'^[ \t]*ServerRoot[ \t]+"?([^"\s]+)"?', re.IGNORECASE | re.MULTILINE)
# Folders that a distribution's ServerRoot-relative `logs` points at.
_LOG_DIR_OF_ROOT = {'/var/www': '/var/log/apache2', '/etc/httpd': '/var/log/httpd'}


def apache_logs(text: str, server_root: str | None) -> list[ConfigLog]:
    """Log files of an Apache configuration; ``${APACHE_LOG_DIR}`` is Debian's."""
    root_match = _SERVER_ROOT.search(text)
    if root_match is not None:
        server_root = root_match[1]
    found = []
    for match in _APACHE.finditer(text):
        directive, value = match[1], match[2].strip('"')
        if value.startswith('|') or value.lower().startswith('syslog'):
            continue  # piped logs and syslog are not files
        value = value.replace('${APACHE_LOG_DIR}', '/var/log/apache2')
        if not value.startswith('/') and server_root and '$' not in value:
            if value.startswith('logs/') and server_root in _LOG_DIR_OF_ROOT:
                value = posixpath.join(_LOG_DIR_OF_ROOT[server_root], value[5:])
            else:
                value = posixpath.join(server_root, value)
        path = _file_path(value)
        if path is None:
            continue
        line = text.count('\n', 0, match.start(2)) + 1
        error = directive.lower() == 'errorlog'
        found.append(ConfigLog(path, STDERR if error else STDOUT, 'error' if error else 'access',
                               directive, line))
    return found


# -- gunicorn configuration file (Python) -----------------------------------

def gunicorn_logs(text: str, cwd: str) -> list[ConfigLog]:
    """``accesslog`` and ``errorlog`` set to file paths in a gunicorn.conf.py."""
    import ast  # the stdlib parser is enough: only constant assignments count

    from modcon.readers.python.syntax import code_of

    try:
        module = ast.parse(code_of(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # the last: too deep
        return []
    found = []
    for statement in module.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if not isinstance(target, ast.Name) or target.id not in ('accesslog', 'errorlog'):
            continue
        if not isinstance(value, ast.Constant) or not isinstance(value.value, str):
            continue
        if value.value == '-':
            continue
        path = _file_path(posixpath.join(cwd, value.value))
        if path is None:
            continue
        error = target.id == 'errorlog'
        found.append(ConfigLog(path, STDERR if error else STDOUT, 'error' if error else 'access',
                               target.id, statement.lineno))
    return found


# -- supervisord (INI) ------------------------------------------------------

class Setting(NamedTuple):
    value: str
    line: int


def ini_sections(text: str) -> dict[str, dict[str, Setting]]:
    """supervisord's INI dialect: ``[section]``, ``key=value``, ``;`` comments
    (inline only after a blank). Later keys override earlier ones."""
    sections: dict[str, dict[str, Setting]] = {}
    current: dict[str, Setting] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in ';#':
            continue
        if stripped.startswith('[') and stripped.endswith(']'):
            current = sections.setdefault(stripped[1:-1].strip().lower(), {})
            continue
        if current is None or '=' not in stripped:
            continue
        key, _, value = stripped.partition('=')
        value = re.split(r'\s;', value, maxsplit=1)[0].strip()
        current[key.strip().lower()] = Setting(value, number)
    return sections


# -- crontab ----------------------------------------------------------------

class CronWrite(NamedTuple):
    path: str
    line: int


_CRON_SCHEDULE = lazy_compile(r'^(@\w+|(\S+\s+){4}\S+)\s+')


def cron_writes(text: str, system: bool) -> list[CronWrite]:
    """Files that cron jobs redirect their output into (``>> /var/log/cron.log``).

    ``system`` crontabs (``/etc/crontab``, ``/etc/cron.d/*``) name a user
    before the command.
    """
    from modcon.readers.shell.simple_commands import read_commands

    found = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith('#') or re.match(r'^[A-Za-z_]\w*\s*=', stripped):
            continue
        schedule = _CRON_SCHEDULE.match(stripped)
        if schedule is None:
            continue
        command = stripped[schedule.end():]
        if system:
            command = command.split(None, 1)[1] if len(command.split(None, 1)) == 2 else ''
        command = re.split(r'(?<!\\)%', command, maxsplit=1)[0]  # after `%` comes stdin
        if '>' not in command:
            continue
        for simple in read_commands(command).commands:
            for redirect in simple.redirects:
                if '&' in redirect.operator or '<' in redirect.operator or redirect.target is None:
                    continue
                path = _file_path(redirect.target)
                if path is not None:
                    found.append(CronWrite(path, number))
    return found
