"""MC101: CMD or ENTRYPOINT in shell form keeps a shell as PID 1."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._exec_form import Rewrite
from modcon.fixers.dockerfile._exec_form import child_keeping_shell
from modcon.fixers.dockerfile._exec_form import json_array
from modcon.fixers.dockerfile._exec_form import may_trap
from modcon.fixers.dockerfile._exec_form import startup_files
from modcon.fixers.dockerfile._exec_form import term_trap
from modcon.fixers.dockerfile._exec_form import trap_message
from modcon.knowledge.ignores_sigterm import ignoring_program
from modcon.knowledge.ignores_sigterm import remedy
from modcon.lazyregex import lazy_compile
from modcon.model import Applicability
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile import jsonish
from modcon.readers.dockerfile.stages import Command
from modcon.readers.dockerfile.stages import commands
from modcon.readers.dockerfile.stages import is_bash
from modcon.readers.dockerfile.stages import shell_for
from modcon.readers.dockerfile.stages import shell_script
from modcon.readers.shell.options import is_script_option
from modcon.readers.shell.shell_form import Analysis
from modcon.readers.shell.shell_form import analyze
from modcon.registry import rule
from modcon.source import undecodable

# `$@`, `$1`, `${2}`, `$#`, `$*`, `$0`: a script that reads these would start
# to see CMD and `docker run` arguments once ENTRYPOINT is in exec form.
_POSITIONAL = lazy_compile(r'\$(?:[@*#0-9]|\{[@*#0-9])')


@rule(
    code='MC101',
    name='shell-form-command',
    kind=Kind.DOCKERFILE,
    property=Property.SIGNALS,
    severity=Severity.WARNING,
    aliases=('hadolint:DL3025', 'buildkit:JSONArgsRecommended',
             'tally:buildkit/JSONArgsRecommended'),
    reads=('CMD', 'ENTRYPOINT'),
)
def shell_form_command(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `CMD` and `ENTRYPOINT` instructions in shell form (including
    `ONBUILD CMD ...`) whose shell stays between the container and the
    program, and rewrites them so the program itself is PID 1.

    ## Why is this bad?
    Shell form runs `/bin/sh -c "<command>"`. The shell becomes PID 1, and
    `docker stop` and Kubernetes send SIGTERM to it, not to the program. As
    PID 1, dash and busybox ash ignore SIGTERM, so nothing happens until the
    grace period ends and the container is killed: no graceful shutdown, no
    cleanup, and an exit code that says "killed". A module container reacts
    to signals.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD python app.py --port 8000
    ```

    ```dockerfile
    FROM python:3.12-slim
    CMD cd /srv && gunicorn --bind 0.0.0.0:$PORT app:app
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    CMD ["python", "app.py", "--port", "8000"]
    ```

    ```dockerfile
    FROM python:3.12-slim
    CMD ["/bin/sh", "-c", "cd /srv && exec gunicorn --bind 0.0.0.0:$PORT app:app"]
    ```

    ## Fix safety
    The command is read with a real shell grammar. When every word is
    literal, the shell is dropped and the same argv runs (the one visible
    difference: dash exports `PWD`, exec form does not). When the command
    needs the shell (variables, `&&` lists, redirections, `VAR=x` prefixes),
    the shell stays, under the `SHELL` in effect, and `exec` goes on the last
    command only, so it replaces the shell once everything before it has run.
    A shell that reads start-up files first (`bash --login`, `-l`, `-i`, zsh,
    bash with `BASH_ENV`: conda and nvm images set `PATH` there) stays too,
    with `exec`, even for literal words. `CMD sh -c "cd /app && app"` gets
    `exec` inside its script: without the outer shell, the inner one is PID 1,
    and dash runs even a lone command as its child. `CMD sh -c "app --port
    $PORT"` becomes one shell, `CMD ["sh", "-c", "exec app --port $PORT"]`:
    unsafe, since the variable is then expanded by that shell as it runs the
    script, where the inner shell read the outer one's result as shell code
    (the same for values without shell syntax); with anything before the
    `sh -c`, it is reported without a fix, as is `CMD exec sh -c "..."`
    (the inner dash stays PID 1) and a command that may set a trap through
    `eval`, which `exec` would discard.

    Safe, except where the argv that an ENTRYPOINT receives would change:
    a shell-form `CMD` is handed to an exec-form ENTRYPOINT as
    `/bin/sh -c "<command>"`; after the rewrite the entrypoint sees the words
    themselves, and entrypoint scripts often branch on `$1`. That fix is
    unsafe when the ENTRYPOINT is in this file or the base image is not
    known to have a pass-through entrypoint. A shell-form ENTRYPOINT ignores
    `CMD` and `docker run` arguments; the fix keeps them ignored by keeping
    `sh -c` with `exec` (unsafe only when the script reads `$@`, `$1`, ...).

    No fix for a final program that ignores SIGTERM as PID 1 (`tail -f`,
    `sleep infinity`, `cat`): `exec` would not make it stop; the finding
    names the remedy (an init, or a `trap` that ends the wait). No fix for
    pipelines, `||` fallbacks, background jobs, traps, compound
    commands, shell builtins and bash syntax under `/bin/sh`: the finding says
    why, and what to do instead. Windows stages and non-POSIX `SHELL`s are
    reported without a fix. Comment lines inside the instruction stay; a
    trailing shell comment moves to a comment line above.
    """
    stages = document.stages
    for command in commands(stages, ('CMD', 'ENTRYPOINT')):
        ins = command.instruction
        if ins.is_exec_form or not ins.args.text:
            continue
        if ins.args.json_error is not None and jsonish.intends_json(ins.args.text):
            continue  # meant as exec form but invalid: MC103 reports it
        if command.name == 'CMD' and not command.onbuild and \
                stages.entrypoint(command.stage).kind == 'shell':
            continue  # a shell-form ENTRYPOINT ignores CMD; MC101 reports the ENTRYPOINT
        hit = _check(document, command)
        if hit is None:
            continue
        if not command.onbuild and not stages.reaches_final_image(command.stage, command.name):
            # Only the final image's command runs, unless someone builds with
            # --target; the finding stays, with less weight.
            name = command.stage.name or f'#{command.stage.index}'
            hit = hit._replace(
                message=f'{hit.message} (stage `{name}` is not the final stage: this runs '
                        f'only with `--target {name}`)',
                severity=Severity.INFO,
            )
        yield hit


