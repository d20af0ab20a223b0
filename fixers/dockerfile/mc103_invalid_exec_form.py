"""MC103: exec-form JSON that is not valid, so Docker silently runs it as shell form."""
from __future__ import annotations

import re
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.model import Applicability
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Message
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.stages import Command
from modcon.readers.dockerfile.stages import commands
from modcon.readers.dockerfile.stages import shell_for
from modcon.registry import rule

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.readers.dockerfile import jsonish

# Patterns, not compiled objects: `re` compiles them on first use, so a file
# without an invalid exec form never pays for them at start-up.
_VARIABLE = r'\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*(?:[:]?[-=+?][^}]*)?\})'
_NUMBER = r'-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?'
_SHELL_SAFE = r'[A-Za-z0-9_./:@%+,=-]+'


@rule(
    code='MC103',
    name='invalid-exec-form',
    kind=Kind.DOCKERFILE,
    property=Property.SIGNALS,
    severity=Severity.ERROR,
    aliases=('tally:tally/invalid-json-form',),
)
def invalid_exec_form(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` arguments that were
    meant as exec form but are not a JSON array of strings: single quotes, a
    trailing comma, an unquoted `$VAR` or word, a number, text or a comment
    after the closing bracket.

    ## Why is this bad?
    Docker reads exec form with a strict JSON parser. When it fails, it does
    not stop: it quietly treats the whole line as shell form and runs
    `/bin/sh -c "['node', 'server.js']"`, which fails at start-up with a
    confusing "not found", or runs a command you did not mean, under a shell
    that ignores SIGTERM as PID 1. Numbers make the build fail outright.

    ## Example
    ```dockerfile
    CMD ['node', 'server.js']
    ENTRYPOINT ["gunicorn", "app:app",]
    CMD ["daphne", "-p", $PORT, "app.asgi:application"]
    ```

    ## Use instead
    ```dockerfile
    CMD ["node", "server.js"]
    ENTRYPOINT ["gunicorn", "app:app"]
    CMD ["/bin/sh", "-c", "exec daphne -p \\"$PORT\\" app.asgi:application"]
    ```

    ## Fix safety
    Each element is re-quoted where it stands, so line breaks and spacing
    stay. Re-quoting strings, dropping a trailing comma, quoting numbers and
    moving a `# comment` after the bracket to its own line are safe: the
    result is the array the author wrote. An unquoted `$VAR` can only be
    expanded by a shell, so that fix keeps one (`sh -c` with `exec`) and is
    unsafe, as is quoting other unquoted words. Text after the bracket is
    reported without a fix. A line that starts with `[` but is a shell
    command (`[ -f /ready ] && app`) is left to MC101.
    """
    for command in commands(document.stages):
        ins = command.instruction
        error = ins.args.json_error
        if error is None:
            continue
        from modcon.readers.dockerfile import jsonish  # arguments BuildKit could not read

        if not jsonish.intends_json(ins.args.text):
            continue
        keyword = f'ONBUILD {ins.name}' if command.onbuild else ins.name
        if ins.name == 'HEALTHCHECK':
            keyword += ' CMD'
        text = ins.args.text
        reading = jsonish.read(text)
        if error == 'not-strings':
            message = Message.format('`{}` has a JSON element that is not a string; BuildKit '
                                     'refuses to build this Dockerfile', keyword)
        else:
            import json  # only an invalid exec form gets here: not loaded at start-up

            # The Dockerfile's text goes in as data: its backticks stay text.
            message = Message.format('`{}` is not valid exec-form JSON ({}), so Docker runs '
                                     'it as a shell command: `/bin/sh -c {}`',
                                     keyword, _problems(reading), json.dumps(text))
        fix = _fix(document, command, reading) if reading is not None else None
        yield Hit(command.outer.start, command.outer.end, message, fix)


def _problems(reading: jsonish.Reading | None) -> Message:
    if reading is None:
        return Message('it is not a JSON array')
    problems = []
    if any(e.kind == 'single' for e in reading.elements):
        problems.append(Message('single quotes'))
    bare = [e.value for e in reading.elements if e.kind == 'bare'][:3]
    if bare:
        problems.append(Message.format('unquoted ' + ', '.join(['`{}`'] * len(bare)), *bare))
    if reading.trailing_comma is not None:
        problems.append(Message('a trailing comma'))
    if reading.comment is not None:
        problems.append(Message('a comment after `]`'))
    elif reading.trailing:
        problems.append(Message.format('text after `]`: `{}`', reading.trailing[:40]))
    return Message.format('; '.join(['{}'] * len(problems)), *problems) if problems \
        else Message('it is not valid JSON')


def _fix(document: DockerfileDocument, command: Command, reading: jsonish.Reading) -> Fix | None:
    if reading.trailing or not reading.elements:
        return None
    from modcon.fixers.dockerfile._exec_form import Rewrite  # fixes only
    from modcon.fixers.dockerfile._exec_form import json_array
    from modcon.fixers.dockerfile._exec_form import json_string

    rewrite = Rewrite(document, command.outer, command.instruction)
    bare = [e for e in reading.elements if e.kind == 'bare']
    if any(re.search(_VARIABLE, e.value) for e in bare):
        if not all(re.fullmatch(_VARIABLE, e.value) or re.fullmatch(_NUMBER, e.value)
                   for e in bare):
            return None
        shell = shell_for(document.stages, command)
        if shell is None:
            return None
        script = 'exec ' + ' '.join(_shell_word(e) for e in reading.elements)
        comment = None if reading.comment is None else reading.comment
        kept = rewrite.script(shell, script, None, comment)
        if not kept:
            return None
        return Fix.unsafe(f'Keep a shell so the variables are expanded: '
                          f'{json_array((*shell, script))}', *kept)

    edits: list[Edit] = []
    for element in reading.elements:
        if element.kind != 'json':
            start, end = rewrite.source_span(element.start, element.end)
            edits.append(Edit(start, end, json_string(element.value)))
    if reading.trailing_comma is not None:
        edits.append(Edit(*rewrite.source_span(*reading.trailing_comma)))
    if reading.comment is not None:
        close_end = rewrite.source_span(reading.close, reading.close + 1)[1]
        edits.append(Edit(close_end, rewrite.src_end))
        text = command.instruction.args.text[reading.comment[0]:reading.comment[1]].strip()
        edits.append(rewrite.comment_block([text]))
    values = tuple(e.value for e in reading.elements)
    if not edits or not rewrite.reparses_as(sorted(edits), values):
        return None
    guessed = any(not re.fullmatch(_NUMBER, e.value) for e in bare)
    title = f'Write valid JSON: {json_array(values)}'
    return Fix.make(title, edits, Applicability.UNSAFE if guessed else Applicability.SAFE)


def _shell_word(element: jsonish.Element) -> str:
    if element.kind == 'bare' and re.fullmatch(_VARIABLE, element.value):
        return f'"{element.value}"'
    value = element.value
    if re.fullmatch(_SHELL_SAFE, value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"
