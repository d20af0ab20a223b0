"""How a whole shell script ends: does the program it runs last replace the shell?

An entrypoint script is PID 1 until it ``exec``s. ``analyze_script(text)``
reads the script with tree-sitter-bash and follows the paths by which it can
end, to answer one question: when the script reaches its end, is the program
still running a child of the shell (the shell stays PID 1 and swallows
SIGTERM), or has it replaced the shell?

**The final command.** The last statement of the script, at the top level,
is what runs last when execution gets there; earlier statements have finished
by then, or ended the script themselves (``exit``, ``exec``). From that
statement the reading goes to where the program is started:

* ``a && b`` ends in ``b`` (when ``a`` fails, the script ends with its status
  either way); ``a || b`` cannot get ``exec`` (the fallback would be lost);
* a redirected statement ends where its body ends (``b > log``);
* ``if``/``case``/``{ ...; }`` end in the last statement of each branch, and a
  call of a function defined in the script ends where the function body ends;
  these are followed to decide whether the script is already fine, but modcon
  never edits inside them;
* a command whose name is an alias the script defines (``alias n=node``)
  cannot get ``exec``: ``exec`` does not expand aliases (``exec n`` looks for
  a program called ``n``), while dash and busybox ash expand them in scripts;
* a bare ``exit`` or ``exit $?`` after the final command passes its status
  through, so the command before it is the final command (``"$@"; exit $?``
  gets ``exec "$@"; exit $?``, the ``exit`` is then unreachable and the status
  is the same).

**Already fine** (nothing to report): every path that reaches the end of the
script ends in ``exec PROGRAM ...``, in an ``exit`` with a status of its own
(``exit 1``: the script decides how it ends, typically after ``echo usage``;
a known blind spot is ``app; exit 0``), or runs nothing more (an ``if``
without ``else`` whose branch ``exec``s, an empty script). The same holds
inside branches and the bodies of functions called last, so
``if ! _is_sourced; then _main "$@"; fi`` with ``_main`` ending in
``exec "$@"`` is fine.

**Fixable**: the final command is a simple command that runs a program
(``"$@"``, ``gosu app "$@"``, ``python app.py``): ``exec `` goes before its
name, after any ``VAR=x`` prefixes and redirections.

**Report only** (``problem`` says why): a ``trap`` anywhere; a background job
(``&``) anywhere; a final pipeline, ``||`` fallback, compound command, shell
builtin, function, alias, ``wait`` or ``exec`` without a program; a final
command inside a branch or a function; and any script tree-sitter cannot read
reliably (syntax errors, or text the grammar silently drops).
"""
from __future__ import annotations

from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple
from modcon.readers.shell.grammar import bash_parser
from modcon.readers.shell.options import CHILD_KEEPING_SHELLS
from modcon.readers.shell.options import is_script_option
from modcon.readers.shell.shell_form import BUILTINS
from modcon.readers.shell.shell_form import RESERVED
from modcon.readers.shell.shell_form import analyze
from modcon.readers.shell.simple_commands import first_unread_byte
from modcon.readers.shell.simple_commands import misread_pipeline
from modcon.readers.shell.simple_commands import statements_of
from modcon.readers.shell.words import literal_value
from modcon.readers.treesitter_text import TreeSitterText
from modcon.readers.treesitter_text import preorder

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tree_sitter import Node

# `NAME=` at the start of an `alias` operand, before any quote or expansion:
# the alias's name is known even when its value is not (`alias n="$NODE"`).
_ALIAS_NAME = lazy_compile(r'[^\s\'"\\$`=]+(?==)')
# Interpreters whose grammar tree-sitter-bash reads and whose `exec` replaces
# the shell; a script with another shebang (python, node, fish) is not read.
BOURNE_SHELLS = frozenset(('sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh', 'busybox'))
_LOOPS = frozenset(('while_statement', 'for_statement', 'c_style_for_statement'))
# Builtins that scripts run between a program and `exit $rc`.
_BOOKKEEPING = frozenset(('echo', 'printf', ':', 'true', '[', 'test', 'export', 'local',
                          'readonly', 'unset', 'set'))