def _check(document: DockerfileDocument, command: Command) -> Hit | None:
    ins = command.instruction
    keyword = f'ONBUILD {ins.name}' if command.onbuild else ins.name
    start, end = command.outer.start, command.outer.end
    shell = shell_for(document.stages, command)
    if shell is None:
        return Hit(start, end, f'`{keyword}` in shell form: modcon rewrites commands only for '
                               'POSIX shells on Linux stages (no automatic fix)',
                   severity=Severity.INFO)
    analysis = analyze(ins.args.text, posix=not is_bash(shell))
    shell_text = ' '.join(shell)
    carried = analysis.argv if analysis.argv is not None else (analysis.script or '',)
    if analysis.problem is None and any(undecodable(word) is not None for word in carried):
        # BuildKit reads exec form as JSON, which turns such a byte into U+FFFD.
        return Hit(start, end, f'`{keyword}` in shell form keeps `{shell_text}` as PID 1, '
                               f'which does not pass SIGTERM on; no automatic fix because the '
                               f'command holds a byte that is not UTF-8, which exec form cannot '
                               f'carry (BuildKit would pass U+FFFD instead); write it as '
                               f'UTF-8, or start the command with `exec`')
    trap = term_trap(ins.args.text) if analysis.problem is not None else None
    if trap is not None:
        message, severity = trap_message(trap, f'`{keyword}` in shell form, under '
                                               f'`{shell_text}`,')
        return Hit(start, end, message, severity=severity)
    if analysis.problem is not None:
        advice = f'; {analysis.advice}' if analysis.advice else ''
        return Hit(start, end, f'`{keyword}` in shell form keeps `{shell_text}` as PID 1, '
                               f'which does not pass SIGTERM on; no automatic fix because '
                               f'{analysis.problem}{advice}')
    program = f'`{analysis.name}`' if analysis.name else 'the program'
    ignoring = ignoring_program(analysis.program)
    if ignoring is not None:
        # exec form (or `exec`) would make it PID 1, which it ignores SIGTERM as too.
        return Hit(start, end, f'`{keyword}` in shell form runs `{ignoring}` under '
                               f'`{shell_text}`; `{ignoring}` ignores SIGTERM as PID 1 too, so '
                               f'exec form or `exec` would not make the container stop; no '
                               f'automatic fix: {remedy(_final_command(analysis))}')
    rewrite = Rewrite(document, command.outer, ins)
    startup = startup_files(shell, document)
    if analysis.argv is not None and ins.name != 'ENTRYPOINT' and startup is None:
        argv = _exec_in_script(analysis.argv)
        edits = rewrite.argv(argv, analysis.spans, analysis.comment)
        if ins.flags:
            message = (f'BuildKit reads `{ins.flags[0]}` as a flag of `{keyword}` and refuses '
                       f'to build; in exec form it is an argument')
            severity = Severity.ERROR
        elif analysis.already_execs:
            message = (f'`{keyword}` in shell form starts `{shell_text}` only to `exec` '
                       f'{program}; exec form runs it directly')
            severity = Severity.INFO
        else:
            message = (f'`{keyword}` in shell form runs {program} under `{shell_text}`, '
                       f'which stays PID 1 and does not pass SIGTERM on')
            severity = None
        title = f'Use exec form: {keyword} {json_array(argv)}'
        applicability, why = _cmd_argv_safety(document, command, argv)
        if ins.flags:  # it does not build today, so there is no behaviour to keep
            applicability, why = Applicability.SAFE, ''
        if why:
            title += f' ({why})'
        fix = Fix.make(title, edits, applicability) if edits else None
        return Hit(start, end, message, fix, severity)

    if analysis.already_execs and child_keeping_shell(analysis) and \
            _execs_child_keeping_script(ins.args.text):
        # `CMD exec sh -c "app --port $PORT"`: the inner dash is PID 1, the program its child.
        return Hit(start, end, f'`{keyword}` in shell form `exec`s `sh -c`, whose dash stays '
                               f'PID 1 with the program as its child (dash runs a last command '
                               f'as its child), so SIGTERM never reaches it; no automatic fix: '
                               f'write it as exec form with `exec` in the script, '
                               f'`CMD ["sh", "-c", "exec <program> ..."]`')
    if analysis.already_execs:
        return None  # `... && exec app`: the program already replaces the shell
    if child_keeping_shell(analysis):
        # `CMD sh -c "app --port $PORT"`: `exec sh` would leave the inner dash as PID 1,
        # with the program its child: the finding would go and the container still hang.
        return _inner_shell(document, command, analysis, rewrite, keyword, shell_text)
    if may_trap(ins.args.text):
        # `eval "trap 'rm -f /tmp/lock' EXIT"; app`: a trap the grammar does not see.
        return Hit(start, end, f'`{keyword}` in shell form keeps `{shell_text}` as PID 1, '
                               f'which does not pass SIGTERM on; no automatic fix because it '
                               f'may set a trap (`trap` through `eval`), which `exec` would '
                               f'discard; keep it in a script: the shell must stay to run the '
                               f'trap')
    # A literal ENTRYPOINT keeps `sh -c` too, so CMD and run arguments stay ignored.
    exec_at = analysis.spans[0][0] if analysis.argv is not None else analysis.exec_at
    edits = rewrite.script(shell, analysis.script, exec_at, analysis.comment)
    message = (f'`{keyword}` in shell form keeps `{shell_text}` as PID 1 while {program} '
               f'runs, so SIGTERM never reaches it')
    title = f'Use exec form and `exec {analysis.name or "the program"}` so it replaces the shell'
    if startup is not None and analysis.argv is not None:
        title += f' (the shell stays: {startup})'
    applicability = Applicability.SAFE
    if ins.name == 'ENTRYPOINT' and _POSITIONAL.search(ins.args.text):
        applicability = Applicability.UNSAFE
        title += ' (CMD and `docker run` arguments now reach `$@`)'
    fix = Fix.make(title, edits, applicability) if edits else None
    return Hit(start, end, message, fix)


