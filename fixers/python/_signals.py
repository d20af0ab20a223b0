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
managers and ``atexit`` run, and the status is 0. A program that stops on Ctrl-C
through a SIGINT handler of its own (``signal.signal(SIGINT, stop)`` setting a
flag its loop checks, ``loop.add_signal_handler(SIGINT, event.set)``) has its
shutdown there, which ``SystemExit`` would skip: SIGTERM gets the same handler,
registered right after each SIGINT registration (the same call, for SIGTERM),
unless the handler does nothing but exit. A registration that may not run when
the code around it does (in an ``if``, a loop, a ``try``) or whose arguments
might differ a second time (a call) gets no fix. It is installed only while
SIGTERM is still at its default, so a handler that an imported module set up
(which this file cannot see) is never replaced.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper
from libcst.metadata import PositionProvider

from modcon.fixers.python._import_order import ImportSpot
from modcon.fixers.python._import_order import signal_import_spot
from modcon.fixers.python._main_path import MainPath
from modcon.knowledge.python_frameworks import HANDOFFS
from modcon.knowledge.python_frameworks import REGISTRATIONS
from modcon.knowledge.python_frameworks import Handoff
from modcon.knowledge.python_frameworks import Registration
from modcon.model import Edit
from modcon.named_tuple import NamedTuple
from modcon.readers.python.cst_syntax import dotted_name
from modcon.readers.python.cst_syntax import last_name
from modcon.readers.python.syntax import code_of
from modcon.regions import python_regions
from modcon.regions import region_around
from modcon.source import SourceFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeGuard

HANDLER_NAMES = ('_exit_on_sigterm', '_modcon_exit_on_sigterm')
MODULE_ALIASES = ('_signal', '_modcon_signal')

_SIGNAL_NAME = re.compile(r'SIG[A-Z0-9]+')
_SIGTERM_WORD = re.compile(r'\bSIGTERM\b')


class Plan(NamedTuple):
    """What to report for a main program that does not handle SIGTERM."""

    start: int  # the range a finding covers: every line the fix touches
    end: int
    edits: tuple[Edit, ...]  # empty when no fix can be offered
    place: str  # where the handler goes, for the fix title
    no_fix_reason: str = ''
    interrupt: str = ''  # SIGTERM raises KeyboardInterrupt: where the program catches it
    sigint: str = ''  # SIGTERM gets the program's own SIGINT handler: which, where


class Handled(NamedTuple):
    """Why the file needs no handler (for tests and debugging)."""

    reason: str


# The plans of the texts seen last, by path, digest of the text and commands: the fix
# loop's last pass and the fix run's next round ask again about the same text, and
# parsing with libcst is most of what a Python file costs.
_PLANS: dict[tuple[str, bytes, tuple[tuple[str, ...], ...]], Plan | Handled | None] = {}
_PLANS_KEPT = 4096


def plan(source: SourceFile, argvs: Sequence[tuple[str, ...]]) -> Plan | Handled | None:
    """``_plan``, answered again from what it said about the same text and commands."""
    import hashlib

    digest = hashlib.blake2b(source.text.encode('utf-8', 'surrogatepass'), digest_size=16)
    key = (source.path, digest.digest(), tuple(tuple(argv) for argv in argvs))
    if key in _PLANS:
        return _PLANS[key]
    result = _PLANS[key] = _plan(source, argvs)
    if len(_PLANS) > _PLANS_KEPT:
        del _PLANS[next(iter(_PLANS))]  # the oldest
    return result


