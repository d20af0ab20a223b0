"""Threads that keep a Python program alive after its main thread has ended.

MC201's handler ends the main thread on SIGTERM (``SystemExit`` or
``KeyboardInterrupt``); the interpreter then waits for every thread that is not
a daemon thread, and for the work items a ``ThreadPoolExecutor`` is running
(``concurrent.futures`` joins its workers at exit). A thread whose function
loops forever never ends, so the process would still not stop: the finding
would go away and ``docker stop`` would still end in SIGKILL. Such a file gets
no fix; the finding says which function keeps it alive.

What counts, read with the stdlib ``ast``: a function of the file whose body
has a ``while True:`` (or ``while 1:``) loop with no ``break`` or ``return``
in it, started as ``threading.Thread(target=f)`` without ``daemon=True``, or
given to an executor's ``submit(f, ...)`` or ``map(f, ...)``, or to
``loop.run_in_executor(None, f)``. A file that makes
a thread a daemon after creating it (``t.daemon = True``, ``setDaemon``) is
taken at its word.
"""
from __future__ import annotations

import ast

from modcon.named_tuple import NamedTuple
from modcon.readers.python.syntax import dotted_name


class EndlessThread(NamedTuple):
    function: str  # the function that loops forever
    line: int  # where the thread is started or the work submitted


def endless_thread(module: ast.Module) -> EndlessThread | None:
    """The first thread of ``module`` that would keep the process alive forever."""
    forever = {node.name for node in ast.walk(module)
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
               and _loops_forever(node)}
    if not forever or _made_daemon_later(module):
        return None
    for node in ast.walk(module):
        if not isinstance(node, ast.Call):
            continue
        target = _thread_target(node) or _submitted(node)
        if target in forever:
            return EndlessThread(target, node.lineno)
    return None


def _loops_forever(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(node, ast.While) and _always_true(node.test) and not _leaves(node)
               for node in _own_nodes(function.body))


def _always_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _leaves(loop: ast.While) -> bool:
    """Whether the loop can end other than by an exception: a ``break`` of its own (not
    of a loop inside it) or a ``return``."""
    todo: list[ast.AST] = list(loop.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Return):
            return True
        if isinstance(node, ast.Break):
            return True
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            todo.extend(n for n in ast.walk(node) if isinstance(n, ast.Return))
            continue  # its breaks end that loop, not this one
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        todo.extend(ast.iter_child_nodes(node))
    return False


def _own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """The nodes of a function's body, not those of the functions and classes in it."""
    found: list[ast.AST] = []
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return found


def _thread_target(call: ast.Call) -> str | None:
    """``f`` of ``Thread(target=f)`` that is not made a daemon thread."""
    if dotted_name(call.func).rsplit('.', 1)[-1] != 'Thread':
        return None
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    daemon = keywords.get('daemon')
    if daemon is not None and not (isinstance(daemon, ast.Constant) and not daemon.value):
        return None  # daemon=True, or a value modcon cannot read
    target = keywords.get('target')
    return target.id if isinstance(target, ast.Name) else None


def _submitted(call: ast.Call) -> str | None:
    """``f`` of ``executor.submit(f, ...)``, ``executor.map(f, ...)`` or
    ``loop.run_in_executor(executor, f)`` (its default executor is a thread pool)."""
    if not isinstance(call.func, ast.Attribute):
        return None
    position = {'submit': 0, 'map': 0, 'run_in_executor': 1}.get(call.func.attr)
    if position is None or len(call.args) <= position:
        return None
    given = call.args[position]
    return given.id if isinstance(given, ast.Name) else None


def _made_daemon_later(module: ast.Module) -> bool:
    for node in ast.walk(module):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == 'daemon' for t in node.targets):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == 'setDaemon':
            return True
    return False
