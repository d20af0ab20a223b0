"""Where a Python program's ``logging`` writes files, read with the stdlib ``ast``.

Two rules use this: MC131 (Dockerfile) links the files whose path is a
constant, and MC230 (Python) reports the handlers a link cannot serve:
rotating ones, and paths computed at run time.

``ast`` rather than libcst, on purpose: MC131 reads the entrypoint code
while checking a Dockerfile, and a Dockerfile check must not import libcst
(about 130 ms); ``ast`` is part of the interpreter and parses in C. MC230's
only edit (dropping ``filename=`` from ``basicConfig``) is a deletion of
argument ranges, which ``ast``'s end positions give exactly.

Recognised, through the file's imports (``import logging as lg``,
``from logging.handlers import RotatingFileHandler as RFH``):

* ``logging.FileHandler``, ``logging.handlers.WatchedFileHandler``,
  ``RotatingFileHandler`` and ``TimedRotatingFileHandler`` calls;
* ``logging.basicConfig(filename=...)``;
* ``dictConfig``-style dictionaries: any dict literal whose ``"class"`` is
  one of those handlers and that has a ``"filename"``.

A path is constant when it is a string literal, an f-string without
placeholders, a module-level name assigned once to a constant,
``os.path.join`` or ``pathlib.Path`` of constants (``/`` included), or
``str()`` of one of these.
"""
from __future__ import annotations

import ast
import posixpath

from modcon.named_tuple import NamedTuple
from modcon.readers.python.syntax import parse
from modcon.readers.python.syntax import span
from modcon.source import SourceFile

FILE_HANDLERS = {
    'logging.FileHandler': 'FileHandler',
    'logging.handlers.WatchedFileHandler': 'WatchedFileHandler',
    'logging.handlers.RotatingFileHandler': 'RotatingFileHandler',
    'logging.handlers.TimedRotatingFileHandler': 'TimedRotatingFileHandler',
}
_HANDLER_CLASSES = frozenset(FILE_HANDLERS.values())
ROTATING = frozenset(('RotatingFileHandler', 'TimedRotatingFileHandler'))
_ENV_LOOKUPS = frozenset(('os.environ.get', 'os.getenv'))
_CHDIRS = frozenset(('os.chdir', 'os.fchdir'))
_JOINS = frozenset(('os.path.join', 'posixpath.join', 'pathlib.Path', 'pathlib.PurePath',
                    'pathlib.PosixPath', 'pathlib.PurePosixPath'))


class Span(NamedTuple):
    start: int  # character offsets into the source text
    end: int


class FileLog(NamedTuple):
    """One place where ``logging`` is told to write a file."""

    kind: str  # 'FileHandler', ..., 'basicConfig' or 'dictConfig'
    handler: str  # the handler class it creates ('FileHandler' for basicConfig)
    path: str | None  # the constant path, as written (maybe relative)
    path_source: str  # the path expression's source text, for messages
    env: str | None  # the environment variable the path comes from, if one does
    env_optional: bool  # `os.environ.get(X)` without a default: no file unless X is set
    line: int
    span: Span  # the call (or dict) in the source
    argument_spans: tuple[tuple[str | None, Span], ...]  # basicConfig's arguments (keyword, span)
    closing: int  # offset of the call's closing parenthesis (basicConfig)
    chdir: int = 0  # the line of an `os.chdir` in the file (0: none): a relative path moves
    makes_dir: int = 0  # the line of a `mkdir`/`makedirs` that fails on an existing folder

    @property
    def rotating(self) -> bool:
        return self.handler in ROTATING


def file_logs(text: str) -> list[FileLog] | None:
    """Every file ``logging`` is set up to write in ``text``; None if it does not parse."""
    if 'logging' not in text:
        return []  # nothing of logging is used: skip the parse
    module = parse(text)
    return None if module is None else file_logs_in(text, module)


def file_logs_in(text: str, module: ast.Module) -> list[FileLog]:
    """``file_logs`` for ``text`` already parsed (``module``)."""
    return _Reader(text, module).read()


