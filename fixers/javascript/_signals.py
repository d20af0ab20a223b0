"""Does a Node.js entrypoint handle SIGTERM, and where would a handler go?

As PID 1 of a container, Node gets no default signal actions: SIGTERM is
dropped unless the program installs a listener (nodejs/docker-node,
docs/BestPractices.md). This module reads a JavaScript file with
tree-sitter-javascript and answers two questions for MC401:

* is SIGTERM handled, or might it be? Any doubt counts as handled, because
  a second handler that calls ``process.exit`` would cut the first one's
  cleanup short;
* if not, which text to insert where, in the file's own style (quotes,
  semicolons, indentation, line endings), without touching anything else.
  A program that shuts down on Ctrl-C through a SIGINT listener the fix cannot
  run for SIGTERM too (an inline function, one registered inside a function,
  several) gets no fix: a handler that just exits would skip that shutdown. A
  listener that only closes the kept servers and exits is what the handler does.

Offsets are character offsets into the text (tree-sitter counts UTF-8 bytes;
``modcon.readers.treesitter_text`` converts).
"""
from __future__ import annotations

import re
from collections.abc import Collection
from collections.abc import Iterator

from modcon.lazyregex import lazy_compile
from modcon.named_tuple import NamedTuple
from modcon.readers.javascript.grammar import javascript_parser
from modcon.readers.treesitter_text import TreeSitterText
from modcon.regions import Region
from modcon.regions import enclosing
from modcon.regions import marked_regions
from modcon.source import SourceFile

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from tree_sitter import Node

# Libraries known to register a SIGTERM listener themselves: importing one
# means "handled" (no finding). Each entry was checked in the library source.
KNOWN_HANDLERS: dict[str, str] = {
    '@godaddy/terminus': 'createTerminus(server) calls process.on(sig) for `signals`, '
                         'default [SIGTERM] (lib/terminus.js)',
    'lightship': "createLightship() calls process.on(signal) for `signals`, default "
                 "SIGTERM, SIGHUP, SIGINT, except in 'local mode' outside Kubernetes "
                 '(src/factories/createLightship.ts)',
    'http-graceful-shutdown': "GracefulShutdown(server) listens to `signals`, default "
                              "'SIGINT SIGTERM' (lib/index.js)",
    'close-with-grace': "closeWithGrace() calls process.once('SIGTERM') (index.js)",
    'exit-hook': "exitHook() calls process.once('SIGTERM') (index.js, source/index.ts)",
}
# Libraries whose name sounds like shutdown handling but that install no
# signal listener: the program still needs its own.
NO_HANDLER: dict[str, str] = {
    'http-terminator': 'createHttpTerminator() only returns terminate(); no process.on '
                       '(src/factories/createInternalHttpTerminator.ts)',
}
# A method call on a NestJS application that installs process.on(signal)
# listeners (packages/core/nest-application-context.ts).
HANDLER_CALLS = frozenset({'enableShutdownHooks'})
# An import whose name has one of these words (`./lib/graceful-shutdown`,
# `./onExit`, `node-cleanup`, `death`) may install a handler we cannot see;
# stay silent rather than add a second one. Whole words only: `signale` is a
# logger.
SUGGESTIVE_WORDS = frozenset({
    'graceful', 'gracefully', 'shutdown', 'terminate', 'terminator', 'termination',
    'terminus', 'signal', 'signals', 'exit', 'death', 'cleanup', 'lifecycle',
})
_CAMEL = lazy_compile(r'([a-z0-9])([A-Z])')
_WORD_SPLIT = lazy_compile(r'[^a-z0-9]+')
LISTEN_METHODS = frozenset({'on', 'once', 'addListener', 'prependListener',
                            'prependOnceListener'})