INIT_ADVICE = ('run it under an init that forwards signals to the whole process group '
               '(`tini -g --`, or `docker run --init`)')


class ScriptEnding(NamedTuple):
    """The answer for one script; offsets are character offsets into its text.

    ``status`` is one of:

    * ``'fine'``: nothing to report;
    * ``'fix'``: insert ``exec `` at ``exec_at`` (``unsafe`` says what may
      change, when something may);
    * ``'problem'``: the program runs as a child and no ``exec`` can be added
      safely; ``problem`` and ``advice`` say why and what to do;
    * ``'trap'``, ``'background'``: the script traps signals or starts
      background jobs, so the shell must stay (``term_trapped``: the trap
      names SIGTERM itself, or may);
    * ``'unreadable'``: tree-sitter cannot read the script reliably;
    * ``'not-shell'``: the shebang names another language.
    """

    status: str
    start: int = 0
    end: int = 0
    exec_at: int | None = None
    program: str | None = None  # the final program's name as written
    problem: str | None = None  # a verb phrase: 'ends in a pipeline (`a | b`)'
    advice: str | None = None
    unsafe: str | None = None
    term_trapped: bool = False


class _End(NamedTuple):
    """How one path through the script ends (offsets are bytes)."""

    fine: bool = False
    command: Node | None = None  # a simple command that runs a program as a child
    node: Node | None = None  # what a problem is about
    problem: str | None = None
    advice: str | None = None
    nested: bool = False  # ``command`` sits inside a branch or a function


_FINE = _End(fine=True)


def interpreter(text: str) -> str | None:
    """The program a ``#!`` line names (``env`` and its options skipped)."""
    if not text.startswith('#!'):
        return None
    words = text[2:].split('\n', 1)[0].split()
    if not words:
        return None
    name = words[0].rsplit('/', 1)[-1]
    if name == 'env':
        rest = [w for w in words[1:] if not w.startswith('-') and '=' not in w]
        name = rest[0].rsplit('/', 1)[-1] if rest else ''
    return name


def analyze_script(text: str) -> ScriptEnding:
    """Read ``text`` as a shell script and say how it ends (see the module doc)."""
    shell = interpreter(text)
    if shell is not None and shell not in BOURNE_SHELLS:
        return ScriptEnding('not-shell')
    return _Script(text).run()


class FinalCommand(NamedTuple):
    """The program a script (or a ``sh -c`` string) ends by running, to follow it.

    ``command`` is the simple command that runs last on the script's main
    path: its last top-level command, or the last one of a function it calls
    last, when that ends in ``exec``. ``cds`` are the top-level ``cd``
    commands before it, in order; ``assigned`` the variables the script sets
    anywhere (their values are the script's, not the image's).
    """

    command: Node
    source: TreeSitterText
    cds: tuple[Node, ...]
    assigned: frozenset[str]
    settings: tuple[Node, ...] = ()  # top-level `NAME=value` assignments before it, in order


def final_command(text: str) -> FinalCommand | str:
    """The command ``text`` ends by running, or why it cannot be told."""
    script = _Script(text)
    root = bash_parser().parse(script.source.data).root_node
    unreadable = script._unreadable(root)
    if unreadable is not None:
        return unreadable[1]
    assigned: set[str] = set()
    for node in preorder(root):
        if node.type == 'function_definition':
            script.define(node)
        elif node.type == 'command' and script.name(node) == 'alias':
            script.define_aliases(node)
        elif node.type == 'variable_assignment':
            name = node.child_by_field_name('name')
            if name is not None:
                assigned.add(script.source.raw(name))
        elif node.type == 'command' and script.changes_parameters(node):
            assigned.add('*')  # positional or named parameters change: trust none
    statements = statements_of(root.children)
    end = script.sequence(statements)
    if end.command is None or (end.nested and not end.fine):
        if end.fine:
            return 'it ends without running a program on every path (an `exit` or branches)'
        return f'it {end.problem}' if end.problem else 'its last command cannot be found'
    cds = tuple(node for statement, _ in statements
                for node in _top_commands(statement)
                if node.start_byte < end.command.start_byte and script.name(node) == 'cd')
    # `DAEMON=/usr/bin/distccd` at the top level, once: its value is known where
    # the final command runs; any other assignment makes the variable unknown.
    top = [node for node, _ in statements
           if node.type == 'variable_assignment' and node.end_byte <= end.command.start_byte]
    counts: dict[str, int] = {}
    for node in preorder(root):
        if node.type == 'variable_assignment':
            assigned_name = script.source.raw(node.child_by_field_name('name') or node)
            counts[assigned_name] = counts.get(assigned_name, 0) + 1
    settings = tuple(node for node in top
                     if counts.get(script.source.raw(node.child_by_field_name('name') or node))
                     == 1)
    return FinalCommand(end.command, script.source, cds, frozenset(assigned), settings)