def _plan(source: SourceFile, argvs: Sequence[tuple[str, ...]]) -> Plan | Handled | None:
    """Plan the SIGTERM handler of ``source``, run as main by the commands ``argvs``.

    None when libcst cannot parse the file or nothing in it runs: it has
    no main block and only defines functions or classes (imports aside), or
    holds nothing but a docstring. A file of imports alone is planned:
    importing may well start the program.

    ``source`` must not nest deeper than CPython's own parser accepts: libcst's
    native parser overflows its stack there (a segmentation fault, the whole run
    dying with it), so the caller checks that first (``syntax.too_deep``).
    """
    try:
        module = cst.parse_module(code_of(source.text))
    except (cst.ParserSyntaxError, RecursionError):
        return None
    scanner = _Scanner(source.text)
    module.visit(scanner)
    reason = scanner.handled_reason(argvs)
    if reason is not None:
        return Handled(reason)
    body = module.body
    main = next((s for s in body if isinstance(s, cst.If) and _is_main_guard(s)), None)
    main_path = MainPath(module)
    only_imports = all(_is_import_line(s) or _is_docstring(s) for s in body) and \
        any(_is_import_line(s) and not _is_future_import(s) for s in body)
    if main is None and not only_imports and main_path.starts_nothing():
        return None  # it only defines things: as a program it exits at once
    return _Planner(source, module, scanner, main, main_path).plan()


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
        # `signal.signal(SIGTERM, SIG_IGN or SIG_DFL)`: installs no handler
        self.resets: list[tuple[str, cst.Call]] = []
        # `signal.signal(SIGINT, stop)`, `loop.add_signal_handler(SIGINT, ...)`: the
        # program's own way to stop on Ctrl-C, which SIGTERM has to take too
        self.sigint: list[tuple[cst.Call, Registration]] = []
        self._module_names: set[int] = set()  # ids of Name nodes that are module references
        self.sigterm_in_code = False  # SIGTERM named by the code (not a comment nor docstring)
        self.called: set[str] = set()  # the last names of everything called: `main`, `run`

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
        handoffs = [h for h in HANDOFFS if any(self.qualified_names(b) & h.bases
                                               for b in self.bases)]
        for dotted, method, node in self.calls:
            names = self.qualified_names(dotted)
            for registration in REGISTRATIONS:
                if not (names & registration.calls or method in registration.methods):
                    continue
                args = node.args[:1] if registration.first_argument_only else node.args
                if not self._names_sigterm(args):
                    if _names_sigint(args) and not _default_action(node, registration) \
                            and not _interrupts(node, registration):
                        self.sigint.append((node, registration))
                    continue
                reset = _default_action(node, registration)
                if reset:
                    self.resets.append((reset, node))
                    continue
                what = sorted(names & registration.calls) or [f'.{method}']
                return f'registers SIGTERM with {what[0]}()'
            handoffs.extend(h for h in HANDOFFS
                            if (names & h.calls or (method in h.methods and
                                                    h.needs_import in self.packages))
                            and _keywords_allow(h, node))
        for handoff in handoffs:
            if handoff.argv is None or (argvs and all(handoff.argv(a) for a in argvs)):
                return f'hands over to {handoff.name}'
        return None

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = dotted_name(alias.name)
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
        module = dotted_name(node.module)
        self.packages.add(module.split('.')[0])
        if isinstance(node.module, cst.Name):
            self._module_names.add(id(node.module))
        if isinstance(node.names, cst.ImportStar):
            self.star_modules.append(module)
            return
        for alias in node.names:
            name = dotted_name(alias.name)
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
        if node.value == 'SIGTERM':
            self.sigterm_in_code = True

    def visit_Expr(self, node: cst.Expr) -> bool:
        # A docstring or a bare string says nothing about the code's signals.
        return not isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if _SIGTERM_WORD.search(node.value):  # `getattr(signal, "SIGTERM")`
            self.sigterm_in_code = True

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if _SIGTERM_WORD.search(node.value):
            self.sigterm_in_code = True

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bases.extend(dotted_name(base.value) for base in node.bases)

    def visit_Call(self, node: cst.Call) -> None:
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        self.calls.append((dotted_name(node.func), method, node))
        self.called.add(last_name(node.func))

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
        # a variable; count it when the code names SIGTERM somewhere (a comment
        # or a docstring that mentions it handles nothing).
        return not found and self.sigterm_in_code


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


def _names_sigint(args: Sequence[cst.Arg]) -> bool:
    found: set[str] = set()
    for arg in args:
        collector = _SignalNames()
        arg.value.visit(collector)
        found |= collector.names
    return bool(found & {'SIGINT', '#2'})


