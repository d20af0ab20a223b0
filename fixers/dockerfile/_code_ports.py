"""The port an entrypoint's code listens on, read from the code without running it.

Only calls that say it plainly count:

* Python (stdlib ``ast``, no libcst on the Dockerfile path):
  ``HTTPServer((host, port), ...)`` and the other ``socketserver`` servers,
  ``wsgiref.simple_server.make_server(host, port, app)``,
  ``sock.bind((host, port))``, ``asyncio.start_server(cb, host, port)``,
  aiohttp ``web.run_app(app, port=...)`` (8080 by default, every interface),
  ``web.TCPSite(runner, host, port)``, waitress ``serve(app, port=...)``
  (8080 by default), Tornado ``app.listen(port)``, and ``.run(host=..., port=...)``
  (Flask, Sanic, uvicorn), where the host must be given and not loopback:
  Flask and uvicorn listen on 127.0.0.1 by default.
* JavaScript (patterns, so tree-sitter-javascript stays out of a Dockerfile
  check): ``server.listen(3000)``, ``app.listen(PORT)`` with
  ``const PORT = process.env.PORT || 3000``, ``listen({ port: 3000 })``.
  Fastify listens on localhost unless ``host`` is given, so its object form
  counts only with a host.

Values go through module constants, ``int(...)``, ``os.environ.get("X", d)``
and ``process.env.X || d``; the image's ``ENV`` wins over the default.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from modcon.fixers.dockerfile._ports import ALL_INTERFACES
from modcon.fixers.dockerfile._ports import LOOPBACK
from modcon.fixers.dockerfile._ports import Port
from modcon.lazyregex import lazy_compile

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    import ast

_SOCKETSERVERS = frozenset(('HTTPServer', 'ThreadingHTTPServer', 'TCPServer',
                            'ThreadingTCPServer', 'ForkingTCPServer', 'WSGIServer'))


def _valid(number: object) -> int | None:
    if isinstance(number, str) and number.strip().isdigit():
        number = int(number)
    if isinstance(number, int) and not isinstance(number, bool) and 0 < number < 65536:
        return number
    return None


# -- Python -------------------------------------------------------------------------


def python_ports(text: str, env: Mapping[str, str]) -> list[tuple[Port, int]]:
    """Ports the Python program listens on, each with the line of the call."""
    if 'listen' not in text and 'serve' not in text and 'run' not in text and \
            'bind' not in text and 'Server' not in text:
        return []
    from modcon.readers.python.syntax import parse

    tree = parse(text)
    return [] if tree is None else _PythonPorts(tree, env).run()


class _PythonPorts:
    # `import ast` in the methods: the JavaScript half of this module runs without it.

    def __init__(self, tree: ast.Module, env: Mapping[str, str]) -> None:
        import ast

        self.tree = tree
        self.env = env
        self.constants: dict[str, ast.expr] = {}
        self.imports: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self.imports.update(a.name.split('.')[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                self.imports.add(node.module.split('.')[0])
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name):
                self.constants[node.targets[0].id] = node.value

    def value(self, node: ast.expr | None, depth: int = 0) -> object:
        """A constant the expression stands for, or None."""
        import ast

        from modcon.readers.python.syntax import dotted_name

        if depth > 5 or node is None:
            return None
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.constants:
            return self.value(self.constants[node.id], depth + 1)
        if isinstance(node, ast.Call):
            name = dotted_name(node.func)
            if name in ('int', 'str') and len(node.args) == 1:
                return self.value(node.args[0], depth + 1)
            if name in ('os.environ.get', 'os.getenv', 'environ.get', 'getenv') and node.args:
                key = self.value(node.args[0], depth + 1)
                if isinstance(key, str) and key in self.env:
                    return self.env[key]
                default = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == 'default'), None)
                return self.value(default, depth + 1)
        if isinstance(node, ast.Subscript) and dotted_name(node.value) in ('os.environ', 'environ'):
            key = self.value(node.slice, depth + 1)
            if isinstance(key, str):
                return self.env.get(key)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            for operand in node.values:  # `os.environ.get("PORT") or 8000`
                found = self.value(operand, depth + 1)
                if found:
                    return found
        return None

    def keyword(self, call: ast.Call, name: str) -> ast.expr | None:
        for kw in call.keywords:
            if kw.arg == name:
                return kw.value
        return None

    def host_ok(self, node: ast.expr | None) -> bool:
        """The host is every interface, or not known to be loopback."""
        host = self.value(node)
        if isinstance(host, str):
            return host not in LOOPBACK
        return True

    def run(self) -> list[tuple[Port, int]]:
        import ast

        found: list[tuple[Port, int]] = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            port = self.call(node)
            if port is not None:
                found.append((port, node.lineno))
        return found

    def call(self, call: ast.Call) -> Port | None:
        import ast

        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else (
            func.id if isinstance(func, ast.Name) else '')
        args = call.args
        if name in _SOCKETSERVERS or name == 'bind':
            if args and isinstance(args[0], ast.Tuple) and len(args[0].elts) == 2:
                host, port = args[0].elts
                number = _valid(self.value(port))
                if number and self.host_ok(host):
                    return Port(number, f'`{name}((..., {number}), ...)`')
            return None
        if name == 'make_server' and len(args) >= 2:
            number = _valid(self.value(args[1]))
            if number and self.host_ok(args[0]):
                return Port(number, f'`make_server(..., {number}, ...)`')
            return None
        if name in ('start_server', 'TCPSite'):
            port_node = args[2] if len(args) > 2 else self.keyword(call, 'port')
            host_node = args[1] if len(args) > 1 else self.keyword(call, 'host')
            number = _valid(self.value(port_node))
            if number is None and name == 'TCPSite' and port_node is None:
                number = 8080  # aiohttp's default
            if number and self.host_ok(host_node):
                return Port(number, f'`{name}(..., {number})`')
            return None
        if name == 'run_app':
            port_node = self.keyword(call, 'port')
            number = _valid(self.value(port_node)) if port_node is not None else 8080
            if number and self.host_ok(self.keyword(call, 'host')):
                return Port(number, f'`run_app(..., port={number})`')
            return None
        if name == 'serve' and 'waitress' in self.imports:
            port_node = self.keyword(call, 'port')
            number = _valid(self.value(port_node)) if port_node is not None else 8080
            if number and self.host_ok(self.keyword(call, 'host')):
                return Port(number, f'`serve(..., port={number})`')
            return None
        if name == 'listen' and 'tornado' in self.imports and args:
            number = _valid(self.value(args[0]))
            if number and self.host_ok(self.keyword(call, 'address')):
                return Port(number, f'`listen({number})`')
            return None
        if name == 'run':
            host_node = self.keyword(call, 'host')
            if host_node is None:
                return None  # Flask, Sanic's dev mode and uvicorn default to 127.0.0.1
            address = self.value(host_node)
            if not isinstance(address, str) or address not in ALL_INTERFACES:
                return None
            port_node = self.keyword(call, 'port')
            number = _valid(self.value(port_node)) if port_node is not None else (
                5000 if 'flask' in self.imports else 8000 if 'uvicorn' in self.imports else None)
            if number:
                return Port(number, f'`run(host={address!r}, port={number})`')
        return None


# -- JavaScript ---------------------------------------------------------------------

_LISTEN = lazy_compile(r'\.listen\(\s*([^,)\n]+)(?:,\s*[\'"]([^\'"]*)[\'"])?')
_LISTEN_OBJECT = lazy_compile(r'\.listen\(\s*\{([^}]*)\}')
_ENV_DEFAULT = lazy_compile(
    r'^(?:parseInt\(|Number\()?\s*process\.env\.([A-Za-z_]\w*)\s*\)?\s*(?:\|\||\?\?)\s*'
    r'(?:parseInt\(|Number\()?\s*[\'"]?(\d{1,5})[\'"]?')
_ENV_ONLY = lazy_compile(r'^(?:parseInt\(|Number\()?\s*process\.env\.([A-Za-z_]\w*)')


def _strip_comments(text: str) -> str:
    """``text`` with ``//`` and ``/* */`` comments blanked (strings kept)."""
    out: list[str] = []
    i = 0
    n = len(text)
    quote = ''
    while i < n:
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == '\\' and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ''
            i += 1
            continue
        if ch in '\'"`':
            quote = ch
            out.append(ch)
            i += 1
            continue
        if text.startswith('//', i):
            end = text.find('\n', i)
            end = n if end == -1 else end
            out.append(' ' * (end - i))
            i = end
            continue
        if text.startswith('/*', i):
            end = text.find('*/', i + 2)
            end = n if end == -1 else end + 2
            out.append(''.join(c if c == '\n' else ' ' for c in text[i:end]))
            i = end
            continue
        out.append(ch)
        i += 1
    return ''.join(out)


