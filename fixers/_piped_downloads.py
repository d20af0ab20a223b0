"""Downloads that a command executes without looking: ``curl URL | sh`` and kin.

Shared by MC164 (at build time, in ``RUN``) and MC170 (at start-up, in the
container's command), so both read the same pipelines the same way.
"""
from __future__ import annotations

from modcon.knowledge.interpreters import is_python
from modcon.lazyregex import lazy_compile
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import Script

FETCHERS = frozenset(('curl', 'wget'))
# Programs that execute what they read on stdin (or from `-`).
RUNNERS = frozenset(('sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'python', 'python2', 'python3',
                     'perl', 'ruby', 'node', 'php', 'pwsh'))
_WRAPPERS = frozenset(('sudo', 'env', 'command', 'exec', 'nice'))
_SUBSTITUTED_FETCH = lazy_compile(r'(\$\(|`)\s*(curl|wget)\b')


def _runner(command: Command) -> str | None:
    """The interpreter a command starts, past ``sudo``/``env`` wrappers."""
    for word in command.words:
        value = word.value
        if value is None:
            return None
        name = value.rsplit('/', 1)[-1]
        if name in _WRAPPERS or '=' in name or name.startswith('-'):
            continue
        if name in RUNNERS or is_python(name):
            return name
        return None
    return None


def to_stdout(command: Command) -> bool:
    """curl writes to stdout unless ``-o``/``-O``; wget only with ``-O -`` / ``-qO-``."""
    values = [w.value or '' for w in command.args]
    if command.name == 'curl':
        return not any(v in ('-o', '-O', '--output', '--remote-name', '--remote-name-all') or
                       v.startswith('--output=') or
                       (v.startswith('-') and not v.startswith('--') and ('o' in v or 'O' in v))
                       for v in values)
    for i, value in enumerate(values):
        if value in ('-O', '--output-document') and i + 1 < len(values) and values[i + 1] == '-':
            return True
        if value.startswith('-') and not value.startswith('--') and value.endswith('O-'):
            return True
        if value == '--output-document=-':
            return True
    return False


def may_pipe_download(text: str) -> bool:
    """Whether ``piped_downloads`` can find anything in a script of ``text``, before it is
    read: a fetcher's output reaches a runner through a pipe, or a runner's argument
    substitutes a fetch (every word's text is a piece of ``text``)."""
    return ('curl' in text or 'wget' in text) and (
        '|' in text or _SUBSTITUTED_FETCH.search(text) is not None)


def piped_downloads(script: Script) -> list[tuple[int, int, str]]:
    """``curl ... | sh`` and ``sh -c "$(curl ...)"`` in ``script``: where, and as shown."""
    found: list[tuple[int, int, str]] = []
    commands = script.commands
    for i, command in enumerate(commands):
        if command.name in FETCHERS and command.pipe_index != -1 and to_stdout(command):
            for later in commands[i + 1:]:
                if later.start < command.end or later.pipe_index <= command.pipe_index:
                    continue
                if later.pipe_index == -1 or later.start > _pipeline_end(commands, command):
                    break
                runner = _runner(later)
                if runner is not None:
                    found.append((command.start, later.end, f'{command.name} ... | {runner}'))
                    break
        runner = _runner(command)
        if runner is not None and not command.substituted and any(
                _SUBSTITUTED_FETCH.search(w.raw) for w in command.args):
            fetcher = next(m[2] for w in command.args
                           for m in [_SUBSTITUTED_FETCH.search(w.raw)] if m is not None)
            found.append((command.start, command.end, f'{runner} -c "$({fetcher} ...)"'))
    return found


def _pipeline_end(commands: tuple[Command, ...], first: Command) -> int:
    """The end of the pipeline that ``first`` belongs to (its last element's end)."""
    end = first.end
    for command in commands:
        if command.start >= first.start and command.pipe_index > first.pipe_index and \
                command.pipe_length == first.pipe_length and command.start >= end:
            end = command.end
            if command.pipe_index == command.pipe_length - 1:
                break
    return end