SERVER_MODULES = frozenset({'http', 'https', 'http2', 'net', 'tls'})
SERVER_FACTORIES = frozenset({'createServer', 'createSecureServer'})
# Any `.listen()` returns a server with close(callback): net.Server's own,
# express and connect (`var server = http.createServer(this); return
# server.listen.apply(server, arguments)`), koa (`return server.listen(...)`),
# socket.io, restify; so does any `createServer()`.
# Frameworks whose listen() returns a Promise, not the server; the instance
# itself closes its server and waits for requests in progress: fastify's
# close(callback) (fastify.js), so the handler closes the instance.
CLOSABLE_APPS = frozenset({'fastify'})
# Modules whose createServer() returns a Promise (vite's dev server).
PROMISE_FACTORIES = frozenset({'vite'})
PROCESS_MODULES = frozenset({'process'})
# How long the handler waits for server.close() before it exits anyway.
# close() stops new connections and, since Node 19, drops idle keep-alive
# ones; but a connection that is busy at SIGTERM stays open after its answer
# (measured on Node 20: the next answers still say `keep-alive`), so a client
# that keeps reusing it holds close() forever, and one that merely keeps it
# open holds it until keepAliveTimeout (5 s). 5 s is half Docker's 10 s
# default grace period: the exit stays ours (status 0), not SIGKILL's (137),
# and a request cut at 5 s would have been cut at 10 s without the fix.
FALLBACK_MS = 5000

_STATEMENT_TYPES = frozenset({
    'expression_statement', 'lexical_declaration', 'variable_declaration',
    'return_statement', 'throw_statement', 'break_statement', 'continue_statement',
    'import_statement', 'debugger_statement',
})
_ASI_HAZARDS = tuple('([`+-/')


class Handler(NamedTuple):
    """A SIGTERM handler to insert, and the part of the file the finding covers."""

    start: int  # the finding: the server statement, or the file up to the insertion
    end: int
    at: int  # where ``content`` goes
    content: str
    servers: tuple[str, ...]  # the servers the handler closes (may be empty)
    reuses: str | None = None  # the program's own SIGINT handler, now run on SIGTERM too
    keep: tuple[int, str] | None = None  # (offset, `const server = `): keep what listen() returns
    no_fix_reason: str = ''  # set when nothing is to be inserted (``content`` is empty)


def plan_sigterm_handler(text: str) -> Handler | None:
    """The handler to add to ``text``, or None: SIGTERM is (or may be) handled
    already, nothing runs, or the file does not parse."""
    src = TreeSitterText(text)
    tree = javascript_parser().parse(src.data)
    root = tree.root_node
    if root.has_error:
        # A syntax error, or one of tree-sitter's rare misreadings (it wants a
        # `;` between an import and a line starting with `(`): not ours to judge.
        return None
    if _may_handle_sigterm(root, src):
        return None
    statements = [n for n in root.named_children
                  if n.type not in ('comment', 'hash_bang_line', 'empty_statement')]
    if not statements:
        return None
    servers, unkept = _top_level_servers(statements, src)
    source = SourceFile('', text)
    style = _Style.of(root, src)
    own = _sigint_handler(statements, src)
    kept = tuple(dict.fromkeys(name for name, _ in servers))
    listeners = [n for n in _sigint_listeners(root, src)
                 if (own is None or n.start_byte < own[1].start_byte
                     or n.end_byte > own[1].end_byte)
                 and not _closes_and_exits_only(n, kept, src)]
    if listeners:
        # The program shuts down on Ctrl-C in a way the fix cannot run on SIGTERM
        # too (an inline listener, one inside a function, or several): a handler that
        # just exits would skip that shutdown.
        first = listeners[0]
        row = first.start_point.row + 1
        start = source.offset(row)
        reason = (f'it shuts down on Ctrl-C through its own SIGINT listener (line {row}), '
                  f'which SIGTERM should run too: give that listener a name and add '
                  f'`process.on({style.quoted("SIGTERM")}, name)` beside it')
        return Handler(start, start + len(source.line_text(row)), start, '', kept,
                       no_fix_reason=reason)
    regions = _regions(root, src)
    keep = None
    if own is None and not servers and len(unkept) == 1 and \
            enclosing(src.char(unkept[0].start_byte), regions) is None:
        # `app.listen(3000)` alone: keep the server it returns, so the handler
        # can close it (outside marked regions only).
        name = _unused_name('server', text)
        keep = (src.char(unkept[0].start_byte), f'const {name} = ')
        servers = [(name, unkept[0])]
    if own is not None:
        # The program's own shutdown: run it on SIGTERM too, as Node would
        # without PID 1 (it likely closes the servers itself).
        reuses, statement = own
        names: tuple[str, ...] = ()
        at = _after_row(statement, src)
        start = src.char(statement.start_byte)
        indent = _indent_of(source, start)
        body = [f'process.on({style.quoted("SIGTERM")}, {reuses}){style.semicolon}']
    elif servers:
        names = tuple(dict.fromkeys(name for name, _ in servers))
        anchor = max((st for _, st in servers), key=lambda st: st.end_byte)
        at = _after_row(anchor, src)
        start = src.char(anchor.start_byte)
        indent = _indent_of(source, start)
        body = _close_and_exit(names, style)
    else:
        names = ()
        prologue = []
        for st in statements:
            if not _is_prologue(st):
                break
            prologue.append(st)
        if prologue:
            at = _after_row(prologue[-1], src)
        else:
            at = _before(statements[0], root, src, source)
        start = 0
        indent = _indent_of(source, src.char(statements[0].start_byte))
        body = [f'process.on({style.quoted("SIGTERM")}, () => process.exit(0)){style.semicolon}']
    at = _clear_of_regions(at, regions)
    nxt = next((n for n in statements if src.char(n.start_byte) >= at), None)
    hazard = nxt is not None and src.raw(nxt).startswith(_ASI_HAZARDS)
    content = _content(source, at, body, indent, style, hazard)
    return Handler(start, _past_blank_lines(source, at), at, content, names,
                   own[0] if own is not None else None, keep)