def _js_value(expression: str, code: str, env: Mapping[str, str], depth: int = 0) -> int | None:
    expression = expression.strip()
    number = _valid(expression.strip('\'"'))
    if number:
        return number
    match = _ENV_DEFAULT.match(expression)
    if match:
        return _valid(env.get(match[1], match[2]))
    match = _ENV_ONLY.match(expression)
    if match:
        return _valid(env.get(match[1], ''))
    if depth < 3 and re.fullmatch(r'[A-Za-z_$][\w$]*', expression):
        declared = re.search(rf'(?:const|let|var)\s+{re.escape(expression)}\s*=\s*([^;\n]+)',
                             code)
        if declared:
            return _js_value(declared[1], code, env, depth + 1)
    return None


def javascript_ports(text: str, env: Mapping[str, str]) -> list[tuple[Port, int]]:
    """Ports a Node.js program listens on, each with its line."""
    if '.listen(' not in text:
        return []
    code = _strip_comments(text)
    fastify = 'fastify' in code
    found: list[tuple[Port, int]] = []
    for match in _LISTEN_OBJECT.finditer(code):
        body = match[1]
        port_match = re.search(r'\bport\s*:\s*([^,}\n]+)', body)
        host_match = re.search(r'\bhost\s*:\s*[\'"]([^\'"]*)[\'"]', body)
        if port_match is None:
            continue
        if host_match is not None and host_match[1] in LOOPBACK:
            continue
        if fastify and host_match is None:
            continue  # Fastify listens on localhost unless a host is given
        number = _js_value(port_match[1], code, env)
        if number:
            found.append((Port(number, f'`listen({{ port: {number} }})`'),
                          code.count('\n', 0, match.start()) + 1))
    for match in _LISTEN.finditer(code):
        if match[1].lstrip().startswith('{') or (match[2] or '') in LOOPBACK:
            continue
        number = _js_value(match[1], code, env)
        if number:
            found.append((Port(number, f'`.listen({match[1].strip()})`'),
                          code.count('\n', 0, match.start()) + 1))
    return found
