"""Does a Python main program handle SIGTERM, and where would a handler go?

``plan()`` reads the file with libcst (this module is imported only by the
rule that needs it, never by a Dockerfile check) and answers in offsets of the
original text, so the fix is a few insertions and every other byte stays:

* the file already handles SIGTERM itself (``signal.signal``, an event loop's
  ``add_signal_handler``, ``sigwait``, an anyio/trio signal receiver), or hands
  the program to a framework that does (``frameworks.HANDOFFS``): no plan;
* otherwise the handler goes into the ``if __name__ == "__main__":`` block, as
  its first statements, so importing the module installs nothing; without such
  a block it goes after the module's docstring and leading imports (before the
  imports when the file is nothing else: one of them starts the program). An
  ``import signal`` is added after the imports unless one is there; under
  another name when ``signal`` is taken (``from signal import signal``).

The finding's range covers every line the fix touches, blank lines around the
insertion points included, from the added import down to the first statement
after the handler: lines outside it stay byte for byte.

The inserted handler raises ``SystemExit(0)``: ``finally`` blocks, context
managers and ``atexit`` run, and the status is 0. It is installed only while
SIGTERM is still at its default, so a handler that an imported module set up
(which this file cannot see) is never replaced.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import libcst as cst
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider

from modcon.model import Edit
from modcon.python.frameworks import HANDOFFS
from modcon.python.frameworks import REGISTRATIONS
from modcon.python.frameworks import Handoff
from modcon.source import SourceFile

HANDLER_NAMES = ('_exit_on_sigterm', '_modcon_exit_on_sigterm')
MODULE_ALIASES = ('_signal', '_modcon_signal')
COMMENT = '# Exit with status 0 on SIGTERM (docker stop), so that cleanup code runs.'

_SIGNAL_NAME = re.compile(r'SIG[A-Z0-9]+')
_SIGTERM_WORD = re.compile(r'\bSIGTERM\b')


class Plan(NamedTuple):
    """What to report for a main program that does not handle SIGTERM."""

    start: int  # the range a finding covers: every line the fix touches
    end: int
    edits: tuple[Edit, ...]  # empty when no fix can be offered
    place: str  # where the handler goes, for the fix title
    no_fix_reason: str = ''


class Handled(NamedTuple):
    """Why the file needs no handler (for tests and debugging)."""

    reason: str


def plan(source: SourceFile, argvs: Sequence[tuple[str, ...]]) -> Plan | Handled | None:
    """Plan the SIGTERM handler of ``source``, run as main by the commands ``argvs``.

    None when libcst cannot parse the file or nothing in it runs: it has
    no main block and only defines functions or classes (imports aside), or
    holds nothing but a docstring. A file of imports alone is planned:
    importing may well start the program.
    """
    try:
        module = cst.parse_module(source.text)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    scanner = _Scanner(source.text)
    module.visit(scanner)
    reason = scanner.handled_reason(argvs)
    if reason is not None:
        return Handled(reason)
    body = module.body
    main = next((s for s in body if isinstance(s, cst.If) and _is_main_guard(s)), None)
    if main is None and all(_is_inert(s) for s in body) and (
            any(isinstance(s, (cst.FunctionDef, cst.ClassDef)) for s in body) or
            all(_is_future_import(s) or not _is_import_line(s) for s in body)):
        return None  # it only defines things: as a program it exits at once
    return _Planner(source, module, scanner, main).plan()


class _Scanner(cst.CSTVisitor):
    """Collects calls, class bases and imports; judges them once all are seen.

    Names are resolved through the file's imports (``from aiohttp import web``
    makes ``web.run_app`` into ``aiohttp.web.run_app``), wherever the import
    is: a lighter stand-in for libcst's scope analysis, which costs more than
    parsing. A name imported in one function and called in another resolves
    too; that only errs towards "handled", where a wrong answer is harmless.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.aliases: dict[str, set[str]] = {}
        self.star_modules: list[str] = []
        self.packages: set[str] = set()
        self.calls: list[tuple[str, str | None, cst.Call]] = []
        self.bases: list[str] = []
        self.other_uses: set[str] = set()  # names used as something else than a module
        self._module_names: set[int] = set()  # ids of Name nodes that are module references

    @property
    def star_import(self) -> bool:
        return bool(self.star_modules)

    def _bind(self, name: str, target: str) -> None:
        self.aliases.setdefault(name, set()).add(target)

    def qualified_names(self, dotted: str) -> set[str]:
        """The qualified names ``dotted`` may stand for."""
        if not dotted:
            return set()
        root, dot, rest = dotted.partition('.')
        names = {dotted, *(f'{m}.{dotted}' for m in self.star_modules)}
        names.update(f'{target}{dot}{rest}' for target in self.aliases.get(root, ()))
        return names

    def handled_reason(self, argvs: Sequence[tuple[str, ...]]) -> str | None:
        methods = {method for _dotted_name, method, _node in self.calls if method}
        handoffs = [h for h in HANDOFFS
                    if any(self.qualified_names(b) & h.bases for b in self.bases) or
                    (h.methods & methods and h.needs_import in self.packages)]
        for dotted, method, node in self.calls:
            names = self.qualified_names(dotted)
            for registration in REGISTRATIONS:
                if names & registration.calls or method in registration.methods:
                    args = node.args[:1] if registration.first_argument_only else node.args
                    if self._names_sigterm(args):
                        what = sorted(names & registration.calls) or [f'.{method}']
                        return f'registers SIGTERM with {what[0]}()'
            handoffs.extend(h for h in HANDOFFS
                            if names & h.calls and _keywords_allow(h, node))
        for handoff in handoffs:
            if handoff.argv is None or (argvs and all(handoff.argv(a) for a in argvs)):
                return f'hands over to {handoff.name}'
        return None

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            self.packages.add(dotted.split('.')[0])
            if isinstance(alias.name, cst.Name):
                self._module_names.add(id(alias.name))
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bind(alias.asname.name.value, dotted)
                self._module_names.add(id(alias.asname.name))
            else:
                root = dotted.split('.')[0]
                self._bind(root, root)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is None or node.relative:
            return
        module = _dotted(node.module)
        self.packages.add(module.split('.')[0])
        if isinstance(node.module, cst.Name):
            self._module_names.add(id(node.module))
        if isinstance(node.names, cst.ImportStar):
            self.star_modules.append(module)
            return
        for alias in node.names:
            name = _dotted(alias.name)
            bound = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(bound, cst.Name):
                self._bind(bound.value, f'{module}.{name}')

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._module_names.add(id(node.attr))  # `x.signal`: an attribute, not the name
        if isinstance(node.value, cst.Name):
            self._module_names.add(id(node.value))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._module_names:
            self.other_uses.add(node.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bases.extend(_dotted(base.value) for base in node.bases)

    def visit_Call(self, node: cst.Call) -> None:
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        self.calls.append((_dotted(node.func), method, node))

    def _names_sigterm(self, args: Sequence[cst.Arg]) -> bool:
        if not args:
            return False
        found: set[str] = set()
        for arg in args:
            collector = _SignalNames()
            arg.value.visit(collector)
            found |= collector.names
        if 'SIGTERM' in found:
            return True
        # `for sig in (SIGINT, SIGTERM): signal.signal(sig, ...)`: the signal is
        # a variable; count it when the file names SIGTERM somewhere.
        return not found and _SIGTERM_WORD.search(self.text) is not None


class _SignalNames(cst.CSTVisitor):
    """The signals an expression names: `SIGTERM`, `signal.SIGINT`, `15`."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        if _SIGNAL_NAME.fullmatch(node.value):
            self.names.add(node.value)

    def visit_Integer(self, node: cst.Integer) -> None:
        try:
            number = int(node.value.replace('_', ''), 0)
        except ValueError:
            return
        self.names.add('SIGTERM' if number == 15 else f'#{number}')


def _keywords_allow(handoff: Handoff, call: cst.Call) -> bool:
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}

    def literal(name: str) -> str | None:
        value = keywords.get(name)
        if value is None:
            return None
        return value.value if isinstance(value, cst.Name) else '<expression>'

    if handoff.off_keyword is not None and \
            literal(handoff.off_keyword[0]) == handoff.off_keyword[1]:
        return False
    if handoff.any_keyword_off and literal(handoff.any_keyword_off) not in (None, 'None'):
        return False
    if handoff.on_keyword is not None:
        return literal(handoff.on_keyword[0]) == handoff.on_keyword[1]
    return True


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f'{_dotted(node.value)}.{node.attr.value}'
    return ''


def _is_main_guard(node: cst.If) -> bool:
    test = node.test
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = (test.left, target.comparator)
    return any(isinstance(s, cst.Name) and s.value == '__name__' for s in sides) and \
        any(isinstance(s, cst.SimpleString) and s.evaluated_value == '__main__' for s in sides)


def _is_docstring(node: cst.BaseStatement) -> bool:
    return isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1 and \
        isinstance(node.body[0], cst.Expr) and \
        isinstance(node.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def _is_import_line(node: cst.BaseStatement) -> bool:
    return isinstance(node, cst.SimpleStatementLine) and \
        all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in node.body)


def _is_future_import(node: cst.BaseStatement) -> bool:
    return isinstance(node, cst.SimpleStatementLine) and all(
        isinstance(s, cst.ImportFrom) and s.module is not None and
        _dotted(s.module) == '__future__' for s in node.body)


def _is_inert(node: cst.BaseStatement) -> bool:
    """Starts nothing by itself: a definition, an import, a docstring, `pass`."""
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return True
    return isinstance(node, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom, cst.Pass)) or
        (isinstance(s, cst.Expr) and isinstance(s.value, (cst.SimpleString,
                                                           cst.ConcatenatedString)))
        for s in node.body)


def _signal_import(node: cst.BaseStatement) -> str | None:
    """The name an `import signal [as x]` line binds the module to."""
    if not isinstance(node, cst.SimpleStatementLine):
        return None
    for small in node.body:
        if isinstance(small, cst.Import):
            for alias in small.names:
                if _dotted(alias.name) == 'signal':
                    if alias.asname is None:
                        return 'signal'
                    if isinstance(alias.asname.name, cst.Name):
                        return alias.asname.name.value
    return None


class _Planner:
    """Turns the module's layout into insertions at offsets of the original text."""

    def __init__(self, source: SourceFile, module: cst.Module, scanner: _Scanner,
                 main: cst.If | None) -> None:
        self.source = source
        self.text = source.text
        self.module = module
        self.positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        self.scanner = scanner
        self.main = main

    def _line_start(self, line: int) -> int:
        starts = self.source.line_starts
        return starts[line - 1] if line <= len(starts) else len(self.text)

    def _first_line(self, node: cst.BaseStatement) -> int:
        """The first line of ``node``, with the comment lines attached above it."""
        leading = getattr(node, 'leading_lines', ())
        return self.positions[node].start.line - len(leading)

    def _free_name(self, candidates: Sequence[str], stem: str) -> str:
        names = [*candidates, *(f'{stem}_{n}' for n in range(2, 100))]
        return next(n for n in names if re.search(rf'\b{n}\b', self.text) is None)

    def _newline(self, at: int) -> str:
        return self.source.newline_at(at)

    def _blank_at(self, offset: int) -> bool:
        if offset >= len(self.text):
            return True
        line = self.source.position(offset).line
        return not self.source.line_text(line).strip()

    def plan(self) -> Plan:
        text = self.text
        if '\r' in text and text.count('\r') != text.count('\r\n'):
            # libcst counts a lone CR as a line break, SourceFile does not.
            return Plan(0, len(self.source.line_text(1)), (), '',
                        'the file mixes lone CR line breaks with others')
        main_body = None
        main_line = 0
        if self.main is not None:
            main_line = self.positions[self.main].start.line
            if not isinstance(self.main.body, cst.IndentedBlock):
                start = self._line_start(main_line)
                return Plan(start, start + len(self.source.line_text(main_line)), (), '',
                            'the `if __name__ == "__main__":` block is on one line')
            main_body = self.main.body

        body = list(self.module.body)
        prelude: list[cst.BaseStatement] = []
        index = 0
        if body and _is_docstring(body[0]):
            prelude.append(body[0])
            index = 1
        while index < len(body) and _is_import_line(body[index]):
            prelude.append(body[index])
            index += 1
        imports_only = main_body is None and index == len(body)
        if imports_only:
            # Nothing but imports: one of them runs the program, so the
            # handler goes before them (after `from __future__` imports).
            prelude = prelude[:1] if prelude and _is_docstring(prelude[0]) else []
            prelude.extend(s for s in body[len(prelude):index] if _is_future_import(s))
        imports = [s for s in prelude if _is_import_line(s)]

        # Reuse an `import signal` that is in place before the handler runs
        # and whose name nothing else rebinds.
        if main_body is not None:
            visible = [s for s in body if self.positions[s].start.line < main_line]
        else:
            visible = imports
        module_name = next((n for n in map(_signal_import, visible) if n is not None
                            and n not in self.scanner.other_uses), None)
        import_line = ''
        if module_name is None:
            taken = 'signal' in self.scanner.other_uses or self.scanner.star_import
            module_name = self._free_name(MODULE_ALIASES, '_modcon_signal') if taken \
                else 'signal'
            import_line = 'import signal' if module_name == 'signal' \
                else f'import signal as {module_name}'
        handler = self._free_name(HANDLER_NAMES, '_modcon_exit_on_sigterm')

        # Where the module's prelude ends: the import goes there, and the
        # handler too when there is no main block.
        if prelude:
            anchor = self._line_start(self.positions[prelude[-1]].end.line + 1)
        elif body:
            anchor = self._line_start(self._first_line(body[0]))
            if anchor == 0 and text.startswith('\ufeff'):
                anchor = 1
        else:  # pragma: no cover - plan() returns None for a module without statements
            anchor = len(text)
        nl = self._newline(anchor)
        # A last line without its newline gets one before anything follows it.
        before = nl if anchor == len(text) and text and not text.endswith('\n') else ''
        if not imports and prelude:
            before += nl  # a blank line between the docstring and the import
        after_import = nl
        if not prelude and body:
            after_import += nl * (2 if isinstance(body[0], (cst.FunctionDef, cst.ClassDef))
                                  else 1)

        if main_body is None:
            unit = self.module.default_indent
            lines = _handler_lines(module_name, handler, unit, '')
            block = nl.join(lines) + nl
            content = before
            if import_line:
                content += import_line + nl
            if prelude or import_line:
                content += nl * 2
            content += block
            follower = body[len(prelude)] if len(prelude) < len(body) else None
            if not self._blank_at(anchor):
                two = isinstance(follower, (cst.FunctionDef, cst.ClassDef))
                content += nl * (2 if two else 1)
            place = 'before the imports, one of which starts the program' \
                if imports_only else 'after the imports'
            return self._plan((Edit.insert(anchor, content),), place)

        first = main_body.body[0]
        at = self._line_start(self._first_line(first))
        stmt_line = self.positions[first].start.line
        indent = self.source.line_text(stmt_line)[:self.positions[first].start.column]
        nl_main = self._newline(at)
        lines = _handler_lines(module_name, handler, indent, indent)
        content = nl_main.join(lines) + nl_main
        if not self._blank_at(at):
            content += nl_main
        edits = [Edit.insert(at, content)]
        if import_line:
            edits.insert(0, Edit.insert(anchor, before + import_line + after_import))
        return self._plan(tuple(edits), 'at the top of the `if __name__ == "__main__":` block')

    def _plan(self, edits: tuple[Edit, ...], place: str) -> Plan:
        text = self.text
        source = self.source
        start = edits[0].start
        if start == len(text) and text and not text.endswith('\n'):
            # The newline added after the last line changes that line.
            start = self._line_start(source.position(start).line)
        # Inserted blank lines may pair up with blank lines next to the
        # insertion point in a diff, so the range takes those in too, and it
        # starts on the line of code the insertion follows (the last import,
        # `if __name__ == "__main__":`): that is the line a report shows.
        line = source.position(start).line
        while line > 1 and not source.line_text(line - 1).strip():
            line -= 1
        if line > 1:
            line -= 1
        start = min(start, self._line_start(line))
        end = self._end_of_code_line(edits[-1].start)
        return Plan(start, end, edits, place)

    def _end_of_code_line(self, offset: int) -> int:
        """The end of the first non-blank line at or after ``offset``."""
        source = self.source
        line = source.position(offset).line
        count = len(source.line_starts)
        while line <= count and not source.line_text(line).strip():
            line += 1
        if line > count:
            return len(self.text)
        return source.line_starts[line - 1] + len(source.line_text(line))


def _handler_lines(module: str, handler: str, unit: str, indent: str) -> list[str]:
    """The handler, one line per item (an empty item is a blank line)."""
    blank = ['', ''] if not indent else ['']  # PEP 8: two at top level, one inside a block
    return [
        f'{indent}{COMMENT}',
        f'{indent}def {handler}(signum, frame):',
        f'{indent}{unit}raise SystemExit(0)',
        *blank,
        f'{indent}if {module}.getsignal({module}.SIGTERM) is {module}.SIG_DFL:',
        f'{indent}{unit}{module}.signal({module}.SIGTERM, {handler})',
    ]