def _may_handle_sigterm(root: Node, src: TreeSitterText) -> bool:
    """True when the file handles SIGTERM or might: a mention of SIGTERM in
    code, a listener on a computed event, a known handler library, an import
    that may install one, ``process`` passed around."""
    stack = [root]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind == 'comment':
            continue
        if kind in ('string', 'template_string'):
            if 'SIGTERM' in src.raw(node) and not _is_kill_argument(node):
                return True
            stack.extend(c for c in node.named_children if c.type == 'template_substitution')
            continue
        if node.child_count == 0:
            word = src.raw(node)
            if 'SIGTERM' in word or word in HANDLER_CALLS:
                return True
            if word == 'process' and kind != 'property_identifier' and \
                    not _plain_process_use(node, src):
                return True
            continue
        if kind == 'call_expression':
            if _call_may_handle(node, src):
                return True
        elif kind == 'import_statement' or (kind == 'export_statement'
                                            and node.child_by_field_name('source')):
            side_effect = kind == 'export_statement' or not any(
                c.type == 'import_clause' for c in node.named_children)
            if _import_may_handle(_literal(node.child_by_field_name('source'), src),
                                  side_effect):
                return True
        stack.extend(node.children)
    return False


def _call_may_handle(call: Node, src: TreeSitterText) -> bool:
    function = call.child_by_field_name('function')
    arguments = call.child_by_field_name('arguments')
    if function is None or arguments is None:
        return False
    args = arguments.named_children
    if function.type == 'import' or (function.type == 'identifier'
                                     and src.raw(function) == 'require'):
        spec = _literal(args[0], src) if len(args) == 1 else None
        parent = call.parent
        while parent is not None and parent.type in ('await_expression',
                                                     'parenthesized_expression'):
            parent = parent.parent
        return _import_may_handle(spec, parent is not None
                                  and parent.type == 'expression_statement')
    if function.type == 'member_expression':
        prop = function.child_by_field_name('property')
        obj = function.child_by_field_name('object')
        if prop is not None and src.raw(prop) in LISTEN_METHODS and _is_process(obj, src):
            # process.on(<anything but a string literal>, ...) might be SIGTERM
            return not args or _literal(args[0], src) is None
    return False


def _is_process(node: Node | None, src: TreeSitterText) -> bool:
    if node is None:
        return False
    if node.type == 'identifier':
        return src.raw(node) == 'process'
    if node.type == 'member_expression':
        obj = node.child_by_field_name('object')
        prop = node.child_by_field_name('property')
        return (obj is not None and prop is not None and src.raw(prop) == 'process'
                and src.raw(obj) in ('globalThis', 'global'))
    return False


