"""What a shell command string does, as far as exec form is concerned.

``analyze(text)`` answers three questions about a ``sh -c`` string:

* is it one program with literal arguments, so the shell can go
  (``python app.py --port 8000`` -> ``["python", "app.py", "--port", "8000"]``)?
* if the shell must stay (expansions, ``&&`` lists, redirections), where does
  ``exec`` go so the final program replaces the shell and becomes PID 1?
* if neither is safe (pipelines, ``||`` fallbacks, background jobs, traps,
  compound commands, builtins), why not?

The structure comes from tree-sitter's bash grammar. Word values are computed
here with POSIX quote-removal rules, and only for words whose meaning is the
same in dash, busybox ash and bash; anything else counts as "not literal".
Tests run every conversion through a real ``/bin/sh`` to prove it.
"""
from __future__ import annotations

import functools

from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple
from modcon.readers.shell.grammar import bash_parser
from modcon.readers.shell.words import double_quoted
from modcon.readers.shell.words import literal_value
from modcon.readers.treesitter_text import TreeSitterText

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tree_sitter import Node

# Names that a shell runs itself, or treats specially, in dash, ash or bash.
# ``exec NAME`` would run a different program (``/bin/echo`` for ``echo``) or
# fail (``cd``), and a literal argv would lose the builtin's behaviour.
BUILTINS = frozenset((
    '.', ':', '[', 'alias', 'bg', 'bind', 'break', 'builtin', 'caller', 'cd', 'command',
    'compgen', 'complete', 'compopt', 'continue', 'coproc', 'declare', 'dirs', 'disown',
    'echo', 'enable', 'eval', 'exit', 'export', 'false', 'fc', 'fg', 'getopts', 'hash',
    'help', 'history', 'jobs', 'kill', 'let', 'local', 'logout', 'mapfile', 'popd',
    'printf', 'pushd', 'pwd', 'read', 'readarray', 'readonly', 'return', 'set', 'shift',
    'shopt', 'source', 'suspend', 'test', 'time', 'times', 'trap', 'true', 'type',
    'typeset', 'ulimit', 'umask', 'unalias', 'unset', 'wait',
))
RESERVED = frozenset((
    '!', '{', '}', '[[', ']]', 'case', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for',
    'function', 'if', 'in', 'select', 'then', 'until', 'while', 'time', 'coproc',
))
# Syntax that bash has and POSIX sh (dash, busybox ash) does not.
_BASH_ONLY_NODES = {
    'ansi_c_string': "$'...' quoting",
    'translated_string': '$"..." quoting',
    'process_substitution': 'process substitution',
    'herestring_redirect': 'a here-string (<<<)',
    'c_style_for_statement': 'a C-style for loop',
    'array': 'an array',
    'brace_expression': 'brace expansion',
}
_BASH_ONLY_TOKENS = {'[[': '[[ ... ]]', '&>': '&> redirection', '&>>': '&>> redirection',
                     '|&': '|& pipes'}
_COMPOUND = {
    'subshell': 'a subshell ( ... )',
    'compound_statement': 'a command group { ... }',
    'if_statement': 'an if statement',
    'while_statement': 'a loop',
    'for_statement': 'a loop',
    'c_style_for_statement': 'a loop',
    'case_statement': 'a case statement',
    'function_definition': 'a function definition',
    'test_command': 'a test [[ ... ]]',
    'negated_command': 'a negated command (!)',
    'declaration_command': 'a builtin (export, local, ...)',
    'unset_command': 'a builtin (unset)',
    'variable_assignment': 'a variable assignment',
    'variable_assignments': 'a variable assignment',
}
# A word that is literal in every POSIX shell: unquoted characters that mean
# nothing special (shell syntax is ASCII; other characters are ordinary),
# backslash escapes, single quotes, and double quotes without `$`, backquotes
# or backslashes other than the four escapes POSIX defines.
# A command made only of such words is proven literal without a parser; its
# value is what POSIX quote removal gives (``_decode``).
_WORD = r'''(?:[A-Za-z0-9_./:@%+,=-]|[^\x00-\x7f]|\\[^\n]|'[^']*'|"(?:[^"\\$`]|\\[\\"$`])*")+'''
_WORD_RE = lazy_compile(_WORD)
_LITERAL_WORDS = lazy_compile(rf'{_WORD}(?:[ \t]+{_WORD})*')
_SEGMENT = lazy_compile(r'''\\(.)|'([^']*)'|"((?:[^"\\]|\\.)*)"|([^\\'"]+)''')


