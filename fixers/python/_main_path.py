"""What a Python program's main path does, read from its libcst tree.

The main path is the code that runs when the file is the program: its
module-level statements (the ``if __name__ == "__main__":`` block included)
and the functions of the same file they call, directly and by name, in the
main thread. Two questions are answered here for ``modcon.fixers.python._signals``:

* does the main path stop through ``except KeyboardInterrupt`` (a gRPC
  server's ``server.stop(grace)``, a worker's "bye")? Then SIGTERM has to reach
  that same ``except`` block, not skip it with ``SystemExit``;
* which module-level statements may start the program (``main()``,
  ``app.run()``, ``asyncio.run(...)``, a ``while`` loop), so that a handler is
  installed before the first of them, and a module that only defines things
  (a Flask app that ``wsgi.py`` imports) gets no handler at all.

Functions are followed by name only (``main()``, not ``self.run()`` nor a
thread's ``target=``), and ``async def`` bodies are not: a KeyboardInterrupt
raised while an event loop runs leaves the loop, so an ``except`` inside a
coroutine never sees it.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from modcon.named_tuple import NamedTuple
from modcon.readers.python.cst_syntax import dotted_name
from modcon.readers.python.cst_syntax import last_name

# Names of calls that start or block a program: `main()`, `app.run()`,
# `server.serve_forever()`, `bot.polling()`, `client.loop_forever()`,
# `execute_from_command_line()`, ... Whole names: `os.path.join()` and
# `asyncio.get_event_loop()` start nothing.
_STARTS = re.compile(r'_*(main|run\w*|serve\w*|start\w*|\w*_forever|\w*polling|poll|listen|'
                     r'wait_for_termination|work|consume\w*|start_consuming|idle|launch\w*|'
                     r'spin\w*|loop|exec\w*|execute\w*)', re.IGNORECASE)
# Module-level calls that only configure: a module made of these starts nothing.
_CONFIGURES = frozenset({'logging.basicConfig', 'load_dotenv', 'dotenv.load_dotenv',
                         'os.environ.setdefault', 'sys.path.insert', 'sys.path.append',
                         'warnings.filterwarnings', 'warnings.simplefilter'})
_EXITS = frozenset({'sys.exit', 'exit', 'quit', 'os._exit'})


class _OwnCode(cst.CSTVisitor):
    """Visits a piece of code, not the bodies of the definitions in it: they
    run only when called, which the main path follows by name."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class _Calls(_OwnCode):
    """Calls in a piece of code, not counting the bodies of nested definitions."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    collector = _Calls()
    node.visit(collector)
    return collector.calls


def _catches_interrupt(handler: cst.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return False
    names = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return any(dotted_name(n) in ('KeyboardInterrupt', 'builtins.KeyboardInterrupt') for n in names)


class _Leaves(cst.CSTVisitor):
    """Does a block leave the loop around it (break, return, raise, sys.exit)?"""

    def __init__(self) -> None:
        super().__init__()
        self.leaves = False

    def visit_Break(self, node: cst.Break) -> None:
        self.leaves = True

    def visit_Return(self, node: cst.Return) -> None:
        self.leaves = True

    def visit_Raise(self, node: cst.Raise) -> None:
        self.leaves = True

    def visit_Call(self, node: cst.Call) -> None:
        if dotted_name(node.func) in _EXITS:
            self.leaves = True


class _InterruptCatches(_OwnCode):
    """`except KeyboardInterrupt` blocks that end the program, and the calls around them.

    A handler inside a loop that neither breaks, returns, raises nor exits
    swallows the interrupt and goes on (`except KeyboardInterrupt: continue`):
    it is not a way to stop, so it does not count.
    """

    def __init__(self) -> None:
        super().__init__()
        self.handlers: list[cst.ExceptHandler] = []
        self._loops = 0

    def visit_While(self, node: cst.While) -> None:
        self._loops += 1

    def leave_While(self, original_node: cst.While) -> None:
        self._loops -= 1

    def visit_For(self, node: cst.For) -> None:
        self._loops += 1

    def leave_For(self, original_node: cst.For) -> None:
        self._loops -= 1

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if not _catches_interrupt(node):
            return
        if self._loops:
            leaves = _Leaves()
            node.body.visit(leaves)
            if not leaves.leaves:
                return
        self.handlers.append(node)


class Catch(NamedTuple):
    handler: cst.ExceptHandler
    function: str  # the function it is in; '' at module level


class MainPath:
    """The main path of one module."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.defs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}

    def _reachable(self) -> Iterator[tuple[cst.CSTNode, str]]:
        """The module's own statements, then every sync function they call by name
        (each with the name of the function it is, '' for module level)."""
        roots: list[tuple[cst.CSTNode, str]] = [
            (s, '') for s in self.module.body
            if not isinstance(s, (cst.FunctionDef, cst.ClassDef))]
        seen: set[str] = set()
        while roots:
            node, function = roots.pop(0)
            yield node, function
            for call in _calls(node):
                name = dotted_name(call.func)
                target = self.defs.get(name)
                if target is not None and name not in seen and target.asynchronous is None:
                    seen.add(name)
                    roots.append((target.body, name))

    def interrupt_catch(self) -> Catch | None:
        """The first `except KeyboardInterrupt` on the main path that ends the program."""
        for node, function in self._reachable():
            catches = _InterruptCatches()
            node.visit(catches)
            if catches.handlers:
                return Catch(catches.handlers[0], function)
        return None

    def starts_program(self, statement: cst.BaseStatement) -> bool:
        """May this module-level statement start the program (or block in it)?"""
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            return False
        if isinstance(statement, (cst.While, cst.For)):
            return True
        return any(self._starts(call) for call in _calls(statement))

    def _starts(self, call: cst.Call) -> bool:
        name = dotted_name(call.func)
        return name in self.defs or bool(_STARTS.fullmatch(last_name(call.func)))

    def starts_nothing(self) -> bool:
        """Does running this module only define things (a Flask app for `wsgi.py`)?

        Definitions, imports, assignments that call nothing that starts, and
        calls that configure (`app.register_blueprint(bp)` on a module-level
        name, `logging.basicConfig()`); anything else may start the program.
        """
        assigned = {dotted_name(t.target) for s in self.module.body
                    if isinstance(s, cst.SimpleStatementLine)
                    for small in s.body if isinstance(small, cst.Assign)
                    for t in small.targets}
        return all(self._inert(s, assigned) for s in self.module.body)

    def _inert(self, statement: cst.BaseStatement, assigned: set[str]) -> bool:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            return True
        if isinstance(statement, (cst.If, cst.Try)):
            blocks = [statement.body, *getattr(statement, 'handlers', ()),
                      getattr(statement, 'orelse', None), getattr(statement, 'finalbody', None)]
            return all(self._inert(s, assigned) for block in blocks if block is not None
                       for s in _statements(block))
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom, cst.Pass)):
                continue
            if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                if any(self._starts(c) for c in _calls(small)):
                    return False
                continue
            if isinstance(small, cst.Expr):
                value = small.value
                if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
                    continue
                if isinstance(value, cst.Call) and self._configures(value, assigned):
                    continue
            return False
        return True

    def _configures(self, call: cst.Call, assigned: set[str]) -> bool:
        if any(self._starts(c) for c in _calls(call)):
            return False
        name = dotted_name(call.func)
        if name in _CONFIGURES:
            return True
        receiver = name.rpartition('.')[0]
        return bool(receiver) and receiver.split('.')[0] in assigned


def _statements(block: cst.CSTNode) -> list[cst.BaseStatement]:
    if isinstance(block, cst.If):  # an `elif`
        return [block]
    if isinstance(block, (cst.ExceptHandler, cst.Else, cst.Finally)):
        block = block.body
    if isinstance(block, cst.IndentedBlock):
        return list(block.body)
    if isinstance(block, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=block.body)]
    return []