def misread_heredoc(root: Node, data: bytes) -> int | None:
    """Where tree-sitter-bash ends a here-document that the shell does not end there.

    The shell ends one only at a line that is exactly its delimiter (after
    leading tabs, for ``<<-``); tree-sitter-bash also takes ``EOF `` or
    `` EOF``, and then reads the rest of the here-document as commands.
    """
    for node in preorder(root):
        if node.type != 'heredoc_redirect':
            continue
        kinds = {child.type: child for child in node.children}
        start, end = kinds.get('heredoc_start'), kinds.get('heredoc_end')
        if start is None or end is None:
            continue  # no end: the here-document runs to the end of the file
        delimiter = _unquoted(data[start.start_byte:start.end_byte])
        if data[start.end_byte:start.end_byte + 1] == b'\r':
            delimiter += b'\r'  # a CRLF file: the carriage return is part of the word
        line_start = data.rfind(b'\n', 0, end.start_byte) + 1
        line_end = data.find(b'\n', end.end_byte)
        line = data[line_start:len(data) if line_end == -1 else line_end]
        if '<<-' in kinds:
            line = line.lstrip(b'\t')
        if line != delimiter:
            return end.start_byte
    return None


def _unquoted(word: bytes) -> bytes:
    """A here-document's delimiter after quote removal (``'EOF'``, ``\\EOF``)."""
    out = bytearray()
    quote = 0
    escaped = False
    for byte in word:
        if escaped:
            out.append(byte)
            escaped = False
        elif byte == quote:
            quote = 0
        elif quote:
            out.append(byte)
        elif byte == ord('\\'):
            escaped = True
        elif byte in b'\'"':
            quote = byte
        else:
            out.append(byte)
    return bytes(out)


def _top_commands(node: Node) -> list[Node]:
    """The simple commands of a top-level statement that always run in order.

    Without recursion: ``a && b && c`` is a list inside a list, as deep as the
    chain is long."""
    found: list[Node] = []
    pending = [node]
    while pending:
        node = pending.pop()
        if node.type == 'command':
            found.append(node)
        elif node.type == 'redirected_statement':
            body = node.child_by_field_name('body')
            if body is not None:
                pending.append(body)
        elif node.type == 'list':
            pending.extend(reversed(node.children))
    return found