def _interrupts(call: cst.Call, registration: Registration) -> bool:
    """`signal.signal(SIGINT, signal.default_int_handler)`: Ctrl-C raises
    KeyboardInterrupt, CPython's default; the `except KeyboardInterrupt` path."""
    handler = registration.handler_argument
    return handler is not None and len(call.args) > handler and \
        last_name(call.args[handler].value) == 'default_int_handler'


def _default_action(call: cst.Call, registration: Registration) -> str:
    """`SIG_IGN` or `SIG_DFL` when the call sets SIGTERM to one of them, else ''.

    Neither is a handler: as PID 1 the signal is dropped either way."""
    if registration.handler_argument is None or len(call.args) <= registration.handler_argument:
        return ''
    name = last_name(call.args[registration.handler_argument].value)
    return name if name in ('SIG_IGN', 'SIG_DFL') else ''


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
    if handoff.on_keywords:
        return any(literal(name) == value for name, value in handoff.on_keywords)
    return True


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


def _is_import_line(node: cst.BaseStatement) -> TypeGuard[cst.SimpleStatementLine]:
    return isinstance(node, cst.SimpleStatementLine) and \
        all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in node.body)


def _is_future_import(node: cst.BaseStatement) -> bool:
    return isinstance(node, cst.SimpleStatementLine) and all(
        isinstance(s, cst.ImportFrom) and s.module is not None and
        dotted_name(s.module) == '__future__' for s in node.body)


def _signal_import(node: cst.BaseStatement) -> str | None:
    """The name an `import signal [as x]` line binds the module to."""
    if not isinstance(node, cst.SimpleStatementLine):
        return None
    for small in node.body:
        if isinstance(small, cst.Import):
            for alias in small.names:
                if dotted_name(alias.name) == 'signal':
                    if alias.asname is None:
                        return 'signal'
                    if isinstance(alias.asname.name, cst.Name):
                        return alias.asname.name.value
    return None


