"""Threads that keep a Python program alive after its main thread has ended.

MC201's handler ends the main thread on SIGTERM (``SystemExit`` or
``KeyboardInterrupt``); the interpreter then waits for every thread that is not
a daemon thread, and for the work items a ``ThreadPoolExecutor`` is running
(``concurrent.futures`` joins its workers at exit). A thread whose function
loops forever never ends, so the process would still not stop: the finding
would go away and ``docker stop`` would still end in SIGKILL. Such a file gets
no fix; the finding says which function keeps it alive.

What counts, read with the stdlib ``ast``: a function or method of the file
whose body has a ``while True:`` (or ``while 1:``) loop with no ``break`` or
``return`` in it, or that calls such a function by name, started as
``threading.Thread(target=f)`` without ``daemon=True`` (also ``target=obj.f``,
``target=lambda: f(...)`` and ``target=functools.partial(f, ...)``), or given
to an executor's ``submit(f, ...)`` or ``map(f, ...)``, or to
``loop.run_in_executor(None, f)``; a library method named for never returning
(``target=server.serve_forever``); and a subclass of ``Thread`` whose ``run()``
loops forever, created in the file. Methods are matched by name only, whatever
the object: that errs towards no fix, never towards a fix that leaves the
container hanging. A file that makes a thread a daemon after creating it
(``t.daemon = True``, ``setDaemon``, ``super().__init__(daemon=True)``) is taken
at its word.
"""
from __future__ import annotations

import ast

from modcon.named_tuple import NamedTuple
from modcon.readers.python.syntax import dotted_name

# Library methods named for never returning: `server.serve_forever`, `loop.run_forever`,
# paho-mqtt's `client.loop_forever`.
_FOREVER_SUFFIX = '_forever'


class EndlessThread(NamedTuple):
    function: str  # the function that loops forever
    line: int  # where the thread is started or the work submitted


def endless_thread(module: ast.Module) -> EndlessThread | None:
    """The first thread of ``module`` that would keep the process alive forever."""
    forever = _forever(module)
    if not forever or _made_daemon_later(module):
        return None
    classes = _endless_thread_classes(module, forever)
    for node in ast.walk(module):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in classes:
            return EndlessThread(f'{node.func.id}.run', node.lineno)
        for target in (_thread_target(node), _submitted(node)):
            name = _runs_forever(target, forever)
            if name is not None:
                return EndlessThread(name, node.lineno)
    return None


def _forever(module: ast.Module) -> set[str]:
    """The names of the functions and methods that never return: a ``while True:``
    loop of their own, or a call by name to such a function."""
    functions = [node for node in ast.walk(module)
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    forever = {f.name for f in functions if _loops_forever(f)}
    grown = True
    while grown:
        grown = False
        for function in functions:
            if function.name not in forever and any(
                    _called_name(node) in forever for node in _own_nodes(function.body)
                    if isinstance(node, ast.Expr)):
                forever.add(function.name)
                grown = True
    return forever


def _called_name(statement: ast.Expr) -> str | None:
    """``f`` of a statement that is just a call ``f()`` or ``obj.f()``."""
    call = statement.value
    if not isinstance(call, ast.Call):
        return None
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _runs_forever(target: ast.expr | None, forever: set[str]) -> str | None:
    """The function that never returns that a thread's ``target`` runs, if any."""
    if isinstance(target, ast.Name) and target.id in forever:
        return target.id
    if isinstance(target, ast.Attribute) and (target.attr in forever or
                                              target.attr.endswith(_FOREVER_SUFFIX)):
        return target.attr
    if isinstance(target, ast.Lambda):
        return next((name for node in ast.walk(target.body) if isinstance(node, ast.Call)
                     for name in [_runs_forever(node.func, forever)] if name is not None),
                    None)
    if isinstance(target, ast.Call) and dotted_name(target.func).rsplit('.', 1)[-1] == \
            'partial' and target.args:
        return _runs_forever(target.args[0], forever)
    return None


def _endless_thread_classes(module: ast.Module, forever: set[str]) -> set[str]:
    """Subclasses of ``Thread`` whose ``run()`` never returns, not made daemons in
    their own code (``super().__init__(daemon=True)``)."""
    found = set()
    for node in ast.walk(module):
        if not isinstance(node, ast.ClassDef) or not any(
                dotted_name(base).rsplit('.', 1)[-1] == 'Thread' for base in node.bases):
            continue
        runs = [f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == 'run']
        daemon = any(isinstance(call, ast.Call) and
                     any(k.arg == 'daemon' for k in call.keywords)
                     for call in ast.walk(node))
        if runs and not daemon and (_loops_forever(runs[0]) or any(
                _called_name(n) in forever for n in _own_nodes(runs[0].body)
                if isinstance(n, ast.Expr))):
            found.add(node.name)
    return found


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


def _thread_target(call: ast.Call) -> ast.expr | None:
    """``target`` of ``Thread(target=...)`` that is not made a daemon thread."""
    if dotted_name(call.func).rsplit('.', 1)[-1] != 'Thread':
        return None
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    daemon = keywords.get('daemon')
    if daemon is not None and not (isinstance(daemon, ast.Constant) and not daemon.value):
        return None  # daemon=True, or a value modcon cannot read
    return keywords.get('target')


def _submitted(call: ast.Call) -> ast.expr | None:
    """``f`` of ``executor.submit(f, ...)``, ``executor.map(f, ...)`` or
    ``loop.run_in_executor(executor, f)`` (its default executor is a thread pool)."""
    if not isinstance(call.func, ast.Attribute):
        return None
    position = {'submit': 0, 'map': 0, 'run_in_executor': 1}.get(call.func.attr)
    if position is None or len(call.args) <= position:
        return None
    return call.args[position]


def _made_daemon_later(module: ast.Module) -> bool:
    for node in ast.walk(module):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == 'daemon' for t in node.targets):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == 'setDaemon':
            return True
    return False
