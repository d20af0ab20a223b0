"""Where a Python main program turns a failure into exit status 0.

Two shapes, read with the stdlib ``ast`` (positions are converted from
UTF-8 byte columns to characters):

* **exit 0 in an error path**: ``sys.exit(0)``, ``sys.exit()``, ``exit()``,
  ``os._exit(0)`` or ``raise SystemExit`` as a statement of an ``except``
  handler that catches everything (bare ``except:``, ``Exception``,
  ``BaseException``). A handler for a specific exception may well mean
  "nothing to do" and is left alone.
* **a swallowing handler at the end**: the program's last statement (at
  module level, in the ``if __name__ == "__main__":`` block, or in the
  ``main()`` function that block calls) is a ``try`` whose catch-all
  handler neither raises nor exits non-zero, so the program ends normally
  after the error.

Each finding comes with the edit that makes the status 1: the ``0``
becomes ``1``, or ``raise SystemExit(1)`` ends the handler (replacing a
final ``pass`` or bare ``return``).
"""
from __future__ import annotations

import ast

from modcon.model import Edit
from modcon.named_tuple import NamedTuple
from modcon.readers.python.syntax import dotted_name
from modcon.readers.python.syntax import span
from modcon.source import SourceFile

BROAD = frozenset(('Exception', 'BaseException'))
EXITS = frozenset(('sys.exit', 'exit', 'quit', 'os._exit', '_exit'))
# Helpers whose name says they end the program; a handler ending in one is not swallowing.
DYING = frozenset(('die', 'fail', 'fatal', 'abort', 'bail', 'panic', 'exit_with_error'))
RAISE = 'raise SystemExit(1)'


class Swallowed(NamedTuple):
    start: int  # the handler (the finding's range)
    end: int
    kind: str  # 'exit-zero' or 'swallow'
    what: str  # the statement or handler, for the message
    line: int
    edit: Edit | None


def _broad(handler: ast.ExceptHandler) -> str | None:
    """``except:``/``except Exception`` as written, or None for a specific handler."""
    if handler.type is None:
        return 'except:'
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for name in names:
        if dotted_name(name) in BROAD:
            return f'except {dotted_name(name)}'
    return None


def _zero_status(value: ast.expr | None) -> bool:
    """No value, or a literal 0, None or False: what ends a program with status 0."""
    return value is None or (isinstance(value, ast.Constant) and value.value in (0, None, False))


def _zero(args: list[ast.expr]) -> bool:
    return _zero_status(args[0] if args else None)