class _Planner:
    """Turns the module's layout into insertions at offsets of the original text."""

    def __init__(self, source: SourceFile, module: cst.Module, scanner: _Scanner,
                 main: cst.If | None, main_path: MainPath) -> None:
        self.source = source
        self.text = source.text
        self.module = module
        self.positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        self.scanner = scanner
        self.main = main
        self.main_path = main_path
        self.regions = python_regions(source)

    def _line_start(self, line: int) -> int:
        return self.source.offset(line) if line <= len(self.source.line_starts) \
            else len(self.text)

    def _first_line(self, node: cst.BaseStatement) -> int:
        """The first line of ``node``, with the comment lines attached above it."""
        leading = getattr(node, 'leading_lines', ())
        return self.positions[node].start.line - len(leading)

    def _attached_line(self, node: cst.BaseStatement) -> int:
        """The first line of ``node`` with the comments right above it (no blank line between)."""
        attached = 0
        for empty in reversed(getattr(node, 'leading_lines', ())):
            if empty.comment is None:
                break
            attached += 1
        return self.positions[node].start.line - attached

    def _start_line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def _last_line(self, node: cst.CSTNode) -> int:
        return self.positions[node].end.line

    def _names_only_the_module(self, name: str, unbound: bool = False) -> bool:
        """Whether ``name`` means the signal module wherever the file uses it: bound by
        nothing but ``import signal [as name]`` (``import os.path as signal`` or ``from
        blinker import signal`` make it something else), nor assigned or defined
        (``unbound``: also when nothing binds it at all)."""
        bound = self.scanner.aliases.get(name)
        if name in self.scanner.other_uses:
            return False
        return bound == {'signal'} or (unbound and bound is None)

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

    def _blank_line(self, line: int) -> bool:
        return line < 1 or line > len(self.source.line_starts) or \
            not self.source.line_text(line).strip()

    def _no_fix(self, line: int, reason: str) -> Plan:
        start = self._line_start(line)
        return Plan(start, start + len(self.source.line_text(line)), (), '', reason)

    def _clear_of_regions(self, line: int, siblings: Sequence[cst.BaseStatement],
                          floor: int) -> int | str:
        """``line``, or the nearest line outside a marked region where the same
        statements still run after the insertion: right after the region when
        nothing in it starts the program, else right before it (not above
        ``floor``). A string says why neither works."""
        region = region_around(self.regions, line)
        if region is None:
            return line
        inside = [s for s in siblings if line <= self._start_line(s) <= region.last]
        after = [s for s in siblings if self._start_line(s) > region.last]
        if after and not any(self.main_path.starts_program(s) for s in inside):
            return region.last + 1
        # The file's first statement has its comments in the module header.
        body = self.module.body
        if region.first >= floor and any(
                (1 if body and s is body[0] else self._first_line(s)) <= region.first <=
                self._start_line(s) for s in siblings):
            return region.first
        return f'the handler would go inside the marked region `{region.name}` ' \
               f'(lines {region.first}-{region.last}), which must not be edited'

    def plan(self) -> Plan:
        text = self.text
        if '\r' in text and text.count('\r') != text.count('\r\n'):
            # libcst counts a lone CR as a line break, SourceFile does not.
            return self._no_fix(1, 'the file mixes lone CR line breaks with others')
        reset = self.scanner.resets
        if reset:
            what, node = reset[0]
            return self._no_fix(self._start_line(node),
                                f'it sets SIGTERM to `{what}` itself (line '
                                f'{self._start_line(node)}), so a handler added before that '
                                f'line would be undone; decide how it should stop')
        main_body = None
        main_line = 0
        if self.main is not None:
            main_line = self._start_line(self.main)
            if not isinstance(self.main.body, cst.IndentedBlock):
                return self._no_fix(main_line,
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
        # The handler goes at module level when there is no main block, or
        # when a statement above the main block may already start the program
        # (`main()` called at top level): the main block would run too late.
        if main_body is not None and self.main is not None:
            above = body[len(prelude):body.index(self.main)]
            if any(self.main_path.starts_program(s) for s in above):
                main_body = None

        # Reuse an `import signal` that is in place before the handler runs
        # and whose name nothing else rebinds.
        visible: Sequence[cst.BaseStatement]
        if main_body is not None:
            visible = [s for s in body if self._start_line(s) < main_line]
        else:
            visible = imports
        module_name = next((n for n in map(_signal_import, visible) if n is not None
                            and self._names_only_the_module(n)), None)
        import_line = ''
        if module_name is None:
            taken = not self._names_only_the_module('signal', unbound=True) or \
                self.scanner.star_import
            module_name = self._free_name(MODULE_ALIASES, '_modcon_signal') if taken \
                else 'signal'
            import_line = 'import signal' if module_name == 'signal' \
                else f'import signal as {module_name}'
        sigint = [(call, registration) for call, registration in self.scanner.sigint
                  if not _only_exits(call, self.module)]
        if sigint:
            return self._sigint_plan(sigint, module_name, import_line, prelude, imports, body)
        catch = self.main_path.interrupt_catch()
        interrupt = ''
        if catch is not None:
            interrupt = f'in `{catch.function}()`' if catch.function else 'at module level'
            handler = ''
        else:
            handler = self._free_name(HANDLER_NAMES, '_modcon_exit_on_sigterm')
        unit = self.module.default_indent

        # Where the module's prelude ends: the handler goes there when it is
        # at module level; so does the import when it has no sorted place.
        if prelude:
            anchor_line = self._last_line(prelude[-1]) + 1
        elif body:
            anchor_line = self._first_line(body[0])
        else:  # pragma: no cover - plan() returns None for a module without statements
            anchor_line = len(self.source.line_starts) + 1
        floor = self._last_line(prelude[-1]) + 1 if prelude and not imports else 1
        floor = max([floor, *(self._last_line(s) + 1 for s in prelude if _is_future_import(s))])

        if main_body is None:
            natural = anchor_line
            handler_line = self._clear_of_regions(anchor_line, body, floor)
            indent = ''
        else:
            first = main_body.body[0]
            natural = self._first_line(first)
            handler_line = self._clear_of_regions(natural, main_body.body, natural)
            indent = self.source.line_text(self._start_line(first))[
                :self.positions[first].start.column]
        if isinstance(handler_line, str):
            where = main_line if main_body is not None else anchor_line
            return self._no_fix(min(where, len(self.source.line_starts)), handler_line)

        # The import: in its sorted place among the leading imports, unless
        # that place is in a marked region or below a module-level handler;
        # then at the top of the handler's own lines.
        spot = signal_import_spot(imports, self._attached_line, self._last_line) \
            if import_line and not imports_only else None
        inline = bool(import_line) and (
            imports_only or (spot is None and main_body is None) or
            (spot is not None and (region_around(self.regions, spot.line) is not None or
                                   (main_body is None and spot.line > handler_line))))
        lines = _handler_lines(module_name, handler, unit, indent, interrupt)
        edits = [self._handler_edit(handler_line, indent, lines,
                                    import_line if inline else '', body)]
        if import_line and not inline:
            imported = self._import_edit(spot, anchor_line, import_line, prelude, body)
            if imported.start == edits[0].start:  # right above the handler: one insertion
                edits = [Edit.insert(imported.start, imported.content + edits[0].content)]
            else:
                edits.insert(0, imported)
        region = region_around(self.regions, natural)
        place = f'{"after" if handler_line > natural else "before"} the marked region ' \
            f'`{region.name}`' if region is not None \
            else 'at the top of the `if __name__ == "__main__":` block' if main_body is not None \
            else 'before the imports, one of which starts the program' if imports_only \
            else 'before the first statement that starts the program' if self.main is not None \
            else 'after the imports'
        return self._plan(tuple(edits), place, interrupt)

    def _sigint_plan(self, registrations: Sequence[tuple[cst.Call, Registration]],
                     module_name: str, import_line: str,
                     prelude: Sequence[cst.BaseStatement],
                     imports: Sequence[cst.SimpleStatementLine],
                     body: Sequence[cst.BaseStatement]) -> Plan:
        """The program stops on Ctrl-C through a SIGINT handler of its own (a flag its
        loop checks, an event its coroutine waits for): SIGTERM gets the same
        handler, registered right after each SIGINT registration, so that its
        shutdown runs and it exits the way it chooses. A handler that exits at once
        would skip that shutdown. Only registrations that run whenever the code
        around them runs (a statement of the module, the main block or a function
        the file calls, not inside an `if` or a loop) with arguments that can be
        written again.
        A handler that does nothing but exit (`sys.exit(130)`, `raise
        KeyboardInterrupt`) has no shutdown of its own to run: the file gets the
        usual handler, whose `SystemExit(0)` runs the same `finally` blocks."""
        owners = _StatementOwners()
        self.module.visit(owners)
        edits: list[Edit] = []
        names: list[str] = []
        for call, _registration in registrations:
            line = self._start_line(call)
            statement = owners.statements.get(id(call))
            owner = owners.owner.get(id(statement)) if statement is not None else None
            mirrored = _mirrored_call(self.module, call, f'{module_name}.SIGTERM')
            if statement is None or mirrored is None or not (
                    isinstance(owner, cst.Module) or
                    (isinstance(owner, cst.FunctionDef) and
                     owner.name.value in self.scanner.called) or
                    (owner is self.main and owner is not None)):
                return self._no_fix(line, f'it handles SIGINT (Ctrl-C) its own way (line '
                                          f'{line}), in a way the fix cannot repeat for '
                                          f'SIGTERM; register the same handler for SIGTERM')
            after = self._last_line(statement) + 1
            region = region_around(self.regions, after) or region_around(self.regions, line)
            if region is not None:
                return self._no_fix(line, f'the handler would go inside the marked region '
                                          f'`{region.name}` (lines {region.first}-'
                                          f'{region.last}), which must not be edited')
            at = self._line_start(after)
            nl = self._newline(self._line_start(line))
            indent = self.source.line_text(line)[:self.positions[statement].start.column]
            unit = self.module.default_indent
            content = nl if at == len(self.text) and not self.text.endswith('\n') else ''
            content += nl.join([
                f'{indent}# On SIGTERM (docker stop), stop as on Ctrl-C: the same handler.',
                f'{indent}if {module_name}.getsignal({module_name}.SIGTERM) is '
                f'{module_name}.SIG_DFL:',
                f'{indent}{unit}{mirrored}',
            ]) + nl
            edits.append(Edit.insert(at, content))
            handler = call.args[1].value if len(call.args) > 1 else None
            names.append(f'`{self.module.code_for_node(handler)}` (line {line})'
                         if isinstance(handler, (cst.Name, cst.Attribute)) else f'line {line}')
        if import_line:
            spot = signal_import_spot(imports, self._attached_line, self._last_line)
            if spot is not None and region_around(self.regions, spot.line) is not None:
                return self._no_fix(spot.line, 'the `import signal` would go inside a marked '
                                               'region, which must not be edited')
            anchor_line = self._last_line(prelude[-1]) + 1 if prelude else \
                self._first_line(body[0])
            edits.insert(0, self._import_edit(spot, anchor_line, import_line, prelude, body))
        edits.sort(key=lambda edit: edit.start)
        sigint = ', '.join(names)
        return self._plan(tuple(edits), 'after its SIGINT registration', '')._replace(
            sigint=sigint)

    def _import_edit(self, spot: ImportSpot | None, anchor_line: int, import_line: str,
                     prelude: Sequence[cst.BaseStatement],
                     body: Sequence[cst.BaseStatement]) -> Edit:
        if spot is not None:
            at = self._line_start(spot.line)
            nl = self._newline(at)
            return Edit.insert(at, import_line + nl + (nl if spot.new_section else ''))
        # After `from __future__` imports or a docstring: a section of its own.
        at = self._line_start(anchor_line)
        nl = self._newline(at)
        before = nl if at == len(self.text) and self.text and not self.text.endswith('\n') \
            else ''
        if prelude:
            before += nl
        after = nl
        if not prelude and body:
            after += nl * (2 if isinstance(body[0], (cst.FunctionDef, cst.ClassDef)) else 1)
        return Edit.insert(at, before + import_line + after)

    def _handler_edit(self, line: int, indent: str, lines: list[str], import_line: str,
                      body: Sequence[cst.BaseStatement]) -> Edit:
        text = self.text
        at = self._line_start(line)
        nl = self._newline(at)
        content = nl if at == len(text) and text and not text.endswith('\n') else ''
        top_level = not indent
        after_header = self.main is not None and not top_level and \
            line == self._start_line(self.main) + 1
        previous = self.source.line_text(line - 1).strip() if line > 1 else ''
        if import_line and top_level:
            # A section of its own: one blank line after code above it (a
            # docstring, `from __future__`), none after a header comment.
            if previous and not previous.startswith('#'):
                content += nl
            content += import_line + nl + nl * 2
        elif previous and not after_header:
            content += nl * (2 if top_level else 1)
        if import_line and not top_level:
            content += indent + import_line + nl
        content += nl.join(lines) + nl
        if not self._blank_at(at):
            follower = next((s for s in body if self._first_line(s) >= line), None)
            two = top_level and isinstance(follower, (cst.FunctionDef, cst.ClassDef))
            content += nl * (2 if two else 1)
        return Edit.insert(at, content)

    def _plan(self, edits: tuple[Edit, ...], place: str, interrupt: str) -> Plan:
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
        return Plan(start, end, edits, place, interrupt=interrupt)

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


_EXITS = frozenset({'sys.exit', 'exit', 'quit', 'os._exit'})


def _only_exits(call: cst.Call, module: cst.Module) -> bool:
    """Does the handler ``call`` registers (its second argument) do nothing but exit
    or raise: a function of the module whose body is one such statement, or such a
    lambda?"""
    if len(call.args) < 2:
        return False
    handler = call.args[1].value
    if isinstance(handler, cst.Lambda):
        body = handler.body
        return isinstance(body, cst.Call) and dotted_name(body.func) in _EXITS
    if not isinstance(handler, cst.Name):
        return False
    function = next((s for s in module.body if isinstance(s, cst.FunctionDef)
                     and s.name.value == handler.value), None)
    if function is None or not isinstance(function.body, (cst.IndentedBlock,
                                                          cst.SimpleStatementSuite)):
        return False
    statements = [s for s in function.body.body if not _is_docstring(s)] \
        if isinstance(function.body, cst.IndentedBlock) else \
        [cst.SimpleStatementLine(body=function.body.body)]
    if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine) or \
            len(statements[0].body) != 1:
        return False
    small = statements[0].body[0]
    return isinstance(small, cst.Raise) or (
        isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and
        dotted_name(small.value.func) in _EXITS)