class Analysis(NamedTuple):
    """The answer for one command string; offsets index ``text``.

    Exactly one of these holds: ``argv`` is set (the shell can go),
    ``exec_at`` is set or ``already_execs`` is true (the shell stays and the
    final program replaces it), or ``problem`` says why neither is safe.
    """

    text: str
    argv: tuple[str, ...] | None = None
    exec_at: int | None = None
    already_execs: bool = False
    problem: str | None = None
    advice: str | None = None
    comment: tuple[int, int] | None = None  # a trailing shell comment, blanks included
    program: str | None = None  # the final command's name, when literal
    final_args: tuple[str | None, ...] = ()  # its arguments (None: not literal)
    builtin: bool = False  # the (final) command is a shell builtin
    spans: tuple[tuple[int, int], ...] = ()  # where each word of ``argv`` is in ``text``
    shown: str | None = None  # the final command's name as written, for messages

    @property
    def name(self) -> str | None:
        """The final program's name for messages: literal value, else as written."""
        return self.program if self.program is not None else self.shown

    @property
    def fixable(self) -> bool:
        return self.problem is None

    @property
    def script(self) -> str:
        """The command with the trailing comment removed."""
        if self.comment is None:
            return self.text
        return self.text[:self.comment[0]]


_WRAPPER_ADVICE = (
    'move the commands into an entrypoint script that ends with `exec "$@"`, '
    'or run them under an init that forwards signals: `ENTRYPOINT ["tini", "-g", "--"]`'
)


@functools.lru_cache(maxsize=256)
def analyze(text: str, *, posix: bool = True) -> Analysis:
    """Analyse ``text`` as ``sh -c`` (``posix``) or ``bash -c`` would run it.

    Several rules ask about the same command; the answer is immutable and cached.
    """
    stripped = text.strip(' \t')
    if text.startswith(('-', '+')):
        # `sh -c '-x ...'`: the shell takes the command for its own options.
        return Analysis(text, problem=f'the shell reads a command that starts with `{text[0]}` '
                                     'as its own options, so it never runs')
    if _LITERAL_WORDS.fullmatch(stripped) and (posix or not stripped.startswith('%')):
        spans = tuple(m.span() for m in _WORD_RE.finditer(text))
        first = text[spans[0][0]:spans[0][1]]
        if '=' not in first and first not in RESERVED:  # not an assignment or keyword
            words = tuple(_decode(text[a:b]) for a, b in spans)
            return _literal_result(text, words, spans)
    return _TreeAnalysis(text, posix).run()


def literal_words(text: str) -> tuple[str, ...] | None:
    """The words of ``text`` when it is one command of literal words, proven without
    a parser (``python app.py --port 8000``); None when the grammar must read it."""
    if not _LITERAL_WORDS.fullmatch(text.strip(' \t')):
        return None
    words = tuple(_decode(m.group()) for m in _WORD_RE.finditer(text))
    if '=' in words[0] or words[0] in RESERVED:  # an assignment or a keyword
        return None
    return words


def _decode(raw: str) -> str:
    """POSIX quote removal for a word that ``_WORD_RE`` accepted."""
    out = []
    for match in _SEGMENT.finditer(raw):
        escaped, single, double, plain = match.groups()
        if escaped is not None:
            out.append(escaped)
        elif single is not None:
            out.append(single)
        elif double is not None:
            value = double_quoted(double)
            assert value is not None, raw  # _WORD_RE admits no expansion
            out.append(value)
        else:
            out.append(plain)
    return ''.join(out)


