"""Servers and what they do with ``docker stop``'s SIGTERM when they are PID 1.

One row per server a container's command can start, by program name or
``python -m`` module. ``graceful`` rows stop on SIGTERM by themselves, with
status 0 and within Docker's grace period: modcon leaves them and the code
they load alone. The others are reported by a rule, with the remedy that
works for them (``stops_on``: the signal they do stop on cleanly).

``measured``: the row was measured by running the server as PID 1 of a PID
namespace and sending it the signal (``tests/test_servers.py``; each measured
row has a probe there, and the test fails for a row without one). The other
rows come from the programs' documentation and are not run by the tests
(their programs are not Python packages that install from PyPI).

``server_for(argv, env)`` picks the row for a command (``flask run`` is one
server, ``flask run --reload`` another); ``argv[0]`` is the program's name or
``python -m``'s module.
"""
from __future__ import annotations

import posixpath
from collections.abc import Mapping
from collections.abc import Sequence

from modcon.named_tuple import NamedTuple


class Server(NamedTuple):
    name: str  # as messages name it
    behaviour: str  # what it does on SIGTERM as PID 1
    graceful: bool  # stops by itself on SIGTERM as PID 1 (status 0, in the grace period)
    stops_on: str = 'SIGTERM'  # the signal it stops on cleanly
    measured: bool = False  # see the module doc
    remedy: str = ''  # for the others: what makes `docker stop` work
    drains_on: str = ''  # the signal of its graceful shutdown, when SIGTERM is the fast one


_FLASK_REMEDY = ('declare `STOPSIGNAL SIGINT` so that `docker stop` sends the signal it stops '
                 'on, or serve the app with a production server (gunicorn) that handles SIGTERM')