class _Reader:
    def __init__(self, text: str, module: ast.Module) -> None:
        self.text = text
        self.file = SourceFile('', text)
        self.module = module
        self.aliases: dict[str, str] = {}  # local name -> qualified name
        self.constants: dict[str, ast.expr] = {}
        self.parents: dict[int, ast.AST] | None = None  # built on first need

    # -- positions ------------------------------------------------------------

    def span(self, node: ast.AST) -> Span:
        return Span(*span(self.file, node))

    def source(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    # -- names ----------------------------------------------------------------

    def collect(self) -> None:
        assigned: dict[str, int] = {}
        for node in ast.walk(self.module):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split('.', 1)[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f'{node.module}.{alias.name}'
        for statement in self.module.body:
            targets: list[ast.expr] = []
            value = None
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                targets, value = [statement.target], statement.value
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = assigned.get(target.id, 0) + 1
                    self.constants[target.id] = value  # type: ignore[assignment]
        for name, count in assigned.items():
            if count != 1:
                self.constants.pop(name, None)  # reassigned: not a constant

    def qualified(self, node: ast.expr) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        root = self.aliases.get(node.id)
        if root is None:
            return None
        return '.'.join([root, *reversed(parts)])

    # -- values ---------------------------------------------------------------

    def constant(self, node: ast.expr | None, depth: int = 0) -> str | None:
        if node is None or depth > 8:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    if value.conversion != -1 or value.format_spec is not None:
                        return None
                    parts.append(self.constant(value.value, depth + 1))
                else:
                    parts.append(self.constant(value, depth + 1))
            if any(p is None for p in parts):
                return None
            return ''.join(parts)  # type: ignore[arg-type]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.constant(node.left, depth + 1), self.constant(node.right, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.Name):
            return self.constant(self.constants.get(node.id), depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = self.constant(node.left, depth + 1), self.constant(node.right, depth + 1)
            return posixpath.join(left, right) if left is not None and right is not None \
                else None
        if isinstance(node, ast.Call) and not node.keywords:
            name = self.qualified(node.func)
            if name in _JOINS:
                parts = [self.constant(a, depth + 1) for a in node.args]
                if parts and all(p is not None for p in parts):
                    return posixpath.join(*parts)  # type: ignore[arg-type]
            if isinstance(node.func, ast.Name) and node.func.id == 'str' and len(node.args) == 1:
                return self.constant(node.args[0], depth + 1)
        return None

    def env(self, node: ast.expr | None, depth: int = 0) -> tuple[str, bool] | None:
        """``(VAR, optional)`` when ``node`` reads the environment variable VAR."""
        if node is None or depth > 8:
            return None
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.env(self.constants[node.id], depth + 1)
        if isinstance(node, ast.Subscript) and self.qualified(node.value) == 'os.environ':
            key = self.constant(node.slice)
            return (key, False) if key is not None else None
        if isinstance(node, ast.Call) and self.qualified(node.func) in _ENV_LOOKUPS and node.args:
            key = self.constant(node.args[0])
            if key is None:
                return None
            default = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == 'default'), None)
            optional = default is None or (isinstance(default, ast.Constant) and
                                           default.value is None)
            return key, optional
        return None

    # -- the search -----------------------------------------------------------

    def read(self) -> list[FileLog]:
        self.collect()
        found: list[FileLog] = []
        chdir = makes_dir = 0
        for node in ast.walk(self.module):
            if isinstance(node, ast.Call):
                found.extend(self.call(node))
                name = self.qualified(node.func)
                if name in _CHDIRS:
                    chdir = chdir or node.lineno
                elif self.fails_if_exists(node, name):
                    makes_dir = makes_dir or node.lineno
            elif isinstance(node, ast.Dict):
                found.extend(self.dict_config(node))
        found.sort(key=lambda f: f.span.start)
        if chdir or makes_dir:
            found = [f._replace(chdir=chdir, makes_dir=makes_dir) for f in found]
        return found

    def fails_if_exists(self, node: ast.Call, name: str | None) -> bool:
        """`os.mkdir(...)`, `os.makedirs(...)` or `<path>.mkdir(...)` without
        `exist_ok=True`, outside an `if` or `try` that would guard it: it raises
        FileExistsError when the folder is already there."""
        if name == 'os.mkdir':
            pass
        elif name == 'os.makedirs' or (name is None and isinstance(node.func, ast.Attribute) and
                                       node.func.attr == 'mkdir'):
            exist_ok = next((k.value for k in node.keywords if k.arg == 'exist_ok'), None)
            if name == 'os.makedirs' and len(node.args) >= 3:
                exist_ok = node.args[2]
            elif name is None and len(node.args) >= 3:
                exist_ok = node.args[2]
            if exist_ok is not None and not (isinstance(exist_ok, ast.Constant) and
                                             not exist_ok.value):
                return False
        else:
            return False
        return not self.guarded(node)

    def guarded(self, node: ast.AST) -> bool:
        if self.parents is None:
            self.parents = {}
            for parent in ast.walk(self.module):
                for child in ast.iter_child_nodes(parent):
                    self.parents[id(child)] = parent
        current = self.parents.get(id(node))
        while current is not None:
            if isinstance(current, (ast.If, ast.Try, ast.IfExp)) or \
                    type(current).__name__ == 'TryStar':
                return True
            current = self.parents.get(id(current))
        return False

    def _log(self, kind: str, handler: str, path_node: ast.expr | None, node: ast.AST,
             arguments: tuple[tuple[str | None, Span], ...] = (), closing: int = 0) -> FileLog:
        env = self.env(path_node)
        return FileLog(
            kind=kind, handler=handler, path=self.constant(path_node),
            path_source=self.source(path_node) if path_node is not None else '',
            env=env[0] if env else None, env_optional=bool(env and env[1]),
            line=node.lineno, span=self.span(node),  # type: ignore[attr-defined]
            argument_spans=arguments, closing=closing,
        )

    def call(self, node: ast.Call) -> list[FileLog]:
        name = self.qualified(node.func)
        if name in FILE_HANDLERS:
            path = node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg == 'filename'), None)
            return [self._log(FILE_HANDLERS[name], FILE_HANDLERS[name], path, node)]
        if name == 'logging.basicConfig':
            filename = next((k.value for k in node.keywords if k.arg == 'filename'), None)
            if filename is None or any(k.arg in ('handlers', 'stream') for k in node.keywords):
                return []
            arguments = tuple((None, self.span(a)) for a in node.args) + tuple(
                (k.arg, self._keyword_span(k)) for k in node.keywords)
            end = self.span(node).end
            return [self._log('basicConfig', 'FileHandler', filename, node,
                              tuple(sorted(arguments, key=lambda a: a[1].start)), end - 1)]
        return []

    def _keyword_span(self, keyword: ast.keyword) -> Span:
        return Span(self.span(keyword).start, self.span(keyword.value).end)  # also `**kwargs`

    def dict_config(self, node: ast.Dict) -> list[FileLog]:
        entries = {self.constant(k): v for k, v in zip(node.keys, node.values)
                   if k is not None}
        handler_class = self.constant(entries.get('class')) or ''
        handler = handler_class.rsplit('.', 1)[-1]  # also `logging.handlers.FileHandler`
        if not handler_class.startswith('logging') or handler not in _HANDLER_CLASSES or \
                'filename' not in entries:
            return []
        return [self._log('dictConfig', handler, entries['filename'], node)]