def _plain_process_use(node: Node, src: TreeSitterText) -> bool:
    """``process.x`` or an import of the process module; anything else (an
    alias, an argument, a shadowing binding) might install a handler."""
    parent = node.parent
    if parent is None or node.type != 'identifier':
        return False
    if parent.type == 'member_expression' and parent.child_by_field_name('object') == node:
        return True
    if parent.type == 'variable_declarator' and parent.child_by_field_name('name') == node:
        return _module_name(_require_spec(parent.child_by_field_name('value'), src)) \
            in PROCESS_MODULES
    statement: Node | None = parent
    while statement is not None and statement.type != 'import_statement':
        if statement.type not in ('import_clause', 'namespace_import', 'named_imports',
                                  'import_specifier'):
            return False
        statement = statement.parent
    if statement is None:
        return False
    return _module_name(_literal(statement.child_by_field_name('source'), src)) \
        in PROCESS_MODULES


def _is_kill_argument(node: Node) -> bool:
    """``process.kill(pid, 'SIGTERM')``, ``child.kill('SIGTERM')``: sending, not handling."""
    arguments = node.parent
    if arguments is None or arguments.type != 'arguments':
        return False
    call = arguments.parent
    function = call.child_by_field_name('function') if call is not None else None
    if function is None:
        return False
    if function.type == 'member_expression':
        function = function.child_by_field_name('property')
    return function is not None and function.text == b'kill'


def _import_may_handle(spec: str | None, side_effect: bool) -> bool:
    if spec is None:
        return True  # require(variable): could be anything
    package = _package_name(spec)
    if package in KNOWN_HANDLERS:
        return True
    if package in NO_HANDLER:
        return False
    words = _WORD_SPLIT.split(_CAMEL.sub(r'\1-\2', spec).lower())
    if SUGGESTIVE_WORDS.intersection(words):
        return True
    # `require('./server')` for its side effects: the program lives there,
    # and so may its handler.
    return side_effect and spec.startswith(('.', '/'))


def _package_name(spec: str) -> str:
    parts = spec.split('/')
    return '/'.join(parts[:2]) if spec.startswith('@') else parts[0]


def _module_name(spec: str | None) -> str | None:
    if spec is None:
        return None
    return spec[5:] if spec.startswith('node:') else spec


def _literal(node: Node | None, src: TreeSitterText) -> str | None:
    """The value of a string literal or a template literal without substitutions."""
    if node is None or node.type not in ('string', 'template_string'):
        return None
    if any(c.type not in ('string_fragment',) for c in node.named_children):
        return None  # substitutions or escape sequences: not a plain literal
    return src.raw(node)[1:-1]


def _require_spec(node: Node | None, src: TreeSitterText) -> str | None:
    """'m' for ``require('m')``."""
    node = _unwrap(node)
    if node is None or node.type != 'call_expression':
        return None
    function = node.child_by_field_name('function')
    arguments = node.child_by_field_name('arguments')
    if function is None or arguments is None or function.type != 'identifier' \
            or src.raw(function) != 'require' or len(arguments.named_children) != 1:
        return None
    return _literal(arguments.named_children[0], src)


def _unwrap(node: Node | None) -> Node | None:
    while node is not None and node.type == 'parenthesized_expression':
        node = node.named_children[0] if node.named_children else None
    return node


