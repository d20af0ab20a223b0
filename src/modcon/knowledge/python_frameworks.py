"""What modcon knows about Python code that deals with SIGTERM on its own.

Two tables, both read by ``modcon.fixers.python._signals``:

* ``REGISTRATIONS``: the calls that install a SIGTERM handler (or wait for the
  signal) directly, such as ``signal.signal(signal.SIGTERM, ...)``;
* ``HANDOFFS``: frameworks that take over the main program and install their
  own SIGTERM handler, such as ``uvicorn.run(app)``. A file that hands over to
  one of them needs no handler of its own; putting one in front would only
  add noise (docs/properties.md, 1a: "do not put yours in front").

Every hand-off entry names its source: the framework code that installs the
handler. Frameworks whose handling could not be confirmed in their code are
left out, so their programs get the handler (harmless: a framework that does
install one later replaces it). Checked and deliberately absent: Tornado
(``tornado/process.py`` handles only SIGCHLD; its IOLoop installs nothing),
``hypercorn.trio.serve`` (``hypercorn/trio/run.py``: no signal handling),
Werkzeug/Flask's ``app.run()`` without the reloader and ``http.server``.
Flask's ``app.run(debug=True)`` is in: it runs Werkzeug's reloader, and
``tests/test_python_signals.py`` runs it as PID 1 and sees it exit 0.

No libcst here: the tables are plain data, importable for docs and tests
without the parser.
"""
from __future__ import annotations

from collections.abc import Callable

from modcon.named_tuple import NamedTuple


class Handoff(NamedTuple):
    """A framework entry point that handles SIGTERM for the whole program."""

    name: str  # how the finding-free decision is explained (tests, debugging)
    calls: frozenset[str] = frozenset()  # qualified names whose call hands over
    bases: frozenset[str] = frozenset()  # a class deriving from one of these hands over
    methods: frozenset[str] = frozenset()  # method names, with ``needs_import`` imported
    needs_import: str = ''  # top-level package that ``methods`` belong to
    off_keyword: tuple[str, str] | None = None  # (keyword, literal) that turns handling off
    any_keyword_off: str = ''  # passing this keyword at all replaces the signal handling
    # handling happens only with one of these (keyword, literal) pairs
    on_keywords: tuple[tuple[str, str], ...] = ()
    argv: Callable[[tuple[str, ...]], bool] | None = None  # every run command must match
    source: str = ''


def _django_runserver_reloads(argv: tuple[str, ...]) -> bool:
    return 'runserver' in argv and '--noreload' not in argv


