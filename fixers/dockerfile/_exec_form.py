"""Rewrite an instruction's command into exec (JSON) form, as edits on the text.

Two shapes come out:

* ``argv``: the shell is dropped, ``CMD python app.py`` -> ``CMD ["python", "app.py"]``;
* ``script``: the shell stays and the final program replaces it,
  ``CMD cd /app && python app.py`` -> ``CMD ["/bin/sh", "-c", "cd /app && exec python app.py"]``.

The author's layout is kept where it can be: line continuations, indentation
and comment lines inside the instruction stay where they were. A trailing
shell comment (``CMD app # note``) cannot live inside JSON, so it moves to a
comment line above. Every rewrite is parsed again before it is offered; if the
result is not the intended exec form, the plainer one-line layout is tried,
and if that fails too, no fix is offered at all.
"""
from __future__ import annotations

import posixpath
from collections.abc import Sequence

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.lazyregex import lazy_compile
from modcon.model import Edit
from modcon.model import Severity
from modcon.readers.dockerfile.syntax import DockerfileSyntaxError
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.dockerfile.syntax import parse
from modcon.readers.shell.options import CHILD_KEEPING_SHELLS
from modcon.readers.shell.options import is_script_option

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.readers.shell.shell_form import Analysis

# Shell options that make the shell read start-up files (``/etc/profile``,
# ``~/.bashrc``, ``$ENV``) before it runs the command: login and interactive.
_STARTUP_LONG_OPTIONS = frozenset(('--login', '--interactive'))


def startup_files(shell: Sequence[str], document: DockerfileDocument) -> str | None:
    """Why ``shell`` reads start-up files before its command, or None when it does not.

    Such a shell sets up the environment (conda, nvm, rvm put their ``PATH`` in
    ``/etc/profile`` or ``~/.bashrc``): dropping it would start another program,
    or the same one with another environment; with ``exec`` the files still run.
    """
    program = shell[0].replace('\\', '/').rsplit('/', 1)[-1].lower() if shell else ''
    if program == 'zsh':
        return '`zsh` always reads `.zshenv`'
    for word in shell[1:]:
        if word in _STARTUP_LONG_OPTIONS:
            return f'`{word}` makes the shell read its start-up files'
        if word.startswith('-') and not word.startswith('--') and \
                ('l' in word or 'i' in word):
            return f'`{word}` makes the shell read its start-up files'
    if program == 'bash' and any(
            ins.name == 'ENV' and 'BASH_ENV' in ins.args.text for ins in document.instructions):
        return '`bash` reads the file `BASH_ENV` names'
    return None


def child_keeping_shell(analysis: Analysis) -> str | None:
    """The shell, when a command's final program is `sh -c` (also dash, ash): it keeps
    its script's last command as a child, so `exec sh -c ...` still leaves a shell in
    front of the program. None for any other program."""
    program = posixpath.basename(analysis.program or '')
    return program if program in CHILD_KEEPING_SHELLS and any(
        is_script_option(a) for a in analysis.final_args[:2]) else None


def term_trap(script: str) -> str | None:
    """The ``trap`` command of a shell script that traps SIGTERM (or may), else None.
    Its shell handles the signal then, even as PID 1, and `exec` would discard the
    trap; the program gets SIGTERM only if the trap passes it on (``kill``)."""
    from modcon.readers.shell.script import analyze_script

    ending = analyze_script(script)
    if ending.status != 'trap' or not ending.term_trapped:
        return None
    return script[ending.start:ending.end]


# `trap` as a word of the script anywhere: the grammar sees a `trap` command only at a
# command's head, not one run through `eval` (`eval "trap 'rm -f /tmp/lock' EXIT"`).
_TRAP_WORD = lazy_compile(r'(?<![\w./-])trap(?![\w.-])')


def may_trap(script: str) -> bool:
    """Whether ``script`` may set a trap that no ``trap`` command of it shows (through
    ``eval``): ``exec`` would discard it, as dash, bash and busybox do. Doubt: not fixed."""
    return _TRAP_WORD.search(script) is not None