# `sh -c "script"` or `sh -c 'script'` as the whole command, the double-quoted script
# without a backslash or a backtick: the outer shell only expands `$...` in it.
_INNER_SHELL = lazy_compile(r'\s*((?:/usr)?/bin/)?(sh|dash|ash)\s+(-[a-np-zA-NP-Z]*c[a-np-zA-NP-Z]*)'
                            r'\s+(?:"([^"\\`]*)"|\'([^\']*)\')\s*')


_EXEC = lazy_compile(r'\s*exec\s+')


def _execs_child_keeping_script(text: str) -> bool:
    """`exec sh -c "app --port $PORT"` as the whole command, with a script whose last
    command is a program that it does not `exec` (read as written: the outer shell's
    expansions of `$...` are taken for words)."""
    start = _EXEC.match(text)
    whole = _INNER_SHELL.fullmatch(text, start.end()) if start is not None else None
    if whole is None:
        return False
    script = whole[4] if whole[4] is not None else whole[5]
    inner = analyze(script, posix=True)
    return inner.problem is None and not inner.already_execs and \
        not script.lstrip().startswith('$')


def _inner_shell(document: DockerfileDocument, command: Command, analysis: Analysis,
                 rewrite: Rewrite, keyword: str, shell_text: str) -> Hit:
    """`CMD sh -c "app --port $PORT"`: one shell in exec form, the program `exec`ed in
    its script, when the whole command is that; else reported without a fix."""
    ins = command.instruction
    start, end = command.outer.start, command.outer.end
    message = (f'`{keyword}` in shell form runs `sh -c` under `{shell_text}`: two shells, and '
               f'neither passes SIGTERM on to the program (dash runs a last command as its '
               f'child)')
    whole = _INNER_SHELL.fullmatch(ins.args.text)
    if whole is None or ins.name != 'CMD' or analysis.comment is not None:
        return Hit(start, end, f'{message}; no automatic fix: write it as exec form with `exec` '
                               f'in the script, `CMD ["sh", "-c", "exec <program> ..."]`')
    quoted = whole[4] if whole[4] is not None else whole[5]
    argv = _exec_in_script((f'{whole[1] or ""}{whole[2]}', whole[3], quoted))
    if argv[2] == quoted:
        return Hit(start, end, f'{message}; no automatic fix: its script cannot end with `exec` '
                               f'(a pipeline, a fallback, a background job, a builtin)')
    script = 4 if whole[4] is not None else 5
    spans = ((whole.start(1) if whole[1] else whole.start(2), whole.end(2)), whole.span(3),
             (whole.start(script) - 1, whole.end(script) + 1))  # the quotes included
    edits = rewrite.argv(argv, spans, None)
    applicability, why = _cmd_argv_safety(document, command, argv)
    if whole[4] is not None and '$' in quoted:
        # The outer shell expanded them inside its quotes, and the inner one read the
        # result as shell code; now the one shell expands them as it runs the script:
        # the same words for values without shell syntax (`;`, quotes, `&&`).
        applicability, why = Applicability.UNSAFE, ('`$` expansions are now made by the one '
                                                    'shell, which reads their values as words, '
                                                    'not as shell code')
    title = f'Use exec form with one shell: {keyword} {json_array(argv)}'
    if why:
        title += f' ({why})'
    return Hit(start, end, message, Fix.make(title, edits, applicability) if edits else None)


