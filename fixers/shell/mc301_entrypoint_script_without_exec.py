"""MC301: an entrypoint script that runs its program as a child stays PID 1."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.code_document import CodeDocument
from modcon.entrypoints.invocation import Invocation
from modcon.knowledge.ignores_sigterm import ignoring_program
from modcon.knowledge.ignores_sigterm import remedy
from modcon.model import Applicability
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import FixAvailability
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.script import INIT_ADVICE
from modcon.readers.shell.script import analyze_script
from modcon.regions import enclosing
from modcon.regions import marked_regions
from modcon.registry import rule

_STAYS = 'so SIGTERM stays with the shell'


@rule(
    code='MC301',
    name='entrypoint-script-without-exec',
    kind=Kind.SHELL,
    property=Property.SIGNALS,
    severity=Severity.WARNING,
    fixable=FixAvailability.SOMETIMES,
)
def entrypoint_script_without_exec(document: CodeDocument) -> Iterator[Hit]:
    """## What it does
    Finds shell scripts that a container runs as its main program and whose
    last command runs the program as a child instead of replacing the shell
    with `exec`, and inserts `exec` before that command.

    ## Why is this bad?
    The script is PID 1 until it `exec`s. `docker stop` and Kubernetes send
    SIGTERM to PID 1, which is the shell, not the program. As PID 1, dash and
    busybox ash ignore SIGTERM, and bash does too unless it traps it; the
    program never hears of it, and the container is killed when the grace
    period ends: no graceful shutdown, exit code 137. A module container
    reacts to signals; the official images end their `docker-entrypoint.sh`
    with `exec "$@"`.

    ## Example
    ```sh
    #!/bin/sh
    set -e
    chown -R app /data
    gosu app "$@"
    ```

    ## Use instead
    ```sh
    #!/bin/sh
    set -e
    chown -R app /data
    exec gosu app "$@"
    ```

    ## Fix safety
    The script is read with tree-sitter-bash. `exec ` goes before the name of
    the script's last top-level command (after `VAR=x` prefixes; redirections
    stay and now apply to the program), so the same program runs with the same
    arguments, environment, working directory and open files, and replaces the
    shell. Nothing at the top level runs after that command by construction,
    except a bare `exit` or `exit $?`, which passes the same status on and
    becomes unreachable. The container's exit status is the program's, as
    before. Scripts that `trap` anything are never edited (the trap is
    deliberate, and `exec` would discard it, EXIT traps included).

    The fix is unsafe when the command's name could be a shell function or
    an alias (`exec` runs only programs, and expands no alias): an expansion
    such as `"$@"` in a script that defines functions, a plain name in a
    script that sources other scripts or runs `eval`, or in one that defines
    aliases whose names modcon cannot read (`alias "$a"`). It is unsafe too
    whenever the script sources other scripts or runs `eval`, whatever the
    name: code modcon does not see may set a `trap` (an EXIT trap's
    cleanup), which `exec` discards. Two small differences remain under
    bash, as with every `exec` there: the program sees `SHLVL` one lower and
    no `_` variable. And if `$1` starts with `-`, `"$@"` failed with "not
    found" before; `exec "$@"` reads the word as an option of `exec`: dash
    still says "not found", BusyBox ash "illegal option" (status 2), and bash
    runs the rest for its own options `-l`, `-c` and `-a NAME`.

    Reported without a fix: a last command inside a `# [START x]` ... `# [END
    x]` region (the lines a published documentation snippet quotes), a final
    program that ignores SIGTERM as PID 1 (`tail -f`, `sleep infinity`,
    `cat`), which `exec` would not make stop (the finding names the remedy:
    an init, or a `trap` that ends the wait), a program followed by
    commands that end in `exit "$rc"` (its saved status), `exec sh -c '...'`
    whose script does not `exec` its own last command (dash then stays PID 1
    in the script's place), a `trap`, background jobs
    (`&`), a final pipeline, `||` fallback, compound command, subshell, shell
    builtin, `wait` or `eval`, a command named by an alias the script
    defines (dash and BusyBox ash expand `n` after `alias n=node`, but
    `exec n` looks for a program called `n`), a final command inside an
    `if`/`case` branch or a function (modcon edits only the last top-level
    command), and scripts tree-sitter cannot read reliably (as info).
    Already fine, and not reported: every path to the end of the script ends
    in `exec PROGRAM`, in an `exit` with a status of its own (`exit 1`), or
    runs nothing more. Scripts whose here-documents tree-sitter ends early
    (at `EOF ` with a trailing blank, which the shell reads as data) count as
    unreadable.
    """
    if not document.is_entrypoint:
        return
    ending = analyze_script(document.source.text)
    status = ending.status
    if status in ('fine', 'not-shell'):
        return
    name = document.source.file_name
    subject = f'`{name}` runs as PID 1 ({_where(document.invocations)})'
    line = document.source.position(ending.start).line
    start, end = ending.start, ending.end

    ignoring = ignoring_program(ending.program) if status == 'fix' else None
    if ignoring is not None:
        command = document.source.text[ending.exec_at:end].strip()
        yield Hit(start, end, f'{subject} and runs `{ignoring}` as a child, {_STAYS}; '
                              f'`{ignoring}` ignores SIGTERM as PID 1 too, so `exec` would not '
                              f'make the container stop; no automatic fix: {remedy(command)}')
    elif status == 'fix' and (region := _region_at(document, ending.exec_at)) is not None:
        yield Hit(start, end, f'{subject} and runs `{ending.program}` as a child, {_STAYS}; no '
                              f'automatic fix: the command is inside the marked region '
                              f'`{region}` (a published snippet), which modcon does not edit; '
                              f'if the snippet may change, put `exec` before '
                              f'`{ending.program}`')
    elif status == 'fix':
        assert ending.exec_at is not None
        title = f'Insert `exec` so `{ending.program}` replaces the shell'
        applicability = Applicability.SAFE
        if ending.unsafe:
            title += f' ({ending.unsafe})'
            applicability = Applicability.UNSAFE
        fix = Fix.make(title, (Edit.insert(ending.exec_at, 'exec '),), applicability)
        yield Hit(start, end, f'{subject} and runs `{ending.program}` as a child, {_STAYS}',
                  fix)
    elif status == 'problem':
        yield Hit(start, end, f'{subject} and {ending.problem}, {_STAYS}; no automatic fix: '
                              f'{ending.advice}')
    elif status == 'trap' and ending.term_trapped:
        yield Hit(start, end, f'{subject} and traps SIGTERM itself (`trap` on line {line}), so '
                              'the shell stays between the signal and the program; no '
                              'automatic fix: `exec` would discard the trap. Make sure the '
                              'handler passes SIGTERM on to the program and waits for it',
                  severity=Severity.INFO)
    elif status == 'trap':
        yield Hit(start, end, f'{subject} and sets a `trap` (line {line}) but not for SIGTERM, '
                              f'which the shell ignores as PID 1, {_STAYS}; no automatic fix: '
                              '`exec` would discard the trap. Trap TERM and pass it on to the '
                              'program, or drop the trap and `exec` the last command')
    elif status == 'background':
        yield Hit(start, end, f'{subject} and starts a background job (`&` on line {line}), '
                              f'so the shell has to stay and SIGTERM stays with it; no '
                              f'automatic fix: {INIT_ADVICE}')
    elif status == 'unreadable':
        yield Hit(start, end, f'{subject}, but modcon cannot read it reliably '
                              f'({ending.problem}) to tell whether it hands over to its '
                              'program with `exec`; check that its last command is `exec ...`',
                  severity=Severity.INFO)
    else:  # pragma: no cover - analyze_script returns only the statuses above
        raise AssertionError(f'unhandled status {status!r}')


def _region_at(document: CodeDocument, offset: int | None) -> str | None:
    """The name of the `# [START x]` ... `# [END x]` region ``offset`` is in."""
    if offset is None:
        return None
    region = enclosing(offset, marked_regions(document.source.text))
    return region.name if region is not None else None


def _where(invocations: tuple[Invocation, ...]) -> str:
    """Which container command runs the script, for the message."""
    main = [i for i in invocations if i.as_main]
    first = main[0]
    argv = _short(' '.join(first.argv))
    if first.dockerfile is None:
        where = f'run as `{argv}`'
    elif first.line:
        where = f'{first.dockerfile} line {first.line}: `{argv}`'
    else:
        where = f'{first.dockerfile}: `{argv}`'
    if len(main) > 1:
        where += f', and {len(main) - 1} more'
    return where


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + '…'