class _Scope:
    """What the top level binds: modules, direct server factories, fastify instances."""

    def __init__(self, src: TreeSitterText) -> None:
        self.src = src
        self.modules: dict[str, str] = {}  # local name -> module ('http', 'express', ...)
        self.factories: set[str] = set()  # createServer imported by name from a server module
        self.closable: set[str] = set()  # fastify instances: listen() returns a Promise

    def bind_import(self, statement: Node) -> None:
        module = _module_name(_literal(statement.child_by_field_name('source'), self.src))
        if module is None:
            return
        for clause in statement.named_children:
            if clause.type != 'import_clause':
                continue
            for part in clause.named_children:
                if part.type == 'identifier':  # default import
                    self.modules[self.src.raw(part)] = module
                elif part.type == 'namespace_import':
                    for bound in part.named_children:
                        self.modules[self.src.raw(bound)] = module
                elif part.type == 'named_imports' and module in SERVER_MODULES:
                    for spec in part.named_children:
                        name = spec.child_by_field_name('name')
                        alias = spec.child_by_field_name('alias') or name
                        if name is not None and alias is not None and \
                                self.src.raw(name) in SERVER_FACTORIES:
                            self.factories.add(self.src.raw(alias))

    def bind_require(self, pattern: Node, module: str) -> None:
        if pattern.type == 'identifier':
            self.modules[self.src.raw(pattern)] = module
        elif pattern.type == 'object_pattern' and module in SERVER_MODULES:
            for part in pattern.named_children:
                if part.type == 'shorthand_property_identifier_pattern' and \
                        self.src.raw(part) in SERVER_FACTORIES:
                    self.factories.add(self.src.raw(part))
                elif part.type == 'pair_pattern':
                    key = part.child_by_field_name('key')
                    value = part.child_by_field_name('value')
                    if key is not None and value is not None and value.type == 'identifier' \
                            and self.src.raw(key) in SERVER_FACTORIES:
                        self.factories.add(self.src.raw(value))

    def is_closable_app(self, node: Node | None) -> bool:
        """``fastify()``, ``require('fastify')({...})``, ``Fastify()`` imported from 'fastify'."""
        node = _unwrap(node)
        return node is not None and node.type == 'call_expression' and \
            self._called_module(node) in CLOSABLE_APPS

    def _called_module(self, call: Node) -> str | None:
        """'express' for ``express()`` and ``require('express')()``."""
        function = _unwrap(call.child_by_field_name('function'))
        if function is None:
            return None
        if function.type == 'identifier':
            return self.modules.get(self.src.raw(function))
        return _module_name(_require_spec(function, self.src))

    def is_server(self, node: Node | None) -> bool:
        """An expression whose value is a server with ``close(callback)``: what
        ``createServer()`` or ``.listen()`` returns, whatever the receiver
        (``app.app.listen()``, an app from a local module), except where it is
        known to be a Promise (fastify, vite)."""
        node = _unwrap(node)
        if node is not None and node.type == 'await_expression' and node.named_children:
            node = _unwrap(node.named_children[0])  # `await app.listen()`: the same server
        if node is None or node.type != 'call_expression':
            return False
        function = node.child_by_field_name('function')
        if function is None:
            return False
        if function.type == 'identifier':
            return self.src.raw(function) in self.factories
        if function.type != 'member_expression':
            return False
        obj = _unwrap(function.child_by_field_name('object'))
        prop = function.child_by_field_name('property')
        if obj is None or prop is None:
            return False
        method = self.src.raw(prop)
        if method in SERVER_FACTORIES:  # http.createServer(), restify.createServer(), ...
            module = self.modules.get(self.src.raw(obj)) if obj.type == 'identifier' else \
                _module_name(_require_spec(obj, self.src))
            return module not in PROMISE_FACTORIES
        if method == 'listen':  # server.listen() returns the server; so does app.listen()
            if obj.type == 'identifier':
                return self.src.raw(obj) not in self.closable
            return not self.is_closable_app(obj)
        return False


def _top_level_servers(statements: list[Node], src: TreeSitterText
                       ) -> tuple[list[tuple[str, Node]], list[Node]]:
    """(name, statement) for each top-level statement that keeps a server in a
    variable; and the statements that start one without keeping it
    (``app.listen(3000);``)."""
    scope = _Scope(src)
    servers: list[tuple[str, Node]] = []
    unkept: list[Node] = []
    for statement in statements:
        if statement.type == 'import_statement':
            scope.bind_import(statement)
            continue
        declaration = statement
        if statement.type == 'export_statement':
            exported = statement.child_by_field_name('declaration')
            if exported is None:
                continue
            declaration = exported
        if declaration.type in ('lexical_declaration', 'variable_declaration'):
            for declarator in declaration.named_children:
                if declarator.type != 'variable_declarator':
                    continue
                name = declarator.child_by_field_name('name')
                value = declarator.child_by_field_name('value')
                if name is None or value is None:
                    continue
                module = _module_name(_require_spec(value, src))
                if module is not None:
                    scope.bind_require(name, module)
                elif name.type != 'identifier':
                    continue
                elif scope.is_closable_app(value):
                    scope.closable.add(src.raw(name))
                    servers.append((src.raw(name), statement))
                elif scope.is_server(value):
                    servers.append((src.raw(name), statement))
        elif declaration.type == 'expression_statement':
            expression = _unwrap(declaration.named_children[0]) \
                if declaration.named_children else None
            if expression is not None and expression.type == 'assignment_expression':
                left = expression.child_by_field_name('left')
                right = expression.child_by_field_name('right')
                if left is not None and left.type == 'identifier' and scope.is_server(right):
                    servers.append((src.raw(left), statement))
            elif declaration is statement and expression is not None and \
                    _is_listen_call(expression, src) and scope.is_server(expression):
                unkept.append(statement)
    return servers, unkept