def _literal_result(text: str, words: tuple[str, ...], spans: tuple[tuple[int, int], ...],
                    comment: tuple[int, int] | None = None) -> Analysis:
    if words[0] == 'exec':
        rest = words[1:]
        if not rest:
            return Analysis(text, problem='`exec` without a program', comment=comment)
        if rest[0].startswith('-'):
            return Analysis(text, problem='`exec` with options is not portable', comment=comment)
        return Analysis(text, argv=rest, comment=comment, program=rest[0],
                        final_args=rest[1:], already_execs=True, spans=spans[1:])
    if words[0] in BUILTINS:
        return Analysis(
            text,
            problem=f'`{words[0]}` is a shell builtin; without the shell, '
                    f'a different `{words[0]}` (or none) would run',
            comment=comment, program=words[0], final_args=words[1:], builtin=True,
        )
    return Analysis(text, argv=words, comment=comment, program=words[0],
                    final_args=words[1:], spans=spans)


class _TreeAnalysis:
    """One analysis with tree-sitter; byte offsets are mapped back to characters."""

    def __init__(self, text: str, posix: bool) -> None:
        self.text = text
        self.posix = posix
        self.source = TreeSitterText(text)
        self.comment: tuple[int, int] | None = None

    def fail(self, problem: str, advice: str | None = _WRAPPER_ADVICE, **kw: object) -> Analysis:
        return Analysis(self.text, problem=problem, advice=advice, comment=self.comment, **kw)  # type: ignore[arg-type]

    def run(self) -> Analysis:
        tree = bash_parser().parse(self.source.data)
        root = tree.root_node
        self.comment = None
        statements = []
        for child in root.children:
            if child.type == 'comment':
                start = self.source.char(child.start_byte)
                while start > 0 and self.text[start - 1] in ' \t':
                    start -= 1
                self.comment = (start, len(self.text))
            elif child.type != ';':
                statements.append(child)
        if root.has_error:
            return self.fail('it cannot be parsed as a shell command', advice=None)
        if not self._fully_covered(root):
            # tree-sitter-bash drops some input silently (an escaped blank at the
            # start of a word, for one); never build on a reading that lost text.
            return self.fail('the shell grammar cannot read it reliably', advice=None)
        if not statements:
            return self.fail('it is empty or only a comment', advice=None)

        functions: set[str] = set()
        for node in _walk(root):
            kind = node.type
            if kind == '&':
                return self.fail('it starts a background job (`&`)')
            if self.posix and kind in _BASH_ONLY_NODES:
                return self.fail(f'it uses bash syntax ({_BASH_ONLY_NODES[kind]}) '
                                 'but runs under a POSIX sh', advice=None)
            if self.posix and kind in _BASH_ONLY_TOKENS:
                return self.fail(f'it uses bash syntax ({_BASH_ONLY_TOKENS[kind]}) '
                                 'but runs under a POSIX sh', advice=None)
            if kind == 'heredoc_redirect':
                return self.fail('it uses a here-document', advice=None)
            if kind == 'function_definition':
                defined = node.child_by_field_name('name')
                if defined is not None:
                    functions.add(self.source.raw(defined))
            if kind == 'command' and self._name(node) == 'trap':
                return self.fail('it traps signals with `trap`; `exec` would discard the trap',
                                 advice='keep it in a script: the shell must stay to run the trap')
            if kind == 'command' and self._misread(node):
                return self.fail('it cannot be parsed as a shell command', advice=None)
            if kind == 'command' and not self.posix and \
                    (self._name(node) or '').startswith('%'):
                return self.fail('bash reads a command that starts with `%` as a job to '
                                 'resume (`fg`), not as a program', advice=None)
            if kind == 'comment' and self._glued(node):
                # `<&-# x`: `#` inside a word is no comment to the shell (dash
                # rejects `-#` as a file descriptor); tree-sitter reads one.
                return self.fail('the shell grammar cannot read it reliably', advice=None)

        if len(statements) == 1 and statements[0].type == 'command':
            literal = self._literal_command(statements[0])
            if literal is not None:
                spans = tuple(self.source.span(c) for c in statements[0].children)
                return _literal_result(self.text, literal, spans, self.comment)

        final, problem = self._final_command(statements[-1])
        if final is None:
            return self.fail(problem or 'its last command cannot be found')
        name_node = final.child_by_field_name('name')
        if name_node is None:
            return self.fail('it ends in a variable assignment or a redirection, not a program')
        name = self._literal_word(name_node)
        args = tuple(self._literal_word(a) for a in final.children_by_field_name('argument'))
        shown = name if name is not None else self.source.raw(name_node)
        if name in functions:
            return self.fail(f'it ends by calling the shell function `{name}`',
                             program=name, final_args=args)
        if name == 'exec':
            if not args:
                return self.fail('it ends in `exec` without a program')
            return Analysis(self.text, already_execs=True, comment=self.comment,
                            program=args[0], final_args=args[1:])
        if name in BUILTINS or name in RESERVED:
            return self.fail(f'it ends in the shell builtin `{name}`', program=name,
                             final_args=args, builtin=True)
        if shown.startswith('-'):
            return self.fail(f'`exec {shown}` would read the program name as an option of '
                             '`exec`', shown=shown)
        if name is None and args and args[0] == '':
            # `$EMPTY ''`: the shell runs the program '' (127, not found); `exec ''` gives 126.
            return self.fail('its program name may expand to nothing, leaving an empty word as '
                             'the program: `exec` would exit with another status', shown=shown)
        if name is None and any(n.type == 'command_substitution' for n in _walk(final)):
            # `` `9` `` runs nothing when its output is empty and exits with the
            # substitution's status (127); `exec` with no words exits 0.
            return self.fail('its program name comes from a command substitution: when that '
                             'is empty, the shell exits with its status, `exec` with 0',
                             shown=shown)
        return Analysis(self.text, exec_at=self.source.char(name_node.start_byte),
                        comment=self.comment, program=name, final_args=args, shown=shown)

    def _fully_covered(self, root: Node) -> bool:
        """Every byte that is not a blank belongs to some token of the tree."""
        covered = bytearray(len(self.source.data))
        for node in _walk(root):
            if not node.children:
                covered[node.start_byte:node.end_byte] = b'\1' * (
                    node.end_byte - node.start_byte)
        return all(flag or byte in b' \t' for flag, byte in zip(covered, self.source.data))

    def _misread(self, command: Node) -> bool:
        """A command named by an unquoted reserved word (`prog a; }`): the shell
        rejects it as a syntax error; tree-sitter reads a command."""
        name = command.child_by_field_name('name')
        return name is not None and self.source.raw(name) in RESERVED - {'!'}

    def _glued(self, comment: Node) -> bool:
        """Whether a comment starts inside a word (no blank before its `#`)."""
        start = self.source.char(comment.start_byte)
        return start > 0 and self.text[start - 1] not in ' \t\n'

    def _name(self, command: Node) -> str | None:
        name = command.child_by_field_name('name')
        return None if name is None else self._literal_word(name)

    def _final_command(self, node: Node) -> tuple[Node | None, str | None]:
        kind = node.type
        if kind == 'command':
            return node, None
        if kind == 'redirected_statement':
            # tree-sitter-bash hangs the redirections of `a && b > log` on the
            # whole list, but they belong to `b` alone; either way `b` is last.
            body = node.child_by_field_name('body')
            if body is None:
                return None, 'it is only a redirection'
            return self._final_command(body)
        if kind == 'list':
            operator = node.children[-2].type
            if operator == '||':
                return None, ('it ends in an `||` fallback, which would never run '
                              'once the shell is replaced')
            return self._final_command(node.children[-1])
        if kind == 'pipeline':
            return None, 'it ends in a pipeline; `exec` cannot replace the shell there'
        description = _COMPOUND.get(kind, f'a {kind.replace("_", " ")}')
        return None, f'it ends in {description}'

    def _literal_command(self, command: Node) -> tuple[str, ...] | None:
        words: list[str] = []
        for child in command.children:
            if child.type == 'command_name':
                value = self._literal_word(child)
            elif child.type in ('word', 'number', 'raw_string', 'string', 'concatenation'):
                value = self._literal_word(child)
            else:  # assignments, redirections, expansions
                return None
            if value is None:
                return None
            words.append(value)
        return tuple(words) if words else None

    def _literal_word(self, node: Node) -> str | None:
        return literal_value(node, self.source)


def _walk(node: Node) -> list[Node]:
    out = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(current.children)
    return out