HANDOFFS: tuple[Handoff, ...] = (
    Handoff(
        name='uvicorn',
        # uvicorn.run() builds a Server and runs it (or a reload/multiprocess
        # supervisor, which handle SIGTERM themselves); Server.serve() wraps
        # everything in capture_signals(), which installs handle_exit for
        # SIGINT and SIGTERM, restores the previous handlers afterwards and
        # re-raises the captured signal. Constructing a Server is taken as
        # running it; a subclass (often one that disables capture_signals)
        # has another qualified name and is not matched.
        calls=frozenset({'uvicorn.run', 'uvicorn.main.run', 'uvicorn.Server',
                         'uvicorn.server.Server', 'uvicorn.main.Server'}),
        source='https://github.com/Kludex/uvicorn/blob/main/uvicorn/server.py '
               '(Server.serve, Server.capture_signals, HANDLED_SIGNALS); '
               'uvicorn/main.py (run)',
    ),
    Handoff(
        name='aiohttp web.run_app',
        # run_app(..., handle_signals=True) by default; AppRunner.setup() then
        # calls loop.add_signal_handler(signal.SIGTERM, _raise_graceful_exit).
        calls=frozenset({'aiohttp.web.run_app'}),
        off_keyword=('handle_signals', 'False'),
        source='https://github.com/aio-libs/aiohttp/blob/master/aiohttp/web_runner.py '
               '(BaseRunner.setup); aiohttp/web.py (run_app: handle_signals=True)',
    ),
    Handoff(
        name='aiohttp AppRunner(handle_signals=True)',
        # The runners default to handle_signals=False; only an explicit True
        # installs the SIGINT/SIGTERM handlers.
        calls=frozenset({'aiohttp.web.AppRunner', 'aiohttp.web.ServerRunner',
                         'aiohttp.web_runner.AppRunner', 'aiohttp.web_runner.ServerRunner'}),
        on_keywords=(('handle_signals', 'True'),),
        source='https://github.com/aio-libs/aiohttp/blob/master/aiohttp/web_runner.py '
               '(BaseRunner.__init__ handle_signals=False, BaseRunner.setup)',
    ),
    Handoff(
        name='hypercorn asyncio serve',
        # worker_serve() adds loop signal handlers for SIGINT, SIGTERM (and
        # SIGBREAK) only when no shutdown_trigger is passed.
        calls=frozenset({'hypercorn.asyncio.serve'}),
        any_keyword_off='shutdown_trigger',
        source='https://github.com/pgjones/hypercorn/blob/main/src/hypercorn/asyncio/run.py '
               '(worker_serve: `if shutdown_trigger is None`)',
    ),
    Handoff(
        name='gunicorn application',
        # BaseApplication.run() runs the Arbiter, whose SIGNALS include TERM
        # (graceful shutdown). Custom applications subclass BaseApplication.
        calls=frozenset({'gunicorn.app.wsgiapp.run', 'gunicorn.app.wsgiapp.WSGIApplication'}),
        bases=frozenset({'gunicorn.app.base.BaseApplication', 'gunicorn.app.base.Application',
                         'gunicorn.app.wsgiapp.WSGIApplication'}),
        source='https://gunicorn.org/signals ("TERM - graceful shutdown"); '
               'https://gunicorn.org/custom (BaseApplication subclass, .run()); '
               'gunicorn/arbiter.py (Arbiter.SIGNALS, handle_term)',
    ),
    Handoff(
        name='celery worker_main',
        # app.worker_main(argv) runs `celery worker`; celery.apps.worker.Worker
        # installs install_worker_term_handler (SIGTERM: warm shutdown).
        methods=frozenset({'worker_main'}),
        needs_import='celery',
        source='https://github.com/celery/celery/blob/main/celery/app/base.py (worker_main); '
               'celery/apps/worker.py (install_platform_tweaks, '
               'install_worker_term_handler)',
    ),
    Handoff(
        name="Werkzeug's reloader (Flask `app.run(debug=True)`)",
        # Flask.run() passes use_reloader (default: the debug flag) to
        # werkzeug.serving.run_simple, which then calls run_with_reloader; its
        # first line is signal.signal(signal.SIGTERM, lambda *args: sys.exit(0)).
        # Flask-SocketIO's socketio.run(app, debug=True) takes the same path.
        methods=frozenset({'run'}),
        needs_import='flask',
        off_keyword=('use_reloader', 'False'),
        on_keywords=(('debug', 'True'), ('use_reloader', 'True')),
        source='https://github.com/pallets/werkzeug/blob/main/src/werkzeug/_reloader.py '
               '(run_with_reloader); werkzeug/serving.py (run_simple: use_reloader); '
               'https://github.com/pallets/flask/blob/main/src/flask/app.py (Flask.run)',
    ),
    Handoff(
        name="Werkzeug's reloader (run_simple(use_reloader=True))",
        calls=frozenset({'werkzeug.serving.run_simple', 'werkzeug.run_simple'}),
        on_keywords=(('use_reloader', 'True'),),
        source='https://github.com/pallets/werkzeug/blob/main/src/werkzeug/serving.py '
               '(run_simple); werkzeug/_reloader.py (run_with_reloader)',
    ),
    Handoff(
        name='django runserver with the autoreloader',
        # runserver (without --noreload) runs autoreload.run_with_reloader,
        # whose first line is signal.signal(signal.SIGTERM, lambda *args: sys.exit(0)).
        calls=frozenset({'django.core.management.execute_from_command_line'}),
        argv=_django_runserver_reloads,
        source='https://github.com/django/django/blob/main/django/utils/autoreload.py '
               '(run_with_reloader); django/core/management/commands/runserver.py '
               '(run: use_reloader, --noreload)',
    ),
)


class Registration(NamedTuple):
    """A call that installs a handler for (or waits for) the signals in its arguments."""

    calls: frozenset[str] = frozenset()  # qualified names
    methods: frozenset[str] = frozenset()  # method names on any object
    first_argument_only: bool = True  # False: any argument may name SIGTERM
    handler_argument: int | None = None  # where SIG_DFL or SIG_IGN would mean "no handler"
    source: str = ''


REGISTRATIONS: tuple[Registration, ...] = (
    Registration(calls=frozenset({'signal.signal'}), handler_argument=1,
                 source='https://docs.python.org/3/library/signal.html#signal.signal'),
    Registration(methods=frozenset({'add_signal_handler'}),
                 source='https://docs.python.org/3/library/asyncio-eventloop.html'
                        '#asyncio.loop.add_signal_handler'),
    # Blocking SIGTERM and collecting it synchronously is handling it too.
    Registration(calls=frozenset({'signal.sigwait', 'signal.sigwaitinfo',
                                  'signal.sigtimedwait', 'signal.pthread_sigmask'}),
                 first_argument_only=False,
                 source='https://docs.python.org/3/library/signal.html#signal.sigwait'),
    Registration(calls=frozenset({'anyio.open_signal_receiver', 'trio.open_signal_receiver'}),
                 first_argument_only=False,
                 source='https://anyio.readthedocs.io/en/stable/signals.html; '
                        'https://trio.readthedocs.io/en/stable/reference-io.html'
                        '#trio.open_signal_receiver'),
)