def _exec_in_script(argv: tuple[str, ...]) -> tuple[str, ...]:
    """``sh -c "cd /app && app"`` as words, with `exec` on the script's last command.

    Without the outer shell, the inner one is PID 1, and dash (Debian's `sh`)
    runs even a lone command as its child: `exec` makes the program PID 1.
    Left as they are: scripts that cannot take `exec` or already have it."""
    script = shell_script(argv)
    if script is None or not is_script_option(argv[1]):
        return argv
    inner = analyze(script, posix=not is_bash(argv[:1]))
    if inner.problem is not None or inner.already_execs or \
            ignoring_program(inner.program) is not None or may_trap(script):
        return argv
    at = inner.spans[0][0] if inner.argv is not None else inner.exec_at
    if at is None:  # pragma: no cover - a fixable analysis has one or the other
        return argv
    return (*argv[:2], f'{script[:at]}exec {script[at:]}', *argv[3:])


def _cmd_argv_safety(document: DockerfileDocument, command: Command,
                     argv: tuple[str, ...]) -> tuple[Applicability, str]:
    """Whether dropping the shell from a CMD changes what an ENTRYPOINT receives."""
    entrypoint = document.stages.entrypoint(command.stage)
    received = f'`{" ".join(argv)}` instead of `/bin/sh -c ...`'
    if entrypoint.kind == 'none':
        return Applicability.SAFE, ''
    if entrypoint.kind == 'unknown':
        image = document.stages.root_image(command.stage)
        return Applicability.UNSAFE, (f'if `{image}` has an ENTRYPOINT, '
                                      f'it now receives {received}')
    if entrypoint.instruction is None and entrypoint.facts is not None:
        if entrypoint.facts.passes_through and not argv[0].startswith('-'):
            return Applicability.SAFE, ''
        name = ' '.join(entrypoint.facts.entrypoint or ())
        return Applicability.UNSAFE, f'the base image ENTRYPOINT `{name}` now receives {received}'
    return Applicability.UNSAFE, f'the ENTRYPOINT now receives {received}'


def _final_command(analysis: Analysis) -> str:
    """The final command as written, for the remedy's example."""
    words: tuple[str | None, ...] = analysis.argv or (analysis.program, *analysis.final_args)
    if None in words:
        return f'{analysis.program} ...'
    return ' '.join(w for w in words if w is not None)
