"""Package-manager caches left in a layer: shared reading and fixing for MC180-MC184.

Every layer keeps what its ``RUN`` left behind, and a later ``RUN`` that
deletes it only hides it. So a cache is "left" when the ``RUN`` that filled it
does not remove it itself, and no ``RUN --mount=type=cache`` (or ``tmpfs``)
keeps it out of the layer. Only stages whose layers are the image count
(``shipped_stages``): a build stage's cache never reaches the final image.

Fixes edit the same ``RUN``: a flag on the install command
(``--no-cache-dir``, ``--no-cache``), or a cleanup appended as the last step
with ``&&`` (``append_step``), which keeps the status of the whole command.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._run_scripts import RunScript
from modcon.fixers.dockerfile._run_scripts import runs_of
from modcon.fixers.dockerfile._run_scripts import shipped_stages
from modcon.lazyregex import lazy_compile
from modcon.model import Edit
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import Script
from modcon.readers.shell.simple_commands import Word
from modcon.readers.shell.simple_commands import subcommand

_SET_ERREXIT = lazy_compile(r'^-[a-zA-Z]*e[a-zA-Z]*$')
# A last path component of only wildcards and separators (`*`, `*_*`, `*.*`) deletes
# the whole content of its folder, as far as a cache goes; `*.whl` does not.
_BROAD_GLOB = lazy_compile(r'^[*?._-]+$')


def shipped_runs(document: DockerfileDocument) -> Iterator[RunScript]:
    """Every readable ``RUN`` of the stages whose layers make the image, in order."""
    for stage in shipped_stages(document.stages):
        yield from runs_of(document, stage)


def later_runs(runs: list[RunScript], run: RunScript) -> list[RunScript]:
    """The ``RUN``s after ``run`` in the shipped stages."""
    index = next(i for i, r in enumerate(runs) if r.instruction is run.instruction)
    return runs[index + 1:]


def option_values(command: Command) -> list[str]:
    return [w.value for w in command.args if w.value is not None and w.value.startswith('-')]


def removes(script: Script, after: int, paths: tuple[str, ...]) -> bool:
    """An ``rm`` (or ``find -delete``) after ``after`` deletes one of ``paths`` or a parent."""
    for command in script.commands:
        if command.start < after or command.name not in ('rm', 'find'):
            continue
        for word in command.args:
            value = word.plain
            if value is None and word.raw.startswith(('~/', '$HOME/', '${HOME}/')):
                value = word.raw
            if value is None or value.startswith('-'):
                continue
            folder, _, last = value.rpartition('/')
            if folder and '*' in last and _BROAD_GLOB.match(last):
                target = folder  # `lists/*`, `lists/*_*`: everything in it, or nearly
            else:
                target = value.rstrip('/')
            target = re.sub(r'^(~|\$HOME|\$\{HOME\})', '/root', target)
            for path in paths:
                if path == target or path.startswith(target + '/'):
                    return True
    return False


def runs_later(script: Script, after: int, name: str, sub: str | tuple[str, ...]) -> bool:
    """``name sub ...`` runs after offset ``after`` (``npm cache clean``)."""
    subs = (sub,) if isinstance(sub, str) else sub
    for command in script.commands:
        if command.start >= after and command.name == name:
            found = subcommand(command)
            if found is not None and found[1] in subs:
                return True
    return False


def errexit(script: Script) -> bool:
    """``set -e`` (or ``-o errexit``) runs at the top level before the last statement."""
    last = script.statements[-1].start if script.statements else 0
    for command in script.commands:
        if command.name != 'set' or command.nested or command.start >= last:
            continue
        values = command.arg_values
        for i, value in enumerate(values):
            if value is not None and _SET_ERREXIT.match(value):
                return True
            if value == '-o' and i + 1 < len(values) and values[i + 1] == 'errexit':
                return True
    return False


def append_step(document: DockerfileDocument, run: RunScript, step: str) -> Edit | None:
    """An edit that runs ``step`` last in ``run``, laid out like the other steps.

    ``S && step`` keeps the status of ``S``; a ``;`` (or a new line in a
    heredoc) is used only where ``set -e`` already stops the script at the
    first failure, so it keeps the status too. The separator copies the one
    before the last step (`` \\<newline>    && ``), comments excluded.
    """
    script = run.script
    if not run.editable or script.append_at is None:
        return None
    text = document.source.text
    end = script.append_at
    last = script.statements[-1]
    separator = ' && '
    if len(last.members) > 1:
        gap = text[run.after(last.members[-2][1]):run.at(last.members[-1][0])]
        if '#' not in gap and gap.strip(' \t\r\n\\`') == '&&':
            separator = gap
    elif len(script.statements) > 1 and errexit(script):
        previous = script.statements[-2]
        gap = text[run.after(previous.end):run.at(last.start)]
        if '#' not in gap and gap.strip(' \t\r\n\\`') in (';', ''):
            separator = gap
    return Edit.insert(run.after(end), f'{separator}{step}')


def insert_after(run: RunScript, word: Word, content: str) -> Edit:
    """Insert `` content`` right after ``word`` (a flag after ``install``)."""
    return Edit.insert(run.after(word.end), f' {content}')


def program_word(command: Command) -> str:
    """The program as written, to run it again in a later step (``/venv/bin/pip``)."""
    return command.words[0].raw