def trap_message(trap: str, where: str) -> tuple[str, Severity | None]:
    """What to say of a script (``where``: its subject) that traps SIGTERM with ``trap``."""
    if 'kill' in trap:
        return (f'{where} traps SIGTERM itself and passes it on (`{trap}`), so the shell stays '
                f'between the signal and the program; no automatic fix: `exec` would discard '
                f'the trap. Make sure the handler waits for the program', Severity.INFO)
    return (f'{where} traps SIGTERM (`{trap}`) without passing it on: a POSIX shell runs '
            f'the trap only once the program it waits for has ended, so the program never '
            f'gets the signal; no automatic fix: `exec` would discard the trap. Have the trap '
            f'`kill -TERM` the program started in the background and `wait` for it', None)


def json_string(value: str) -> str:
    """``value`` as a JSON string, non-ASCII kept readable (JSON and BuildKit accept it)."""
    if '"' not in value and '\\' not in value and (not value or min(value) >= ' '):
        return f'"{value}"'  # what json.dumps writes, without loading json
    import json

    return json.dumps(value, ensure_ascii=False)


def json_array(values: Sequence[str]) -> str:
    return '[' + ', '.join(json_string(v) for v in values) + ']'


class Rewrite:
    """Plans the edits that put ``instruction``'s command into exec form.

    ``instruction`` is the one carrying the arguments (ONBUILD's
    sub-instruction for ``ONBUILD CMD``); ``outer`` is the line's instruction.
    """

    def __init__(self, document: DockerfileDocument, outer: Instruction,
                 instruction: Instruction) -> None:
        self.document = document
        self.text = document.source.text
        self.outer = outer
        self.instruction = instruction
        args = instruction.args
        self.args_start = args.offset
        self.args_end = args.offset + len(args.text)
        self.src_start = instruction.source_offset(self.args_start)
        self.src_end = instruction.source_offset(self.args_end - 1) + 1

    # -- the two shapes -------------------------------------------------

    def argv(self, argv: Sequence[str], spans: Sequence[tuple[int, int]],
             comment: tuple[int, int] | None) -> list[Edit] | None:
        """Edits for a plain argv; ``spans`` index the command text."""
        expected = tuple(argv)
        moved = self._comment_lines(comment)
        layout = self._argv_layout(argv, spans)
        candidates = []
        if layout is not None:
            candidates.append((layout, moved))
        candidates.append((json_array(argv), moved + self._inner_comment_lines()))
        return self._first_valid(candidates, expected)

    def script(self, prefix: Sequence[str], script: str, exec_at: int | None,
               comment: tuple[int, int] | None) -> list[Edit] | None:
        """Edits that keep the shell: ``prefix + [script with exec]``."""
        body = script.rstrip(' \t')
        if exec_at is not None:
            new_script = body[:exec_at] + 'exec ' + body[exec_at:]
        else:
            new_script = body
        expected = (*prefix, new_script)
        moved = self._comment_lines(comment)
        candidates = []
        layout = self._script_layout(prefix, len(body), exec_at)
        if layout is not None:
            candidates.append((layout, moved))
        candidates.append((json_array(expected), moved + self._inner_comment_lines()))
        return self._first_valid(candidates, expected)

    # -- layouts --------------------------------------------------------

    def _argv_layout(self, argv: Sequence[str],
                     spans: Sequence[tuple[int, int]]) -> str | None:
        """Keep the line breaks between words; None when there are none to keep."""
        source = self.instruction.source_offset
        pieces = ['[']
        multiline = False
        previous_end = None
        for value, (start, end) in zip(argv, spans):
            word_start = source(self.args_start + start)
            word_end = source(self.args_start + end - 1) + 1
            if '\n' in self.text[word_start:word_end]:
                return None  # a word split across lines: use one line
            if previous_end is not None:
                gap = self.text[previous_end:word_start]
                if '\n' in gap:
                    multiline = True
                    pieces.append(',' + gap)
                else:
                    pieces.append(', ')
            pieces.append(json_string(value))
            previous_end = word_end
        pieces.append(']')
        return ''.join(pieces) if multiline else None

    def _script_layout(self, prefix: Sequence[str], length: int,
                       exec_at: int | None) -> str | None:
        """Keep the script's line breaks inside the JSON string."""
        segments = [
            seg for seg in self.instruction.segments
            if seg.joined + seg.length > self.args_start
            and seg.joined < self.args_start + length
        ]
        if len(segments) < 2:
            return None
        escape = self.document.syntax.escape
        stop = self.args_start + length
        exec_joined = None if exec_at is None else self.args_start + exec_at
        pieces = [json_array(prefix)[:-1] + (', "' if prefix else '"')]
        previous_end = None
        for seg in segments:
            lo = max(seg.joined, self.args_start)
            hi = min(seg.joined + seg.length, stop)
            src_lo = seg.source + (lo - seg.joined)
            src_hi = seg.source + (hi - seg.joined)
            if previous_end is not None:
                pieces.append(self.text[previous_end:src_lo])
            chunk = self.text[src_lo:src_hi]
            if exec_joined is not None and lo <= exec_joined < hi:
                cut = exec_joined - lo
                chunk = chunk[:cut] + 'exec ' + chunk[cut:]
            escaped = json_string(chunk)[1:-1]
            if seg is not segments[-1] and escaped.endswith(escape):
                return None  # the escaped text would swallow the continuation
            pieces.append(escaped)
            previous_end = src_hi
        pieces.append('"]')
        return ''.join(pieces)

    # -- comments -------------------------------------------------------

    def _indent(self) -> tuple[int, str]:
        line_start = self.text.rfind('\n', 0, self.outer.start) + 1
        return line_start, self.text[line_start:self.outer.start]

    def _comment_lines(self, comment: tuple[int, int] | None) -> list[str]:
        if comment is None:
            return []
        text = self.instruction.args.text[comment[0]:comment[1]].strip()
        return [text]

    def _inner_comment_lines(self) -> list[str]:
        return [
            '# ' + c.text if c.text else '#'
            for c in self.document.syntax.comments
            if self.src_start <= c.start < self.src_end
        ]

    # -- checking -------------------------------------------------------

    def comment_block(self, comments: list[str]) -> Edit:
        """An insertion of ``comments`` as lines above the instruction."""
        line_start, indent = self._indent()
        newline = self.document.source.newline_at(self.outer.start)
        return Edit.insert(line_start, ''.join(f'{indent}{c}{newline}' for c in comments))

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """File offsets of ``args.text[start:end]``."""
        source = self.instruction.source_offset
        return source(self.args_start + start), source(self.args_start + end - 1) + 1

    def _edits(self, replacement: str, comments: list[str]) -> list[Edit]:
        edits = [Edit(self.src_start, self.src_end, replacement)]
        if comments:
            edits.insert(0, self.comment_block(comments))
        return edits

    def _first_valid(self, candidates: list[tuple[str, list[str]]],
                     expected: tuple[str, ...]) -> list[Edit] | None:
        for replacement, comments in candidates:
            edits = self._edits(replacement, comments)
            if self.reparses_as(edits, expected):
                return edits
        return None

    def reparses_as(self, edits: list[Edit], expected: tuple[str, ...]) -> bool:
        """Whether the text with ``edits`` applied runs ``expected`` in exec form.

        The edits stay within the instruction's lines (and the comment lines
        inserted above it), and the rest of the file is untouched, so parsing
        those lines alone, under the file's escape character, is enough: a
        sentinel instruction after them shows that the rewrite still ends
        where it did (a trailing continuation would swallow it)."""
        region_start = min([self.text.rfind('\n', 0, self.outer.start) + 1]
                           + [edit.start for edit in edits])
        region_end = self.outer.end
        pieces = []
        cursor = region_start
        for edit in edits:
            pieces.append(self.text[cursor:edit.start])
            pieces.append(edit.content)
            cursor = edit.end
        pieces.append(self.text[cursor:region_end])
        region = ''.join(pieces)
        if not region.endswith('\n'):
            region += '\n'
        escape = self.document.syntax.escape
        try:
            new = parse(f'# escape={escape}\n{region}LABEL modcon.sentinel=1\n')
        except DockerfileSyntaxError:
            return False
        if len(new.instructions) != 2 or new.instructions[1].name != 'LABEL':
            return False
        rewritten = new.instructions[0].command
        return rewritten.name == self.instruction.name and rewritten.args.json == expected