def _is_listen_call(node: Node, src: TreeSitterText) -> bool:
    function = node.child_by_field_name('function') if node.type == 'call_expression' else None
    prop = function.child_by_field_name('property') \
        if function is not None and function.type == 'member_expression' else None
    return prop is not None and src.raw(prop) == 'listen'


def _unused_name(name: str, text: str) -> str:
    """``name``, or ``name2``, ... : a word that appears nowhere in ``text``."""
    candidate, n = name, 1
    while re.search(rf'\b{candidate}\b', text):
        n += 1
        candidate = f'{name}{n}'
    return candidate


def _sigint_handler(statements: list[Node], src: TreeSitterText) -> tuple[str, Node] | None:
    """(name, statement) for a top-level ``process.on('SIGINT', name)``: a
    named function the program already runs to shut down on Ctrl-C."""
    for statement in statements:
        if statement.type != 'expression_statement' or not statement.named_children:
            continue
        args = _sigint_registration(_unwrap(statement.named_children[0]), src,
                                    ('on', 'once', 'addListener'))
        if args is None or len(args) != 2 or args[1].type != 'identifier':
            continue
        return src.raw(args[1]), statement
    return None


def _sigint_registration(call: Node | None, src: TreeSitterText,
                         methods: Collection[str]) -> list[Node] | None:
    """The arguments of ``call`` when it is ``process.<method>('SIGINT', ...)`` with one of
    ``methods``, else None."""
    if call is None or call.type != 'call_expression':
        return None
    function = call.child_by_field_name('function')
    arguments = call.child_by_field_name('arguments')
    if function is None or arguments is None or function.type != 'member_expression':
        return None
    prop = function.child_by_field_name('property')
    args = arguments.named_children
    if prop is None or src.raw(prop) not in methods or \
            not _is_process(function.child_by_field_name('object'), src) or \
            not args or _literal(args[0], src) != 'SIGINT':
        return None
    return args


def _sigint_listeners(root: Node, src: TreeSitterText) -> list[Node]:
    """Every ``process.on('SIGINT', ...)`` call in the file (``once``,
    ``addListener``, ... too), wherever it is."""
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.named_children))
        if _sigint_registration(node, src, LISTEN_METHODS) is not None:
            found.append(node)
    return sorted(found, key=lambda n: n.start_byte)


def _closes_and_exits_only(listener_call: Node, servers: tuple[str, ...],
                           src: TreeSitterText) -> bool:
    """Does the SIGINT listener of ``listener_call`` do nothing but what the fix's
    handler does: ``process.exit(...)``, and ``close()`` of a server the file keeps
    at its top level (with nothing but ``process.exit`` in the callback)?"""
    arguments = listener_call.child_by_field_name('arguments')
    args = arguments.named_children if arguments is not None else []
    return len(args) == 2 and _only_closes_and_exits(args[1], servers, src)