class _StatementOwners(cst.CSTVisitor):
    """For each call, the simple statement it is the whole of (``signal.signal(...)``
    on a line of its own); for each simple statement, the module or compound
    statement whose body holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.statements: dict[int, cst.SimpleStatementLine] = {}
        self.owner: dict[int, cst.CSTNode] = {}
        self._stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.SimpleStatementLine):
            if self._stack:
                self.owner[id(node)] = self._stack[-1]
            if len(node.body) == 1 and isinstance(node.body[0], cst.Expr) and \
                    isinstance(node.body[0].value, cst.Call):
                self.statements[id(node.body[0].value)] = node
        if isinstance(node, (cst.Module, cst.BaseCompoundStatement)):
            self._stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.Module, cst.BaseCompoundStatement)):
            self._stack.pop()


# Calls that may be made again for the same answer: the running event loop.
_REPEATABLE_CALLS = frozenset({'get_running_loop', 'get_event_loop'})


def _repeatable(node: cst.BaseExpression, callee: bool = False) -> bool:
    """Can ``node`` be evaluated a second time with the same result and no side
    effect? Names, attributes, literals, lambdas; in a callee, the event loop."""
    if isinstance(node, (cst.Name, cst.Lambda, cst.Integer, cst.SimpleString)):
        return True
    if isinstance(node, cst.Attribute):
        return _repeatable(node.value, callee)
    return callee and isinstance(node, cst.Call) and not node.args and \
        last_name(node.func) in _REPEATABLE_CALLS and _repeatable(node.func, callee)


def _mirrored_call(module: cst.Module, call: cst.Call, sigterm: str) -> str | None:
    """``call`` written again for ``sigterm`` (its first argument replaced), or
    None when it cannot be repeated as it is: keywords, ``*args``, or an
    argument or callee that might do something else the second time."""
    args = call.args
    if not args or any(a.keyword is not None or a.star for a in args) or \
            not _repeatable(call.func, callee=True) or \
            not all(_repeatable(a.value) for a in args[1:]):
        return None
    rest = ''.join(f', {module.code_for_node(a.value)}' for a in args[1:])
    return f'{module.code_for_node(call.func)}({sigterm}{rest})'


def _handler_lines(module: str, handler: str, unit: str, indent: str,
                   interrupt: str) -> list[str]:
    """The handler, one line per item (an empty item is a blank line).

    ``interrupt`` names where the program's ``except KeyboardInterrupt``
    shutdown is; SIGTERM then raises KeyboardInterrupt, as Ctrl-C does.
    """
    install = f'{indent}if {module}.getsignal({module}.SIGTERM) is {module}.SIG_DFL:'
    if interrupt:
        return [
            f'{indent}# On SIGTERM (docker stop), raise KeyboardInterrupt as Ctrl-C does, so that',
            f'{indent}# the `except KeyboardInterrupt` shutdown {interrupt} runs.',
            install,
            f'{indent}{unit}{module}.signal({module}.SIGTERM, {module}.default_int_handler)',
        ]
    blank = ['', ''] if not indent else ['']  # PEP 8: two at top level, one inside a block
    return [
        f'{indent}# On SIGTERM (docker stop), exit with status 0: SystemExit runs `finally`',
        f'{indent}# blocks, `with` exits and atexit handlers on the way out.',
        f'{indent}def {handler}(signum, frame):',
        f'{indent}{unit}raise SystemExit(0)',
        *blank,
        install,
        f'{indent}{unit}{module}.signal({module}.SIGTERM, {handler})',
    ]