SERVERS: dict[str, Server] = {
    # -- Python (measured: tests/test_servers.py) ---------------------------------------
    'gunicorn': Server('gunicorn', 'gunicorn stops its workers gracefully on SIGTERM', True,
                       measured=True),
    'uvicorn': Server('uvicorn', 'uvicorn shuts down gracefully on SIGTERM', True,
                      measured=True),
    'hypercorn': Server('hypercorn', 'hypercorn shuts down gracefully on SIGTERM', True,
                        measured=True),
    'daphne': Server('daphne', 'daphne (Twisted) stops its reactor on SIGTERM', True,
                     measured=True),
    'celery': Server('celery', 'celery workers finish their tasks and exit on SIGTERM '
                               '(warm shutdown)', True, measured=True),
    'flask run': Server(
        'the Flask development server (`flask run`)',
        'the Flask development server installs no SIGTERM handler: as PID 1 it ignores '
        'SIGTERM and is killed after the grace period; it stops cleanly on SIGINT',
        False, stops_on='SIGINT', measured=True, remedy=_FLASK_REMEDY),
    'flask run --reload': Server(
        "Werkzeug's reloader (`flask run --reload`, `--debug`)",
        "Werkzeug's reloader exits with status 0 on SIGTERM", True, measured=True),
    'http.server': Server(
        'Python\'s `http.server`',
        '`python -m http.server` installs no SIGTERM handler: as PID 1 it ignores SIGTERM '
        'and is killed after the grace period; it stops cleanly on SIGINT',
        False, stops_on='SIGINT', measured=True,
        remedy='declare `STOPSIGNAL SIGINT` so that `docker stop` sends the signal it stops on'),
    # A library, not a command: `grpc.server(...)` in the program's own code, where MC201
    # adds the handler (listed for the record; server_for never returns it).
    'grpc': Server('a gRPC server (`grpc.server`)',
                   'grpcio installs no SIGTERM handler: as PID 1 the program ignores SIGTERM; '
                   'on SIGINT it dies of KeyboardInterrupt (status 130)', False,
                   stops_on='SIGINT', measured=True),
    # -- others (from their documentation) ------------------------------------------------
    'nginx': Server('nginx', 'nginx stops on SIGTERM (fast) and SIGQUIT (graceful)', True,
                    drains_on='SIGQUIT'),
    'openresty': Server('OpenResty', 'OpenResty (nginx) stops on SIGTERM (fast) and SIGQUIT '
                                     '(graceful)', True, drains_on='SIGQUIT'),
    'httpd': Server('httpd', 'Apache httpd stops on SIGTERM', True),
    'httpd-foreground': Server('httpd', 'Apache httpd stops on SIGTERM', True),
    'apache2-foreground': Server('httpd', 'Apache httpd stops on SIGTERM', True),
    'php-fpm': Server('php-fpm', 'php-fpm stops on SIGTERM', True),
    'caddy': Server('caddy', 'Caddy shuts down gracefully on SIGTERM', True),
    'traefik': Server('traefik', 'Traefik shuts down gracefully on SIGTERM', True),
    'supervisord': Server('supervisord', 'supervisord stops its programs on SIGTERM', True),
    'java': Server('java', 'the JVM runs its shutdown hooks on SIGTERM', True),
    'dotnet': Server('dotnet', '.NET hosts stop gracefully on SIGTERM', True),
    'redis-server': Server('redis-server', 'Redis saves and exits on SIGTERM', True),
    'postgres': Server('postgres', 'PostgreSQL shuts down on SIGTERM (smart shutdown)', True),
    'mongod': Server('mongod', 'MongoDB shuts down cleanly on SIGTERM', True),
    'envoy': Server('envoy', 'Envoy exits on SIGTERM', True),
    'haproxy': Server('haproxy', 'HAProxy stops on SIGTERM', True),
    # -- Node, from node_modules/.bin (measured: tests/test_node_servers.py) -------------
    'next': Server('Next.js (`next start`, `next dev`)',
                   'Next.js exits 0 on SIGTERM, at once', True, measured=True),
    'vue-cli-service': Server('`vue-cli-service serve`',
                              '`vue-cli-service serve` closes its dev server and exits 0 on '
                              'SIGTERM', True, measured=True),
    'nodemon': Server('nodemon',
                      'nodemon passes SIGTERM on to the program it runs (not PID 1 there, so '
                      'it stops at once, through its own handler if it has one), then exits '
                      '143', False, measured=True,
                      remedy='run the program with `node` directly: nodemon restarts it on '
                             'file changes, a development tool'),
}
_TRUE = frozenset(('1', 'true', 't', 'yes', 'y', 'on'))
_NOT_COMMANDS = frozenset(('grpc',))


def server_for(argv: Sequence[str], env: Mapping[str, str]) -> tuple[str, Server] | None:
    """The server ``argv`` starts (its key and row), or None.

    ``argv[0]`` is a program (path allowed) or, for ``python -m``, the module.
    """
    if not argv:
        return None
    name = posixpath.basename(argv[0])
    if name == 'flask':
        return _flask(argv[1:], env)
    if name in SERVERS and name not in _NOT_COMMANDS:
        return name, SERVERS[name]
    return None


def _flask(args: Sequence[str], env: Mapping[str, str]) -> tuple[str, Server] | None:
    """``flask [--app X] [--debug] run [--reload] ...``: the reloader runs with
    ``--reload``, or in debug mode (``--debug``, ``FLASK_DEBUG``) unless ``--no-reload``."""
    if 'run' not in args:
        return None  # flask db upgrade, flask shell, ...: not a server
    debug = env.get('FLASK_DEBUG', '').strip().lower() in _TRUE
    reload: bool | None = None
    for word in args:
        if word == '--debug':
            debug = True
        elif word == '--no-debug':
            debug = False
        elif word == '--reload':
            reload = True
        elif word == '--no-reload':
            reload = False
    key = 'flask run --reload' if (debug if reload is None else reload) else 'flask run'
    return key, SERVERS[key]