def _only_closes_and_exits(function: Node, servers: tuple[str, ...],
                           src: TreeSitterText) -> bool:
    if function.type not in ('arrow_function', 'function_expression', 'function'):
        return False
    body = function.child_by_field_name('body')
    if body is None:
        return False
    if body.type != 'statement_block':
        calls = [_unwrap(body)]
    else:
        statements = [n for n in body.named_children if n.type != 'comment']
        if not all(st.type == 'expression_statement' and st.named_children
                   for st in statements):
            return False
        calls = [_unwrap(st.named_children[0]) for st in statements]
    for call in calls:
        if call is None or call.type != 'call_expression':
            return False
        callee = call.child_by_field_name('function')
        arguments = call.child_by_field_name('arguments')
        if callee is None or arguments is None or callee.type != 'member_expression':
            return False
        obj = callee.child_by_field_name('object')
        prop = callee.child_by_field_name('property')
        method = src.raw(prop) if prop is not None else ''
        if method == 'exit' and _is_process(obj, src):
            continue
        args = arguments.named_children
        if method != 'close' or obj is None or obj.type != 'identifier' or \
                src.raw(obj) not in servers or len(args) > 1 or \
                (args and not _only_closes_and_exits(args[0], (), src)):
            return False
    return True


def _is_prologue(statement: Node) -> bool:
    """Directives and imports: the statements a handler may follow, so that it
    is installed before the program starts its work (a top-level ``await`` or
    a long synchronous start-up would otherwise delay it)."""
    if statement.type == 'import_statement':
        return True
    if statement.type in ('lexical_declaration', 'variable_declaration'):
        values = [d.child_by_field_name('value') for d in statement.named_children
                  if d.type == 'variable_declarator']
        return bool(values) and all(_roots_at_require(v) for v in values)
    if statement.type == 'expression_statement' and statement.named_children:
        expression = statement.named_children[0]
        return expression.type == 'string' or _roots_at_require(expression)
    return False


def _roots_at_require(node: Node | None) -> bool:
    """``require('x')``, ``require('x').y``, ``require('dotenv').config()``."""
    while node is not None:
        node = _unwrap(node)
        if node is None:
            return False
        if node.type == 'call_expression':
            function = node.child_by_field_name('function')
            if function is not None and function.type == 'identifier' and \
                    function.text == b'require':
                return True
            node = function
        elif node.type == 'member_expression':
            node = node.child_by_field_name('object')
        else:
            return False
    return False


def _after_row(node: Node, src: TreeSitterText) -> int:
    """The start of the line after ``node`` (and anything else on its last line)."""
    end, row = node.end_byte, node.end_point.row
    sibling = node.next_sibling
    while sibling is not None and sibling.start_point.row == row:
        end, row = sibling.end_byte, sibling.end_point.row
        sibling = sibling.next_sibling
    newline = src.text.find('\n', src.char(end))
    return len(src.text) if newline == -1 else newline + 1


def _before(first: Node, root: Node, src: TreeSitterText, source: SourceFile) -> int:
    """The start of ``first``'s line, above the comments attached to it; a
    comment block that opens the file is a header and stays above."""
    top = first
    sibling = first.prev_named_sibling
    while sibling is not None and sibling.type == 'comment' and \
            sibling.end_point.row + 1 >= top.start_point.row:
        top = sibling
        sibling = sibling.prev_named_sibling
    header_row = 1 if root.named_children and \
        root.named_children[0].type == 'hash_bang_line' else 0
    if top is not first and top.start_point.row <= header_row:
        top = first
    line = source.position(src.char(top.start_byte)).line
    return source.offset(line)


def _regions(root: Node, src: TreeSitterText) -> list[Region]:
    """The parts of the file no edit may go into: `[START x]` ... `[END x]`
    (published documentation snippets) and the statement a `//
    prettier-ignore` comment applies to, with the comment (an insertion
    between the two would take the comment over)."""
    regions = marked_regions(src.text)
    for comment in root.named_children:
        if comment.type != 'comment' or \
                src.raw(comment).strip('/* \t') != 'prettier-ignore':
            continue
        target = comment.next_named_sibling
        while target is not None and target.type == 'comment':
            target = target.next_named_sibling
        if target is not None:
            line_start = src.text.rfind('\n', 0, src.char(comment.start_byte)) + 1
            regions.append(Region('prettier-ignore', line_start, _after_row(target, src)))
    return regions


def _clear_of_regions(at: int, regions: list[Region]) -> int:
    """``at``, or the end of the region it falls in."""
    while (region := enclosing(at, regions)) is not None:
        at = region.end
    return at


