"""MC132: gunicorn is told to write its access or error log to a file."""
from __future__ import annotations

import posixpath
from collections.abc import Callable
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.lazyregex import lazy_compile
from modcon.model import Applicability
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.named_tuple import NamedTuple
from modcon.properties import Property
from modcon.readers.dockerfile.stages import commands
from modcon.readers.dockerfile.syntax import Instruction
from modcon.registry import rule

# gunicorn's log-file options and the stream `-` means for each
# (https://docs.gunicorn.org/en/stable/settings.html#logging).
FLAGS = {'--access-logfile': 'stdout', '--error-logfile': 'stderr', '--log-file': 'stderr'}
_ENV_NAME = lazy_compile(r'(?:^|\s)GUNICORN_CMD_ARGS(=|[ \t]+)')
_ENV_FLAG = lazy_compile(r'(--access-logfile|--error-logfile|--log-file)(=|[ \t]+)([^\s"\'\\]+)')


class _Flag(NamedTuple):
    flag: str
    value: str | None  # None: computed by the shell
    start: int  # the range to replace (the value, or the whole `--flag=value` word)
    end: int
    replacement: str = '-'

    def moved(self, start: int, end: int) -> _Flag:
        return self._replace(start=start, end=end)


@rule(
    code='MC132',
    name='gunicorn-log-file',
    kind=Kind.DOCKERFILE,
    property=Property.STANDARD_STREAMS,
    severity=Severity.WARNING,
    aliases=(),
)
def gunicorn_log_file(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds gunicorn started with `--access-logfile`, `--error-logfile` or
    `--log-file` pointing at a file (in `CMD`, `ENTRYPOINT` or
    `GUNICORN_CMD_ARGS`), and replaces the file with `-`, gunicorn's name for
    its standard streams.

    ## Why is this bad?
    The container's logs are its stdout and stderr: `docker logs`,
    Kubernetes and log shippers see nothing else. A request log written to a
    file inside the container is invisible to them, grows until the disk
    fills, and disappears with the container.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD ["gunicorn", "--access-logfile", "/var/log/gunicorn/access.log", "app:app"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    CMD ["gunicorn", "--access-logfile", "-", "app:app"]
    ```

    ## Fix safety
    Safe: gunicorn writes the same lines, the access log to stdout and the
    error log to stderr (`-` is gunicorn's documented value for that), and
    no symlink or permission is involved, so it works for any user and with
    a TTY. Unsafe when something in the command reads the file (`tail`),
    since it stops receiving lines. A path that the shell computes (`$LOG`)
    is reported without a fix, and so is a file when `-` would not reach
    the container: gunicorn runs as a daemon (`--daemon` without `-R`, which
    points its streams at /dev/null), or the command's shell redirects the
    stream to a file (`>> /var/log/out.log`). A `gunicorn.conf.py` that sets `accesslog`
    to a file is MC131's, which links the file.
    """
    stages = document.stages
    if stages.is_windows(stages.final):
        return
    if 'gunicorn' not in document.source.text or not any(f in document.source.text
                                                         for f in FLAGS):
        return
    found: list[tuple[Instruction, _Flag]] = []
    for command in commands(stages, ('CMD', 'ENTRYPOINT')):
        if command.onbuild or not stages.reaches_final_image(command.stage, command.name):
            continue
        prefix: tuple[str, ...] = ()
        if command.name == 'CMD':
            entrypoint = stages.entrypoint(command.stage).instruction
            if entrypoint is not None and entrypoint.args.json:
                prefix = entrypoint.args.json  # `ENTRYPOINT ["gunicorn"]` + CMD flags
        found.extend((command.outer, f) for f in _flags(command.instruction, prefix))
    from modcon.fixers.dockerfile._log_targets import gunicorn_argv

    if gunicorn_argv(document) is not None:
        found.extend(_env_flags(document))
    if not found:
        return
    from modcon.fixers.dockerfile._log_configs import is_stream  # a flag to judge

    tails = _tail_reads(' '.join(document.resolution.argv))
    from modcon.fixers.dockerfile._log_image import image_logs  # where gunicorn's streams go

    redirected = image_logs(document).redirected(('gunicorn',))
    daemon = _daemonized(document)
    for ins, flag in found:
        stream = FLAGS[flag.flag]
        if flag.value is not None and flag.value != '-' and not is_stream(flag.value):
            elsewhere = ''
            if daemon:
                elsewhere = (f'gunicorn runs as a daemon (`{daemon}`), whose {stream} is '
                             f'/dev/null, so `-` would lose the lines')
            elif stream in redirected:
                sent = redirected[stream]
                elsewhere = (f'the command sends gunicorn\'s {stream} to '
                             f'{sent if sent.startswith("a ") else f"`{sent}`"}, so `-` would '
                             f'write there; remove that redirection first')
            if elsewhere:
                yield Hit(ins.start, ins.end,
                          f'gunicorn writes its {"access" if "access" in flag.flag else "error"} '
                          f'log to `{flag.value}` inside the container, where `docker logs` '
                          f'and log shippers never see it; no automatic fix: {elsewhere}')
                continue
        if flag.value is None:
            yield Hit(ins.start, ins.end,
                      f'gunicorn\'s `{flag.flag}` names a file computed at run time; log to '
                      f'{stream} with `{flag.flag} -` so `docker logs` sees it; no automatic '
                      f'fix')
            continue
        if flag.value == '-' or is_stream(flag.value):
            continue
        message = (f'gunicorn writes its {"access" if "access" in flag.flag else "error"} log '
                   f'to `{flag.value}` inside the container, where `docker logs` and log '
                   f'shippers never see it: `{flag.flag} -` sends it to {stream}')
        title = f'Log to {stream}: `{flag.flag} -`'
        applicability = Applicability.SAFE
        if tails(flag.value):
            applicability = Applicability.UNSAFE
            title += ' (unsafe: `tail` reads the file)'
        fix = Fix.make(title, (Edit(flag.start, flag.end, flag.replacement),), applicability)
        yield Hit(ins.start, ins.end, message, fix)


_TAIL = lazy_compile(r'\btail\b')


def _tail_reads(text: str) -> Callable[[str], bool]:
    """Whether a `tail` in ``text`` reads a path: the path follows it with no `;`,
    `&` or `|` between (``tail -f /var/log/app.log``). Each `tail` is found once, not
    once per flag: a command can carry thousands."""
    after = [m.end() for m in _TAIL.finditer(text)]

    def reads(path: str) -> bool:
        for start in after:
            found = text.find(path, start)
            if found != -1 and not any(c in text[start:found] for c in ';&|'):
                return True
        return False
    return reads


def _flags(ins: Instruction, prefix: tuple[str, ...] = ()) -> list[_Flag]:
    args = ins.args
    if not args.text or ('gunicorn' not in args.text and 'gunicorn' not in prefix):
        return []

    def place(start: int, end: int) -> tuple[int, int]:
        """A range of the logical line as a range of the file."""
        return (ins.source_offset(args.offset + start),
                ins.source_offset(args.offset + end - 1) + 1)

    if args.json is not None:
        from modcon.readers.dockerfile import jsonish  # exec form that runs gunicorn

        reading = jsonish.read(args.text)
        if reading is None or any(e.kind != 'json' for e in reading.elements):
            return []
        values = [e.value for e in reading.elements]
        # ["sh", "-c", "gunicorn ..."]: the script is one element; edit inside it
        # only when its JSON text is the value itself (no escapes to shift offsets).
        if len(values) >= 3 and posixpath.basename(values[0]) in ('sh', 'bash', 'ash', 'dash') \
                and values[1] == '-c':
            element = reading.elements[2]
            raw = args.text[element.start + 1:element.end - 1]
            if raw != element.value:
                return []
            at = element.start + 1
            return [f.moved(*place(at + f.start, at + f.end)) for f in _script_flags(element.value)
                    if f.replacement == '-' or f.value is None]
        if not _runs_gunicorn([*prefix, *values]):
            return []
        out = []
        for i, element in enumerate(reading.elements):
            value = element.value
            for flag in FLAGS:
                if value == flag and i + 1 < len(reading.elements):
                    target = reading.elements[i + 1]
                    start, end = place(target.start, target.end)
                    # the whole JSON string "…" is replaced by "-"
                    out.append(_Flag(flag, target.value, start + 1, end - 1))
                elif value.startswith(flag + '='):
                    start, end = place(element.start, element.end)
                    out.append(_Flag(flag, value.split('=', 1)[1],
                                     start + 1 + len(flag) + 1, end - 1))
        return [f for f in out if _plain_json(f)]
    return [f.moved(*place(f.start, f.end)) for f in _script_flags(args.text)]


def _plain_json(flag: _Flag) -> bool:
    """The value's JSON text is the value itself, so `-` can replace it in place."""
    return flag.value is not None and flag.end - flag.start == len(flag.value)


def _runs_gunicorn(words: list[str]) -> bool:
    return any(posixpath.basename(w) == 'gunicorn' for w in words) or \
        any(a == '-m' and b == 'gunicorn' for a, b in zip(words, words[1:]))


def _script_flags(script: str) -> list[_Flag]:
    """Log-file flags of gunicorn commands in a shell script (offsets into it)."""
    from modcon.readers.shell.simple_commands import read_commands

    out = []
    for command in read_commands(script).commands:
        words = command.words
        values = [w.value or '' for w in words]
        if not _runs_gunicorn(values):
            continue
        for i, word in enumerate(words):
            for flag in FLAGS:
                if word.value == flag and i + 1 < len(words):
                    target = words[i + 1]  # quotes and all: `-` replaces the whole word
                    out.append(_Flag(flag, target.value, target.start, target.end))
                elif word.value is not None and word.value.startswith(flag + '='):
                    out.append(_Flag(flag, word.value.split('=', 1)[1], word.start, word.end,
                                     f'{flag}=-'))
    return out


def _daemonized(document: DockerfileDocument) -> str:
    """gunicorn's `-D`/`--daemon` flag when the command (or GUNICORN_CMD_ARGS) gives it:
    the daemon points its stdout and stderr at /dev/null (gunicorn.util.daemonize),
    unless `-R`/`--enable-stdio-inheritance` keeps them."""
    from modcon.fixers.dockerfile._log_targets import gunicorn_argv

    words = list(gunicorn_argv(document) or ())
    words.extend(document.resolution.env.get('GUNICORN_CMD_ARGS', '').split())
    if any(w in ('-R', '--enable-stdio-inheritance') for w in words):
        return ''  # the daemon keeps the streams it was given
    return next((w for w in words if w in ('-D', '--daemon')), '')


def _env_value(text: str) -> tuple[int, int] | None:
    """Where the value of GUNICORN_CMD_ARGS lies in an ENV's arguments: `NAME="..."`,
    `NAME=word`, or the legacy `ENV NAME rest of the line`."""
    match = _ENV_NAME.search(text)
    if match is None:
        return None
    start = match.end()
    if match[1] != '=':
        return start, len(text)  # `ENV GUNICORN_CMD_ARGS --workers 2 ...`: all the rest
    if text.startswith(('"', "'"), start):
        quote = text[start]
        end = start + 1
        while end < len(text) and text[end] != quote:
            end += 2 if text[end] == '\\' and quote == '"' else 1
        return start + 1, min(end, len(text))
    end = start
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _env_flags(document: DockerfileDocument) -> list[tuple[Instruction, _Flag]]:
    """Flags inside `ENV GUNICORN_CMD_ARGS=...` of the final image's stages (and
    only there: another variable of the same ENV is not gunicorn's)."""
    out = []
    for stage in reversed(document.stages.final_lineage):
        for ins in stage.instructions:
            if ins.name != 'ENV' or 'GUNICORN_CMD_ARGS' not in ins.args.text:
                continue
            span = _env_value(ins.args.text)
            if span is None:
                continue
            for match in _ENV_FLAG.finditer(ins.args.text, *span):
                start = ins.source_offset(ins.args.offset + match.start(3))
                end = ins.source_offset(ins.args.offset + match.end(3) - 1) + 1
                out.append((ins, _Flag(match[1], match[3], start, end)))
    return out