class _Reader:
    def __init__(self, source: SourceFile, tree: ast.Module) -> None:
        self.source = source
        self.tree = tree
        self.functions = {n.name: n for n in tree.body
                          if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def span(self, node: ast.AST) -> tuple[int, int]:
        return span(self.source, node)

    # -- exit 0 in a catch-all handler -----------------------------------------------

    def exit_zero(self) -> list[Swallowed]:
        found = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.ExceptHandler) or _broad(node) is None:
                continue
            for statement in node.body:
                edit, what = self._zero_exit(statement)
                if what:
                    start, end = self.span(node)
                    found.append(Swallowed(start, end, 'exit-zero', what, statement.lineno,
                                           edit))
        return found

    def _zero_exit(self, statement: ast.stmt) -> tuple[Edit | None, str]:
        """The edit that turns an exit-0 statement into exit 1, and how it reads."""
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            name = dotted_name(call.func)
            if name in EXITS and _zero(call.args) and not call.keywords:
                return self._status_one(call), self.source.text[slice(*self.span(call))]
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            exc = statement.exc
            if dotted_name(exc) == 'SystemExit':  # `raise SystemExit`
                end = self.span(exc)[1]
                return Edit(end, end, '(1)'), 'raise SystemExit'
            if isinstance(exc, ast.Call) and dotted_name(exc.func) == 'SystemExit' and \
                    _zero(exc.args):
                return self._status_one(exc), self.source.text[slice(*self.span(statement))]
        return None, ''

    def _status_one(self, call: ast.Call) -> Edit:
        """The edit that makes the status ``call`` passes 1."""
        if call.args:
            return Edit(*self.span(call.args[0]), '1')
        end = self.span(call)[1]
        return Edit(end - 1, end - 1, '1')  # `sys.exit()` -> `sys.exit(1)`

    # -- a swallowing handler at the end ---------------------------------------------

    def swallow(self) -> Swallowed | None:
        body: list[ast.stmt] = self.tree.body
        main = next((s for s in body if isinstance(s, ast.If) and _is_main_guard(s)), None)
        last = body[-1] if body else None
        if main is not None:
            last = main.body[-1]
        if last is None:
            return None
        called, returns_status = _called_main(last)
        if called is not None and called in self.functions:
            inner = list(self.functions[called].body)
            # `return 0` after the try is the same end as falling off the function.
            while len(inner) > 1 and isinstance(inner[-1], ast.Return) and \
                    _zero_status(inner[-1].value):
                inner.pop()
            found = self._swallowing_try(inner[-1], in_function=True,
                                         status_from_return=returns_status)
            if found is not None:
                return found
        return self._swallowing_try(last, in_function=False, status_from_return=False)

    def _swallowing_try(self, statement: ast.stmt, in_function: bool,
                        status_from_return: bool) -> Swallowed | None:
        if not isinstance(statement, ast.Try) or not _does_work(statement.body):
            return None
        for handler in statement.handlers:
            written = _broad(handler)
            if written is None or self._ends_program(handler, status_from_return):
                continue
            start, end = self.span(handler)
            return Swallowed(start, end, 'swallow', written, handler.lineno,
                             self._raise_edit(handler, in_function))
        return None

    def _ends_program(self, handler: ast.ExceptHandler, status_from_return: bool) -> bool:
        for node in ast.walk(handler):
            if isinstance(node, ast.Raise):
                return True
            if isinstance(node, ast.Call):
                name = dotted_name(node.func)
                if name in EXITS:
                    return True  # exit(0) is the other shape, reported on its own
                if name.rsplit('.', 1)[-1] in DYING or (
                        name in self.functions and _exits(self.functions[name])):
                    return True
            if isinstance(node, ast.Return) and status_from_return and \
                    not _zero_status(node.value):
                return True
        return False

    def _raise_edit(self, handler: ast.ExceptHandler, in_function: bool) -> Edit | None:
        last = handler.body[-1]
        replaceable = isinstance(last, ast.Pass) or (
            in_function and isinstance(last, ast.Return) and _zero_status(last.value))
        if replaceable:
            return Edit(*self.span(last), RAISE)
        if last.lineno == handler.lineno:
            return None  # `except Exception: log(e)` on one line: no place for a new line
        first = handler.body[0]
        line_start = self.source.offset(first.lineno)
        indent = self.source.text[line_start:self.span(first)[0]]
        if indent.strip():
            return None  # `x = 1; y = 2` style bodies: leave them alone
        end = self.span(last)[1]
        newline = self.source.newline_at(end)
        return Edit.insert(end, f'{newline}{indent}{RAISE}')


def _is_main_guard(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
            and test.left.id == '__name__' and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == '__main__')


def _called_main(statement: ast.stmt) -> tuple[str | None, bool]:
    """``main()`` / ``asyncio.run(main())`` / ``sys.exit(main())``: the function, and
    whether its return value becomes the exit status."""
    value: ast.expr | None = None
    if isinstance(statement, ast.Expr):
        value = statement.value
    elif isinstance(statement, ast.Raise) and isinstance(statement.exc, ast.Call) and \
            dotted_name(statement.exc.func) == 'SystemExit' and statement.exc.args:
        inner = statement.exc.args[0]
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
            return inner.func.id, True
    if not isinstance(value, ast.Call):
        return None, False
    name = dotted_name(value.func)
    if name in ('sys.exit', 'exit') and value.args and isinstance(value.args[0], ast.Call):
        inner = value.args[0]
        if isinstance(inner.func, ast.Name):
            return inner.func.id, True
        if dotted_name(inner.func) == 'asyncio.run' and inner.args and \
                isinstance(inner.args[0], ast.Call) and isinstance(inner.args[0].func, ast.Name):
            return inner.args[0].func.id, True
    if name == 'asyncio.run' and value.args and isinstance(value.args[0], ast.Call) and \
            isinstance(value.args[0].func, ast.Name):
        return value.args[0].func.id, False
    if isinstance(value.func, ast.Name):
        return value.func.id, False
    return None, False


def _does_work(body: list[ast.stmt]) -> bool:
    """The try body does something (not only imports or `pass`)."""
    return any(not isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass)) for s in body)


def _exits(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.Call) and dotted_name(node.func) in EXITS and not _zero(node.args):
            return True
    return False


def swallowed(source: SourceFile, tree: ast.Module) -> list[Swallowed]:
    """Every place where ``source`` (parsed: ``tree``), run as a program, exits 0
    after a failure."""
    reader = _Reader(source, tree)
    found = reader.exit_zero()
    tail = reader.swallow()
    if tail is not None and not any(f.start == tail.start for f in found):
        found.append(tail)
    return sorted(found, key=lambda f: f.start)