def _past_blank_lines(source: SourceFile, at: int) -> int:
    """The start of the first non-blank line from ``at`` on: the finding covers
    the blank lines around the insertion, where a reader sees the new code."""
    text = source.text
    while at < len(text):
        newline = text.find('\n', at)
        if newline == -1 or text[at:newline].strip():
            break
        at = newline + 1
    return at


def _indent_of(source: SourceFile, offset: int) -> str:
    line = source.line_text(source.position(offset).line)
    return line[:len(line) - len(line.lstrip(' \t'))]


class _Style(NamedTuple):
    quote: str
    semicolon: str
    unit: str  # one level of indentation

    def quoted(self, word: str) -> str:
        return f'{self.quote}{word}{self.quote}'

    @classmethod
    def of(cls, root: Node, src: TreeSitterText) -> _Style:
        single = double = with_semicolon = without = tabs = 0
        widths: list[int] = []
        for node in _descendants(root):
            kind = node.type
            if kind == 'string':
                first = src.data[node.start_byte:node.start_byte + 1]
                single += first == b"'"
                double += first == b'"'
            elif kind in _STATEMENT_TYPES or (kind == 'export_statement'
                                              and not node.child_by_field_name('declaration')):
                last = node.children[-1] if node.children else None
                if last is not None and last.type == ';' and last.end_byte > last.start_byte:
                    with_semicolon += 1
                else:
                    without += 1
            if node.is_named and kind != 'comment' and node.start_point.column > 0:
                line_start = node.start_byte - node.start_point.column
                lead = src.data[line_start:node.start_byte]
                if not lead.strip(b' \t') and node.parent is not None and \
                        node.parent.start_byte != node.start_byte:
                    if lead.startswith(b'\t'):
                        tabs += 1
                    else:
                        widths.append(len(lead))
        quote = '"' if double > single else "'"
        semicolon = '' if without > with_semicolon else ';'
        if tabs > len(widths):
            unit = '\t'
        else:
            unit = ' ' * min(min(widths, default=2), 8)
        return cls(quote, semicolon, unit)


def _descendants(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        if node.type not in ('comment', 'string', 'template_string', 'regex'):
            stack.extend(reversed(node.children))


def _close_and_exit(names: tuple[str, ...], style: _Style) -> list[str]:
    """The handler body that closes the servers, then exits 0; exits anyway
    after FALLBACK_MS when busy keep-alive clients hold a server open."""
    s = style.semicolon
    fallback = f'setTimeout(() => process.exit(0), {FALLBACK_MS}).unref(){s}'
    lines = [f'process.on({style.quoted("SIGTERM")}, () => {{']
    if len(names) == 1:
        lines.append(f'\t{names[0]}.close(() => process.exit(0)){s}')
    else:
        pending = _fresh('pending', names)
        closed = _fresh('closed', names)
        lines.append(f'\tlet {pending} = {len(names)}{s}')
        lines.append(f'\tconst {closed} = () => --{pending} || process.exit(0){s}')
        lines.extend(f'\t{name}.close({closed}){s}' for name in names)
    lines.append(f'\t{fallback}')
    lines.append(f'}}){s}')
    return lines


def _fresh(name: str, taken: tuple[str, ...]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f'{name}{n}'
    return candidate


def _content(source: SourceFile, at: int, body: list[str], indent: str, style: _Style,
             hazard: bool) -> str:
    """``body`` as lines in the file's style, with a blank line on each side
    where the neighbouring line is code."""
    text = source.text
    newline = source.newline_at(at - 1 if at > 0 else 0)
    lines = [indent + line.replace('\t', style.unit) if line.startswith('\t')
             else indent + line for line in body]
    if hazard and not style.semicolon:
        # `})` followed by a line that starts with `(`, `[`, ... would become a call.
        lines[-1] += ';'
    block = newline.join(lines)
    before_blank = at == 0 or not source.line_text(source.position(at - 1).line).strip()
    if at == len(text) and not text.endswith('\n'):
        # The last line has no newline, and keeps having none.
        return newline + ('' if before_blank else newline) + block
    after_blank = at == len(text) or not source.line_text(source.position(at).line).strip()
    return ('' if before_blank else newline) + block + newline + ('' if after_blank else newline)
