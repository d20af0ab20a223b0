"""MC105: exec form that runs `sh -c "..."` whose last command is not `exec`ed."""
from __future__ import annotations

import posixpath
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._exec_form import child_keeping_shell
from modcon.fixers.dockerfile._exec_form import json_string
from modcon.fixers.dockerfile._exec_form import may_trap
from modcon.fixers.dockerfile._exec_form import term_trap
from modcon.fixers.dockerfile._exec_form import trap_message
from modcon.fixers.dockerfile._start_commands import ShellString
from modcon.fixers.dockerfile._start_commands import start_command
from modcon.knowledge.ignores_sigterm import ignoring_program
from modcon.knowledge.ignores_sigterm import remedy
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.options import CHILD_KEEPING_SHELLS
from modcon.readers.shell.options import is_script_option
from modcon.readers.shell.shell_form import analyze
from modcon.registry import rule


@rule(
    code='MC105',
    name='shell-c-without-exec',
    kind=Kind.DOCKERFILE,
    property=Property.SIGNALS,
    severity=Severity.WARNING,
    reads=('CMD', 'ENTRYPOINT'),
)
def shell_c_without_exec(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds an exec-form `CMD` or `ENTRYPOINT` of the final image that starts
    `sh -c "<script>"` (also `dash` and `ash`, and `ENTRYPOINT ["sh", "-c"]`
    with the script in `CMD`), directly or through an init, `gosu` or an
    entrypoint script that runs its arguments, when the script's last command
    is not `exec`ed. The fix puts `exec` in front of it.

    ## Why is this bad?
    Exec form is chosen so the program is PID 1 and gets `docker stop`'s
    SIGTERM. Through `sh -c` it is not: dash, the `sh` of Debian and Ubuntu
    images (and older busybox), runs even a lone command as its child and
    stays PID 1. As PID 1
    the shell ignores SIGTERM, so the program never hears of the stop and is
    killed when the grace period ends, its shutdown skipped. Behind an init
    the shell dies at once instead, and the program is killed with the
    container just the same. `sh -c` is usually there to expand a variable
    such as `$PORT`; `exec` keeps that.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD ["sh", "-c", "gunicorn --bind 0.0.0.0:$PORT app:app"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:$PORT app:app"]
    ```

    ## Fix safety
    Safe: the same program runs with the same arguments, environment and
    folder; `exec` only makes it replace the shell, which had nothing left to
    do but wait for it. Only `exec ` is inserted: the string's escapes stay
    as written. The script is read with a real shell grammar. No fix
    for a script that needs the shell to stay (pipelines, `||` fallbacks,
    background jobs, traps, compound commands) or whose last command is a
    builtin or another `sh -c` (whose dash would stay in front of the
    program; `exec sh -c 'app'` is reported for that reason), a script that
    may set a trap through `eval` (`exec` would discard it), nor for a
    program that ignores SIGTERM as PID 1 too
    (`tail -f`, `sleep infinity`); the finding says why. A script that traps
    SIGTERM and passes it on (`kill`) gets a reminder (info) to wait for the
    program; one whose trap does not pass it on is reported, as the program
    never gets the signal. `bash -c` is left
    alone: bash execs a script's last simple command itself. A shell-form
    command is MC101's.
    """
    seen: set[int] = set()
    start = start_command(document)
    for found in start.shell_strings:
        if posixpath.basename(found.shell) not in CHILD_KEEPING_SHELLS or \
                not found.instruction.is_exec_form or \
                not is_script_option(found.option) or id(found.instruction) in seen:
            continue
        seen.add(id(found.instruction))
        hit = _check(document, found, start.init)
        if hit is not None:
            yield hit


def _check(document: DockerfileDocument, found: ShellString, init: str | None) -> Hit | None:
    ins = found.instruction
    analysis = analyze(found.script, posix=True)
    intro = f'`{posixpath.basename(found.shell)} {found.option}` runs this `{ins.name}` script and'
    if analysis.already_execs:
        inner = _execed_inner_shell(analysis.program, analysis.final_args)
        if inner is None:
            return None
        # `exec sh -c 'app'`: the inner dash replaces this one, and keeps `app` as its child.
        return Hit(ins.start, ins.end, f'{intro} `exec`s `{inner} -c`, another shell that '
                                       f'keeps its last command as a child, so SIGTERM never '
                                       f'reaches the program; no automatic fix: `exec` the '
                                       f'program in the inner script, or run it through one '
                                       f'`sh -c` whose script `exec`s it')
    trap = term_trap(found.script) if analysis.problem is not None else None
    if trap is not None:
        # `trap 'kill -TERM $pid' TERM; app & pid=$!; wait $pid`: the shell handles
        # SIGTERM (a trapped signal reaches PID 1); whether it passes it on is its own.
        message, severity = trap_message(trap, f'`{posixpath.basename(found.shell)} '
                                               f'{found.option}` runs this `{ins.name}` script, which')
        return Hit(ins.start, ins.end, message, severity=severity)
    if analysis.problem is not None:
        advice = f'; {analysis.advice}' if analysis.advice else ''
        return Hit(ins.start, ins.end, f'{intro} {_stays(init, "the program")}, so SIGTERM '
                                       f'never reaches the program; no automatic fix because '
                                       f'{analysis.problem}{advice}')
    inner = child_keeping_shell(analysis)
    if inner is not None:
        # `exec sh -c '...'` would leave the inner dash in front of the program.
        return Hit(ins.start, ins.end, f'{intro} {_stays(init, f"`{inner} -c`")}, another shell '
                                       f'that keeps its last command as a child; no automatic '
                                       f'fix: run the program through one `sh -c` whose script '
                                       f'`exec`s it')
    ignoring = ignoring_program(analysis.program)
    if ignoring is not None:
        return Hit(ins.start, ins.end, f'{intro} {_stays(init, f"`{ignoring}`")}; `{ignoring}` ignores '
                                       f'SIGTERM as PID 1 too, so `exec` would not make the '
                                       f'container stop; no automatic fix: '
                                       f'{remedy(found.script.strip())}')
    at = analysis.spans[0][0] if analysis.argv is not None else analysis.exec_at
    if at is None:  # pragma: no cover - a fixable analysis has one or the other
        return None
    program = f'`{analysis.name}`' if analysis.name else 'the program'
    if may_trap(found.script):
        # `eval "trap 'rm -f /tmp/lock' EXIT"; app`: a trap the grammar does not see.
        return Hit(ins.start, ins.end, f'{intro} {_stays(init, program)}, so SIGTERM never '
                                       f'reaches {program}; no automatic fix because it may set '
                                       f'a trap (`trap` through `eval`), which `exec` would '
                                       f'discard; keep it in a script: the shell must stay to '
                                       f'run the trap')
    message = (f'{intro} {_stays(init, program)} (dash, the `sh` of Debian and Ubuntu, and '
               f'older busybox do not replace themselves with a last command), so SIGTERM '
               f'never reaches {program}')
    edit = _insert_exec(document, found, at)
    fix = Fix.safe(f'Add `exec` so {program} replaces the shell', edit) \
        if edit is not None else None
    return Hit(ins.start, ins.end, message, fix)


def _execed_inner_shell(program: str | None, args: tuple[str | None, ...]) -> str | None:
    """The dash-like shell an already `exec`ed last command starts on a script whose
    last command is a program it does not `exec` (`exec sh -c 'app'`), else None. A
    script that is not literal (`exec sh -c "$CMD"`) or that has no such last
    command (a pipeline, a builtin) is not judged."""
    inner = posixpath.basename(program or '')
    if inner not in CHILD_KEEPING_SHELLS:
        return None
    for index, word in enumerate(args):
        if word is None or not word.startswith(('-', '+')):
            return None
        if is_script_option(word):
            script = args[index + 1] if index + 1 < len(args) else None
            if script is None:
                return None
            # Judged only when its last command is a program run as a child.
            nested = analyze(script, posix=True)
            return inner if nested.problem is None and not nested.already_execs else None
        if word in ('-o', '+o'):
            return None  # `-o pipefail -c`: not judged
    return None


def _stays(init: str | None, program: str) -> str:
    """Where the shell stays: PID 1, or behind an init, whose SIGTERM ends the shell alone."""
    if init is None:
        return f'stays PID 1 with {program} as its child'
    return f'stays between `{init}` and {program}'


def _insert_exec(document: DockerfileDocument, found: ShellString, at: int) -> Edit | None:
    """``exec `` at ``at`` of the script, as an edit of its JSON string in the file."""
    from modcon.readers.dockerfile import jsonish

    ins = found.instruction
    args = ins.args
    reading = jsonish.read(args.text)
    if reading is None or found.position >= len(reading.elements):
        return None
    element = reading.elements[found.position]
    if element.kind != 'json' or element.value != found.script:
        return None

    def place(start: int, end: int) -> tuple[int, int]:
        return (ins.source_offset(args.offset + start),
                ins.source_offset(args.offset + end - 1) + 1)

    start, end = place(element.start, element.end)
    text = document.source.text
    if text[start:end] == f'"{found.script}"':  # no escapes, no line break: insert in place
        return Edit.insert(start + 1 + at, 'exec ')
    if text[start:end] != args.text[element.start:element.end]:
        return None  # the string is broken over lines: leave it to the author
    # Escapes (`\"`, `\u00e9`, `\/`) stay as the author wrote them: only `exec ` is added.
    raw = text[start + 1:end - 1]
    cut = _raw_offset(raw, at)
    if cut is not None:
        import json

        try:
            kept = json.loads(f'"{raw[:cut]}exec {raw[cut:]}"')
        except ValueError:
            kept = None
        if kept == f'{found.script[:at]}exec {found.script[at:]}':
            return Edit.insert(start + 1 + cut, 'exec ')
    return Edit(start, end, json_string(f'{found.script[:at]}exec {found.script[at:]}'))


def _raw_offset(raw: str, at: int) -> int | None:
    """Where the ``at``-th character of the JSON string ``raw`` (its text between the
    quotes) starts in ``raw``, escapes counted as the one character they stand for
    (``\\ud83d\\ude00``, a surrogate pair, as one); None when ``raw`` is malformed."""
    i = 0
    for _ in range(at):
        if i >= len(raw):
            return None
        if raw[i] != '\\':
            i += 1
            continue
        if not raw.startswith('u', i + 1):
            i += 2
            continue
        try:
            high = int(raw[i + 2:i + 6], 16)
        except ValueError:
            return None
        i += 6
        if 0xd800 <= high < 0xdc00 and raw.startswith('\\u', i):
            try:
                low = int(raw[i + 2:i + 6], 16)
            except ValueError:
                return None
            if 0xdc00 <= low < 0xe000:
                i += 6
    return i
