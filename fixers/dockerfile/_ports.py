"""Which TCP ports a container's program listens on, and which ones the image declares.

A port is taken from what the image states, never guessed from a framework's
habits: an option of the start command (``--port 8080``, ``-b 0.0.0.0:8000``,
``--listen :9090``), a positional address where the program defines one
(``manage.py runserver 0.0.0.0:8000``, ``python -m http.server 8000``), or
a call in the entrypoint code (``HTTPServer(("", 8000), ...)``,
``app.listen(3000)``, see ``_code_ports``). A value written as
``$PORT`` or ``${PORT:-8000}`` is read from the image's ``ENV`` or its
default. Addresses on the loopback interface are left out: a port bound to
``127.0.0.1`` cannot be reached through ``EXPOSE`` anyway.
"""
from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from collections.abc import Sequence

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.knowledge.interpreters import is_python
from modcon.named_tuple import NamedTuple

# Patterns, not compiled objects: `re` compiles them on first use, so a
# Dockerfile without ports never pays for them at start-up.
_EXPANSION = r'\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)'
_ADDRESS = r'^(?:[a-z]+://)?(\[[0-9a-fA-F:]*\]|[A-Za-z0-9_.-]*):(\d{1,5})/?$'
LOOPBACK = frozenset(('127.0.0.1', 'localhost', '[::1]', '::1', 'ip6-localhost'))
ALL_INTERFACES = frozenset(('', '0.0.0.0', '::', '[::]', '*'))
# Long options that name the port a program listens on.
PORT_OPTIONS = frozenset(('--port', '--http-port', '--https-port', '--server.port',
                          '--server-port', '--listen-port', '--web-port'))
# Options whose value is an address, `host:port` (or `tcp://host:port`).
ADDRESS_OPTIONS = frozenset(('--bind', '-b', '--listen', '-l', '--addr', '--address',
                             '--http-address', '--web.listen-address', '--http'))
# Programs whose `-p N` is the port they listen on (elsewhere `-p` means other things).
SHORT_P = frozenset(('flask', 'daphne', 'http-server', 'rails', 'puma', 'thin', 'rackup',
                     'hugo', 'jekyll', 'serve', 'live-server', 'json-server', 'php'))
# Launchers that run the next word as the program.
_LAUNCHERS = {'npx': 1, 'poetry': 2, 'pipenv': 2, 'uv': 2, 'bundle': 2, 'pdm': 2,
              'hatch': 2}


class Port(NamedTuple):
    number: int
    how: str  # what states it, for the message: '`--port 8080`'


def expand(raw: str, env: Mapping[str, str]) -> str | None:
    """The value of a shell word with ``$VAR``/``${VAR:-x}`` taken from ``env``.

    Only double quotes and these expansions are understood; anything else
    that a shell would expand gives None.
    """
    def replace(match: re.Match[str]) -> str:
        name = match[1] or match[3]
        value = env.get(name)
        if value is None:
            if match[1] and match[2] is not None:
                return match[2]
            raise KeyError(name)
        return value

    text = raw
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1]
    text = text.replace('"', '')
    try:
        text = re.sub(_EXPANSION, replace, text)
    except KeyError:
        return None
    if any(c in text for c in '$`\'\\*?'):
        return None
    return text


def _port(value: str) -> int | None:
    if value.isdigit() and 0 < int(value) < 65536:
        return int(value)
    return None


def _address_port(value: str) -> int | None:
    """The port of ``host:port`` when the host is every interface (or unnamed)."""
    match = re.match(_ADDRESS, value)
    if match is None:
        return None
    host = match[1]
    if host not in ALL_INTERFACES:
        return None  # loopback cannot be published; a named host is not ours to judge
    return _port(match[2])


def _unwrap(words: list[str | None]) -> list[str | None]:
    """Drop launchers (`npx x`, `poetry run x`) and `python -m`, keeping the program."""
    for _ in range(3):
        if not words or words[0] is None:
            return words
        name = posixpath.basename(words[0])
        if name in _LAUNCHERS:
            words = words[_LAUNCHERS[name]:]
            continue
        if is_python(name) and len(words) > 2 and words[1] == '-m':
            words = words[2:]
            continue
        return words
    return words


def command_ports(raw: Sequence[str], values: Sequence[str | None],
                  env: Mapping[str, str]) -> list[Port]:
    """The ports a program's command line tells it to listen on."""
    words: list[str | None] = [v if v is not None else expand(r, env)
                               for r, v in zip(raw, values)]
    if words and words[0] == 'exec':
        words = words[1:]
    words = _unwrap(words)
    if not words or words[0] is None:
        return []
    program = posixpath.basename(words[0])
    found: list[Port] = []
    for index, word in enumerate(words[1:], start=1):
        if word is None:
            continue
        option, equals, inline = word.partition('=')
        following = words[index + 1] if index + 1 < len(words) else None
        value = inline if equals else following
        if value is None:
            continue
        shown = word if equals else f'{word} {value}'
        if option in PORT_OPTIONS or (option == '-p' and program in SHORT_P) or (
                option.startswith('-Dserver.port') and equals):
            number = _port(value)
            if number is not None:
                found.append(Port(number, f'`{shown}`'))
        elif option in ADDRESS_OPTIONS:
            number = _address_port(value)
            if number is None and option in ('-l', '--listen') and program in SHORT_P | {'serve'}:
                number = _port(value)
            if number is not None:
                found.append(Port(number, f'`{shown}`'))
        elif option == '-S' and program == 'php':  # php -S 0.0.0.0:8000
            number = _address_port(value)
            if number is not None:
                found.append(Port(number, f'`{shown}`'))
    found.extend(_positional(program, words))
    unique: dict[int, Port] = {}
    for port in found:
        unique.setdefault(port.number, port)
    return list(unique.values())


def _positional(program: str, words: list[str | None]) -> list[Port]:
    literal = [w for w in words if w is not None]
    if program == 'http.server':  # python -m http.server [port]: every interface
        rest = [w for i, w in enumerate(literal[1:], 1)
                if not w.startswith('-') and literal[i - 1] not in ('--bind', '-b',
                                                                   '--directory', '-d')]
        number = _port(rest[0]) if rest else 8000
        return [Port(number, f'`http.server {rest[0] if rest else ""}`'.replace(' `', '`'))] \
            if number else []
    if 'runserver' in literal:  # Django: [addr:]port, 127.0.0.1 unless an address is given
        after = literal[literal.index('runserver') + 1:]
        address = next((w for w in after if not w.startswith('-')), None)
        if address is not None and ':' in address:
            number = _address_port(address)
            if number is not None:
                return [Port(number, f'`runserver {address}`')]
    return []


def declared_ports(document: DockerfileDocument, env: Mapping[str, str]) -> set[int] | None:
    """The TCP ports the final image EXPOSEs in this file; None if one is not readable."""
    ports: set[int] = set()
    for stage in document.stages.final_lineage:
        for ins in stage.instructions:
            if ins.name != 'EXPOSE':
                continue
            for raw in ins.args.text.split():
                word = expand(raw, env)
                if word is None:
                    return None
                number, _, protocol = word.partition('/')
                if protocol and protocol.lower() != 'tcp':
                    continue
                low, dash, high = number.partition('-')
                if not low.isdigit() or (dash and not high.isdigit()):
                    return None
                ports.update(range(int(low), int(high if dash else low) + 1))
    return ports