class _Script:
    def __init__(self, text: str) -> None:
        self.source = TreeSitterText(text)
        self.text = text
        self.functions: dict[str, Node] = {}
        self.aliases: dict[str, Node] = {}  # name -> the first `alias` command defining it
        self.unknown_alias: Node | None = None  # an `alias` whose name is not literal
        # `.`, `source` or `eval`: code modcon cannot see may define functions,
        # aliases or traps (its name, for messages; None when there is none).
        self.sources: str | None = None
        self._calling: list[str] = []
        # `exec sh -c '...'` ends the reading for MC301 (dash stays PID 1); a caller
        # that follows the final command (`final_command`) reads on into it.
        self.inner_shells = False

    # -- offsets and words ------------------------------------------------------

    def line(self, node: Node) -> int:
        return node.start_point[0] + 1

    def literal(self, node: Node | None) -> str | None:
        """The value of a word that expands to itself in every shell, else None."""
        return None if node is None else literal_value(node, self.source)

    def name(self, command: Node) -> str | None:
        return self.literal(command.child_by_field_name('name'))

    def shown(self, command: Node) -> str:
        """The command's name for messages: its value when literal, else as written."""
        node = command.child_by_field_name('name')
        if node is None:
            return ''
        value = self.literal(node)
        return value if value is not None else ' '.join(self.source.raw(node).split())

    def arguments(self, command: Node) -> list[Node]:
        return [a for a in command.children_by_field_name('argument') if a.type != 'comment']

    # -- the whole script -------------------------------------------------------

    def run(self) -> ScriptEnding:
        self.inner_shells = True
        root = bash_parser().parse(self.source.data).root_node
        unreadable = self._unreadable(root)
        if unreadable is not None:
            at, why = unreadable
            line_end = self.text.find('\n', at)
            line_end = len(self.text) if line_end == -1 else line_end
            if line_end > at and self.text[line_end - 1] == '\r':
                line_end -= 1
            return ScriptEnding('unreadable', at, line_end, problem=why)
        traps: list[Node] = []
        jobs: list[Node] = []
        for node in preorder(root):
            if node.type == 'function_definition':
                self.define(node)
            elif node.type == 'command':
                name = self.name(node)
                if name in ('.', 'source', 'eval') and self.sources is None:
                    self.sources = name
                elif name == 'alias':
                    self.define_aliases(node)
                elif name == 'trap' and self._sets_trap(node):
                    traps.append(node)
            elif node.type == '&' and node.parent is not None and not (
                    'expression' in node.parent.type or 'arithmetic' in node.parent.type):
                jobs.append(node)

        end = self.sequence(statements_of(root.children))
        if end.fine:
            return ScriptEnding('fine')
        if traps:
            trap = traps[0]
            return ScriptEnding('trap', *self.source.span(trap),
                                term_trapped=any(self._traps_term(t) for t in traps))
        if jobs:
            job = jobs[0].prev_sibling or jobs[0]
            return ScriptEnding('background', *self.source.span(job))
        if end.command is not None and not end.nested:
            return self._fix(end.command)
        assert end.node is not None and end.problem is not None
        return ScriptEnding('problem', *self.source.span(end.node), problem=end.problem,
                            advice=end.advice,
                            program=self.shown(end.node) or None
                            if end.node.type == 'command' else None)

    def define(self, function: Node) -> None:
        """Take in a function definition, to follow calls of it."""
        name = function.child_by_field_name('name')
        if name is not None:
            self.functions[self.source.raw(name)] = function

    def define_aliases(self, command: Node) -> None:
        """Take in ``alias a=b c='d e'``, to refuse ``exec`` before an alias.

        Anywhere in the script, run or not: an alias set in a branch or a
        function may be in effect when the last command is read."""
        for word in self.arguments(command):
            value = self.literal(word)
            if value is not None:
                name, equals, _ = value.partition('=')
                if equals and name:
                    self.aliases.setdefault(name, command)
                continue
            match = _ALIAS_NAME.match(self.source.raw(word))
            if match is not None:
                self.aliases.setdefault(match[0], command)
            elif self.unknown_alias is None:  # `alias "$@"`, `alias $NAME=x`
                self.unknown_alias = command

    def _fix(self, command: Node) -> ScriptEnding:
        name_node = command.child_by_field_name('name')
        assert name_node is not None
        name = self.literal(name_node)
        shown = self.shown(command)
        unsafe = None
        unseen = {'.': 'a sourced script', 'source': 'a sourced script',
                  'eval': 'code the script `eval`s'}.get(self.sources or '')
        if name is None and (self.functions or unseen):
            unsafe = (f'if `{shown}` expands to the name of a shell function, '
                      f'`exec` cannot run it')
            if unseen:
                unsafe += f', and `exec` discards any `trap` set by {unseen}'
        elif name is not None and '/' not in name and unseen:
            unsafe = (f'if `{name}` is a function or an alias from {unseen}, '
                      f'`exec` cannot run it, and it discards any `trap` set there')
        elif unseen:
            unsafe = f'`exec` discards any `trap` set by {unseen}, EXIT traps included'
        elif name is not None and self.unknown_alias is not None:
            shown_alias = _short(self.source.raw(self.unknown_alias))
            unsafe = (f'if `{shown_alias}` on line {self.line(self.unknown_alias)} makes '
                      f'`{name}` an alias, `exec` cannot run it')
        return ScriptEnding('fix', *self.source.span(command),
                            exec_at=self.source.char(name_node.start_byte), program=shown,
                            unsafe=unsafe)

    def _unreadable(self, root: Node) -> tuple[int, str] | None:
        if root.has_error:
            for node in preorder(root):
                line = node.start_point[0] + 1
                if node.is_missing:
                    at_end = node.start_byte >= len(self.source.data.rstrip())
                    where = 'at the end of the file' if at_end else f'on line {line}'
                    return (self.source.char(node.start_byte),
                            f'tree-sitter-bash expects `{node.type}` {where}')
                if node.is_error:
                    return (self.source.char(node.start_byte),
                            f'tree-sitter-bash finds a syntax error on line {line}')
            return 0, 'tree-sitter-bash finds a syntax error'
        misread = misread_heredoc(root, self.source.data)
        if misread is not None:
            line = self.source.data.count(b'\n', 0, misread) + 1
            return (self.source.char(misread), f'tree-sitter-bash ends a here-document on line '
                                               f'{line}, which the shell reads as part of it')
        across = misread_pipeline(root, self.source.data)
        if across is not None:
            line = self.source.data.count(b'\n', 0, across) + 1
            return (self.source.char(across), f'tree-sitter-bash reads line {line + 1} into the '
                                              f'pipeline that ends line {line}')
        at = first_unread_byte(root, self.source.data)
        if at is None:
            return None
        line = self.source.data.count(b'\n', 0, at) + 1
        return self.source.char(at), f'tree-sitter-bash skips text on line {line}'

    def changes_parameters(self, command: Node) -> bool:
        """``read``, ``getopts``, ``shift``, or ``set`` with operands (``set -- a b``),
        not ``set -e`` or ``set -o pipefail``."""
        name = self.name(command)
        if name in ('read', 'getopts', 'shift', 'eval', '.', 'source'):
            return True
        if name != 'set':
            return False
        words = [self.literal(a) for a in self.arguments(command)]
        for before, word in zip([None, *words], words):
            if word is None or word == '--':
                return True
            takes_name = before is not None and before[:1] in '-+' and before.endswith('o')
            if not word.startswith(('-', '+')) and not takes_name:  # `set -euo pipefail`
                return True
        return False

    def _trap_operands(self, command: Node) -> list[Node]:
        args = self.arguments(command)
        return args[1:] if args and self.literal(args[0]) == '--' else args

    def _sets_trap(self, command: Node) -> bool:
        """``trap ACTION CONDITION...`` (not ``trap``, ``trap -p``, ``trap -l``)."""
        operands = self._trap_operands(command)
        return bool(operands) and self.literal(operands[0]) not in ('-p', '-l')

    def _traps_term(self, command: Node) -> bool:
        """The trap names SIGTERM, or may (a condition that is not literal)."""
        conditions = self._trap_operands(command)[1:]
        if not conditions:  # `trap 15`: POSIX resets the conditions it lists
            return True
        for condition in conditions:
            value = self.literal(condition)
            if value is None or value.upper().removeprefix('SIG') in ('TERM', '15'):
                return True
        return False

    # -- how a path ends --------------------------------------------------------

    def sequence(self, statements: list[tuple[Node, bool]]) -> _End:
        """The ending of a list of statements run one after another."""
        while statements:
            node, background = statements[-1]
            if background:
                return _End(node=node, problem='ends in a background job (`&`)',
                            advice=INIT_ADVICE)
            exit_kind = self._exit_kind(node)
            if exit_kind == 'passthrough':
                statements = statements[:-1]
                continue
            if exit_kind == 'own-status':
                return self._saved_status(node, statements[:-1])
            return self.ending(node)
        return _FINE  # nothing runs: an empty script or branch

    def _saved_status(self, exit: Node, before: list[tuple[Node, bool]]) -> _End:
        """``exit 1`` decides the status itself: fine. ``exit $rc`` after a
        program and some bookkeeping (``rc=$?``, ``echo``) passes the program's
        status on, with the shell still PID 1 while the program runs."""
        args = self.arguments(exit)
        if not args or self.literal(args[0]) is not None:
            return _FINE
        for node, background in reversed(before):
            if background or not self._bookkeeping(node):
                break
        else:
            return _FINE
        end = self.ending(node) if not background else _FINE
        if end.command is None or end.fine or end.nested:
            return end if not end.fine else _FINE
        shown = self.shown(end.command)
        return _End(node=end.command,
                    problem=f'runs `{shown}` as a child and then ends with '
                            f'`{_short(self.source.raw(exit))}` (line {self.line(exit)})',
                    advice=f'`exec` cannot be added while commands follow `{shown}`; drop '
                           f'them and put `exec` before `{shown}`, or {INIT_ADVICE}')

    def _bookkeeping(self, node: Node) -> bool:
        """A statement that runs no program: an assignment, ``echo``, a test."""
        if node.type in ('variable_assignment', 'variable_assignments', 'test_command',
                         'declaration_command'):
            return True
        if node.type == 'redirected_statement':
            body = node.child_by_field_name('body')
            return body is not None and self._bookkeeping(body)
        return node.type == 'command' and self.name(node) in _BOOKKEEPING

    def _exit_kind(self, node: Node) -> str | None:
        """``'passthrough'`` for ``exit``/``exit $?`` (also ``return``),
        ``'own-status'`` for ``exit N``, None for anything else."""
        if node.type != 'command' or self.name(node) not in ('exit', 'return'):
            return None
        args = self.arguments(node)
        status = ('$?', '"$?"', '${?}', '"${?}"')
        if not args or (len(args) == 1 and self.source.raw(args[0]) in status):
            return 'passthrough'
        return 'own-status'

    def ending(self, node: Node) -> _End:
        kind = node.type
        if kind == 'command':
            return self._command(node)
        if kind == 'redirected_statement':
            body = node.child_by_field_name('body')
            if body is None:
                return _End(node=node, problem='ends in a redirection without a command',
                            advice='make the program that does the work the last command, '
                                   'with `exec`')
            return self.ending(body)
        if kind == 'list':
            parts = [c for c in node.children if c.type != 'comment']
            right = parts[-1]
            if parts[-2].type == '||':
                return _End(node=node,
                            problem=f'ends in an `||` fallback (`{_short(self.source.raw(node))}`)',
                            advice='after `exec` the fallback could never run; drop it and '
                                   '`exec` the program if the fallback is not needed')
            exit_kind = self._exit_kind(right)
            if exit_kind == 'passthrough':
                return self.ending(parts[0])
            if exit_kind == 'own-status':
                return _FINE
            return self.ending(right)
        if kind == 'pipeline':
            shown = _short(self.source.raw(node))
            return _End(node=node, problem=f'ends in a pipeline (`{shown}`)',
                        advice='`exec` cannot replace the shell with a pipeline; '
                               f'{INIT_ADVICE}')
        if kind == 'if_statement':
            return self._branches(node, self._if_branches(node), 'an `if` statement')
        if kind == 'case_statement':
            return self._case(node)
        if kind == 'compound_statement':
            inner = self.sequence(statements_of(node.children))
            return self.nested(inner, 'a command group `{ ...; }`')
        if kind == 'subshell':
            return _End(node=node, problem='ends in a subshell `( ... )`',
                        advice='the shell waits for the subshell even if it `exec`s; drop '
                               'the parentheses and `exec` the program')
        if kind in _LOOPS:
            return _End(node=node, problem='ends in a loop',
                        advice='`exec` would end the loop after one round; '
                               f'{INIT_ADVICE}')
        if kind == 'negated_command':
            return _End(node=node, problem='ends in a negated command (`!`)',
                        advice='`exec` cannot keep the negation; drop the `!` and '
                               '`exec` the program')
        if kind in ('variable_assignment', 'variable_assignments', 'declaration_command',
                    'unset_command', 'test_command', 'function_definition'):
            what = {'variable_assignment': 'a variable assignment',
                    'variable_assignments': 'a variable assignment',
                    'function_definition': 'a function definition',
                    'test_command': 'a test',
                    }.get(kind, f'the shell builtin `{self.source.raw(node).split()[0]}`')
            return _End(node=node, problem=f'ends in {what}, not a program',
                        advice='make the program that does the work the last command, '
                               'with `exec`')
        return _End(node=node, problem=f'ends in {kind.replace("_", " ")}',
                    advice='make the program that does the work the last command, with `exec`')

    def _command(self, command: Node) -> _End:
        name_node = command.child_by_field_name('name')
        if name_node is None:
            return _End(node=command, problem='ends in a variable assignment or a redirection, '
                                              'not a program',
                        advice='make the program that does the work the last command, '
                               'with `exec`')
        name = self.literal(name_node)
        if name == 'exec':
            if self.arguments(command):
                inner = self._inner_shell(command) if self.inner_shells else None
                if inner is not None:
                    return inner
                return _End(fine=True, command=command)  # the command, to follow it
            return _End(node=command, problem='ends in `exec` without a program (it only '
                                              'redirects the shell\'s own files)',
                        advice='put `exec` before the program that does the work')
        if name in ('exit', 'return'):
            return _FINE
        if name is not None and name in self.aliases:
            alias = self.aliases[name]
            return _End(node=command, problem=f'ends in `{name}`, an alias (`'
                                              f'{_short(self.source.raw(alias))}` on line '
                                              f'{self.line(alias)})',
                        advice=f'`exec` does not expand aliases, so `exec {name}` would look '
                               f'for a program called `{name}`; write out the command the '
                               'alias stands for, with `exec`')
        if name is not None and name in self.functions:
            return self._function_call(command, name)
        if name in ('.', 'source'):
            return _End(node=command, problem=f'ends by sourcing a script (`{name}`)',
                        advice='`exec` cannot run a sourced script; end the sourced script '
                               'with `exec`, or `exec` the program here')
        if name == 'wait':
            return _End(node=command, problem='ends in `wait` for background jobs',
                        advice=INIT_ADVICE)
        if name == 'eval':
            return _End(node=command, problem='ends in `eval`',
                        advice='modcon cannot see the command `eval` runs; put `exec` inside '
                               'the evaluated string')
        if name is not None and (name in BUILTINS or name in RESERVED):
            return _End(node=command, problem=f'ends in the shell builtin `{name}`',
                        advice=f'`exec {name}` would run a different program, or none; make '
                               'the program that does the work the last command, with `exec`')
        if name is not None and name.startswith('-'):
            return _End(node=command, problem=f'ends in `{name}`, which `exec` would read '
                                              'as an option',
                        advice='name the program first')
        return _End(command=command)

    def _inner_shell(self, command: Node) -> _End | None:
        """``exec sh -c 'app'``: the script's shell goes, but dash takes its
        place as PID 1 and runs ``app`` as its child (MC105's case, in a script)."""
        words = [self.literal(a) for a in self.arguments(command)[:3]]
        if len(words) < 3 or None in words:
            return None
        shell, option, string = (w or '' for w in words)
        if shell.rsplit('/', 1)[-1] not in CHILD_KEEPING_SHELLS or \
                not is_script_option(option):
            return None
        analysis = analyze(string)
        if analysis.already_execs or \
                (analysis.argv is None and analysis.exec_at is None and analysis.problem is None):
            return None
        shown = f'{shell} {option}'
        return _End(node=command,
                    problem=f'ends in `exec {shown}`, whose script (`{_short(string)}`) does not '
                            f'`exec` its last command: dash, the `sh` of Debian and Ubuntu, '
                            f'stays PID 1 with it as a child',
                    advice=f'put `exec` before the last command inside the `{shown}` script, '
                           f'or drop `{shown}` and `exec` the program')

    def _function_call(self, command: Node, name: str) -> _End:
        definition = self.functions[name]
        if name in self._calling:
            return _End(node=command, problem=f'ends by calling the function `{name}`, '
                                              'which calls itself',
                        advice='`exec` the program that does the work in the last function')
        body = definition.child_by_field_name('body')
        if body is None:  # pragma: no cover - the grammar always has a body
            return _End(node=command, problem=f'ends by calling the function `{name}`')
        self._calling.append(name)
        try:
            if body.type == 'compound_statement':  # `f() { ...; }`: the usual body
                inner = self.sequence(statements_of(body.children))
            else:
                inner = self.ending(body)
        finally:
            self._calling.pop()
        return self.nested(inner, f'the function `{name}` (called on line {self.line(command)})',
                           why=f'`exec` inside `{name}` would also end the script wherever '
                               f'else it is called')

    def nested(self, inner: _End, where: str, why: str | None = None,
               also: tuple[_End, ...] = ()) -> _End:
        """An ending inside a branch or a function: fine, or reported, never edited.

        ``also``: the other branches of the same statement that need ``exec``.
        """
        if inner.fine or inner.nested:  # the innermost place says the most
            return inner
        if inner.command is not None:
            shown = self.shown(inner.command)
            places = [inner, *(e for e in also if e.command is not None and not e.nested)]
            advice = 'put `exec` before ' + ' and '.join(
                f'`{self.shown(e.command)}` (line {self.line(e.command)})'
                for e in places if e.command is not None)
            if why:
                advice = f'{why}; if that is not a concern, {advice}'
            advice = f'modcon adds `exec` only to the last top-level command; {advice}'
            return inner._replace(nested=True, node=inner.command, advice=advice,
                                  problem=f'runs `{shown}` as a child inside {where}')
        return inner._replace(nested=True, problem=f'{inner.problem}, inside {where}')

    def _if_branches(self, node: Node) -> list[list[tuple[Node, bool]]]:
        branches: list[list[tuple[Node, bool]]] = []
        body: list[Node] = []
        collecting = False
        has_else = False
        for child in node.children:
            if child.type == 'then':
                collecting = True
            elif child.type in ('elif_clause', 'else_clause'):
                has_else |= child.type == 'else_clause'
                start = 'then' if child.type == 'elif_clause' else 'else'
                seen = False
                inner: list[Node] = []
                for grandchild in child.children:
                    if grandchild.type == start:
                        seen = True
                    elif seen:
                        inner.append(grandchild)
                branches.append(statements_of(inner))
            elif child.type == 'fi':
                collecting = False
            elif collecting:
                body.append(child)
        branches.insert(0, statements_of(body))
        if not has_else:
            branches.append([])  # no branch taken: the script goes on to its end
        return branches

    def _case(self, node: Node) -> _End:
        branches: list[list[tuple[Node, bool]]] = []
        for item in node.children:
            if item.type != 'case_item':
                continue
            if any(c.type in (';&', ';;&') for c in item.children):
                return _End(node=item, problem='ends in a `case` statement with fall-through '
                                               '(`;&`)',
                            advice='put `exec` before the last command of each branch')
            seen = False
            body: list[Node] = []
            for child in item.children:
                if child.type == ')' and not seen:
                    seen = True
                elif seen and child.type != ';;':
                    body.append(child)
            branches.append(statements_of(body))
        branches.append([])  # no pattern matched
        return self._branches(node, branches, 'a `case` statement')

    def _branches(self, node: Node, branches: list[list[tuple[Node, bool]]], what: str) -> _End:
        ends = [end for end in map(self.sequence, branches) if not end.fine]
        if not ends:
            return _FINE
        return self.nested(ends[0], what, also=tuple(ends[1:]))


def _short(text: str, limit: int = 50) -> str:
    flat = ' '.join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + '…'
