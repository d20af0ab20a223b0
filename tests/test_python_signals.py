"""MC201 on real processes: a fixed Python program stops on `docker stop`, the original does not.

The behaviour tests start each program as PID 1 of a new PID namespace
(``modcon.containers.pid1``) and stop it the way Docker does, with a short grace
period (Docker's own where a large program's exit can outlast it on a loaded
machine). A program says it is ready by creating the file ``ready`` inside the
``try`` whose cleanup a stop must run; a server also by answering a request
(``serving``), so that the stop reaches its serving loop and not its start-up.
The table tests pin which spellings count as handling SIGTERM.
"""
from __future__ import annotations

import http.client
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest

from modcon.containers.pid1 import StopResult
from modcon.containers.pid1 import stop_like_docker
from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.knowledge.python_frameworks import HANDOFFS
from modcon.knowledge.python_frameworks import REGISTRATIONS
from modcon.model import Applicability
from modcon.model import Finding
from modcon.model import Severity
from modcon.source import SourceFile

GRACE = 1.5  # enough to see that a program ignores SIGTERM
# Docker's default, for a program that must stop: the run ends as soon as it exits, and a
# loaded machine can stretch a large program's exit (the interpreter finalizing its
# modules) past GRACE with its cleanup already done.
DOCKER_GRACE = 10.0
CONFIG = Config(select=('MC201',))
needs_unshare = pytest.mark.skipif(shutil.which('unshare') is None,
                                   reason='needs unshare (util-linux) for a PID namespace')


def _run_as(name: str, argv: tuple[str, ...] | None = None) -> tuple[Invocation, ...]:
    return (Invocation('Dockerfile', 7, argv or ('python', name)),)


def _findings(text: str, invocations: tuple[Invocation, ...] | None = None) -> list[Finding]:
    return check_source(SourceFile('app.py', text), 'python', CONFIG,
                        _run_as('app.py') if invocations is None else invocations)


def _fixed(name: str, text: str) -> str:
    result = fix_source(SourceFile(name, text), 'python', CONFIG, Applicability.SAFE,
                        _run_as(name))
    assert result.changed, 'MC201 offered no fix'
    return result.fixed


def _write(folder: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = folder / name
    path.write_text(text)
    return path


def _stop(program: pathlib.Path, grace: float = GRACE,
          serving: Callable[[str], bool] | None = None) -> StopResult:
    """Run ``program`` as PID 1 until it creates ``ready`` (and, for a server,
    until ``serving(output)``), then stop it like Docker, SIGKILL after ``grace`` s."""
    marker = program.parent / 'ready'
    marker.unlink(missing_ok=True)

    def ready(output: str) -> bool:
        return marker.exists() and (serving is None or serving(output))

    return stop_like_docker([sys.executable, str(program)], cwd=str(program.parent),
                            grace=grace, ready=ready)


# -- behaviour: real processes as PID 1 ---------------------------------------

LOOP = '''\
import atexit
import pathlib
import time


def main():
    atexit.register(print, "atexit ran", flush=True)
    try:
        pathlib.Path("ready").touch()  # inside the try: a stop now must run the finally
        while True:
            time.sleep(0.1)
    finally:
        print("finally ran", flush=True)


if __name__ == "__main__":
    main()
'''

HTTP_SERVER = '''\
import pathlib
from http.server import HTTPServer, SimpleHTTPRequestHandler

server = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
try:
    pathlib.Path("ready").touch()
    server.serve_forever()
finally:
    server.server_close()
    print("finally ran", flush=True)
'''

# `import signal` sorts before `import time`: the fix puts it on line 1.
FIRST_LINE_LOOP = '''\
import time


def main():
    try:
        open("ready", "w").close()
        while True:
            time.sleep(0.1)
    finally:
        print("finally ran", flush=True)


if __name__ == "__main__":
    main()
'''

ASYNCIO_SERVICE = '''\
import asyncio
import pathlib


async def handle(reader, writer):
    writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        pathlib.Path("ready").touch()
        async with server:
            await server.serve_forever()
    finally:
        print("finally ran", flush=True)


asyncio.run(main())
'''


@needs_unshare
@pytest.mark.parametrize(('name', 'program'), (
    pytest.param('loop.py', LOOP, id='loop in a main block'),
    pytest.param('server.py', HTTP_SERVER, id='http.server serve_forever'),
    pytest.param('service.py', ASYNCIO_SERVICE, id='asyncio.run service'),
    # Python reads the code past a UTF-8 byte order mark; the import the fix puts on
    # line 1 must go after it, or the program no longer starts.
    pytest.param('bom.py', '\ufeff' + FIRST_LINE_LOOP, id='a byte order mark, then the import'),
))
def test_the_fixed_program_stops_on_sigterm_and_runs_its_cleanup(
        tmp_path: pathlib.Path, name: str, program: str) -> None:
    before = _stop(_write(tmp_path, f'original_{name}', program))
    assert before.verified, before.reason
    assert before.killed, f'the original should ignore SIGTERM as PID 1: {before.describe()}'
    assert 'finally ran' not in before.output

    after = _stop(_write(tmp_path, name, _fixed(name, program)))
    assert after.verified, after.reason
    assert after.exited_in_grace and not after.killed, after.describe()
    assert after.exit_code == 0, after.output
    assert after.seconds < GRACE / 2, after.describe()
    assert 'finally ran' in after.output
    if 'atexit' in program:
        assert 'atexit ran' in after.output
    assert 'Traceback' not in after.output


@needs_unshare
def test_a_handler_installed_on_import_is_kept(tmp_path: pathlib.Path) -> None:
    """The fix installs its handler only while SIGTERM is at its default."""
    _write(tmp_path, 'graceful.py', textwrap.dedent('''\
        import signal
        import sys


        def _drain(signum, frame):
            print("drained", flush=True)
            sys.exit(3)


        signal.signal(signal.SIGTERM, _drain)
    '''))
    program = 'import pathlib\nimport time\n\nimport graceful\n\npathlib.Path("ready").touch()\n' \
              'while True:\n    time.sleep(0.1)\n'
    result = _stop(_write(tmp_path, 'app.py', _fixed('app.py', program)))
    assert result.verified, result.reason
    assert result.exit_code == 3 and 'drained' in result.output, result.describe()


def test_importing_the_fixed_module_installs_no_handler(tmp_path: pathlib.Path) -> None:
    _write(tmp_path, 'worker.py', _fixed('worker.py', LOOP))
    probe = ('import signal, worker\n'
             'print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, '
             'hasattr(worker, "_exit_on_sigterm"))\n')
    out = subprocess.run([sys.executable, '-c', probe], cwd=tmp_path, capture_output=True,
                         text=True, timeout=30)
    assert out.stdout.split() == ['True', 'False'], out.stderr


# -- which spellings handle SIGTERM ----------------------------------------------

LOOP_TAIL = 'while True:\n    time.sleep(1)\n'


@pytest.mark.parametrize('head', (
    pytest.param('import signal\nsignal.signal(signal.SIGTERM, print)\n', id='module'),
    pytest.param('import signal as s\ns.signal(s.SIGTERM, print)\n', id='module alias'),
    pytest.param('from signal import signal, SIGTERM\nsignal(SIGTERM, print)\n', id='from'),
    pytest.param('from signal import signal as on, SIGTERM as TERM\non(TERM, print)\n',
                 id='from with aliases'),
    pytest.param('import signal\nsignal.signal(signal.Signals.SIGTERM, print)\n', id='enum'),
    pytest.param('import signal\nsignal.signal(15, print)\n', id='number'),
    pytest.param('import signal\nfor s in (signal.SIGINT, signal.SIGTERM):\n'
                 '    signal.signal(s, print)\n', id='loop variable'),
    pytest.param('import signal\nsignal.sigwait({signal.SIGTERM})\n', id='sigwait'),
    pytest.param('import asyncio, signal\nloop = asyncio.new_event_loop()\n'
                 'loop.add_signal_handler(signal.SIGTERM, loop.stop)\n',
                 id='add_signal_handler'),
    pytest.param('import anyio, signal\nwith anyio.open_signal_receiver(signal.SIGTERM):\n'
                 '    pass\n', id='anyio receiver'),
    pytest.param('import signal\n\ndef setup():\n    signal.signal(signal.SIGTERM, print)\n',
                 id='inside a function'),
    pytest.param('import uvicorn\nuvicorn.run("app:app")\n', id='uvicorn.run'),
    pytest.param('from uvicorn import run as serve\nserve("app:app")\n', id='uvicorn alias'),
    pytest.param('import uvicorn\nuvicorn.Server(uvicorn.Config("app:app")).run()\n',
                 id='uvicorn.Server'),
    pytest.param('from aiohttp import web\nweb.run_app(web.Application())\n', id='aiohttp'),
    pytest.param('import aiohttp.web\naiohttp.web.run_app(app)\n', id='aiohttp dotted'),
    pytest.param('from aiohttp import web\nweb.AppRunner(app, handle_signals=True)\n',
                 id='aiohttp AppRunner with signals'),
    pytest.param('import asyncio\nfrom hypercorn.asyncio import serve\n'
                 'asyncio.run(serve(app, config))\n', id='hypercorn'),
    pytest.param('import gunicorn.app.base\n\nclass App(gunicorn.app.base.BaseApplication):\n'
                 '    pass\n\nApp().run()\n', id='gunicorn application'),
    pytest.param('from gunicorn.app.wsgiapp import run\nrun()\n', id='gunicorn wsgiapp'),
    pytest.param('from celery import Celery\napp = Celery()\napp.worker_main(["worker"])\n',
                 id='celery worker_main'),
))
def test_files_that_handle_sigterm_are_left_alone(head: str) -> None:
    assert _findings(f'import time\n{head}{LOOP_TAIL}') == []


@pytest.mark.parametrize('head', (
    pytest.param('import signal\nsignal.signal(signal.SIGINT, print)\n', id='SIGINT only'),
    pytest.param('import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n',
                 id='sends SIGTERM'),
    pytest.param('import os, signal\nsignal.signal(signal.SIGHUP, '
                 'lambda *a: os.kill(0, signal.SIGTERM))\n', id='SIGTERM in the handler'),
    pytest.param('import signal\nsignal.signal(2, print)\n', id='another number'),
    pytest.param('from aiohttp import web\nweb.run_app(app, handle_signals=False)\n',
                 id='aiohttp without signals'),
    pytest.param('from aiohttp import web\nweb.AppRunner(app)\n', id='aiohttp AppRunner'),
    pytest.param('from hypercorn.asyncio import serve\nserve(app, config, '
                 'shutdown_trigger=event.wait)\n', id='hypercorn with a trigger'),
    pytest.param('import trio\nfrom hypercorn.trio import serve\ntrio.run(serve, app, cfg)\n',
                 id='hypercorn trio'),
    pytest.param('import tornado.ioloop\ntornado.ioloop.IOLoop.current().start()\n',
                 id='tornado'),
    pytest.param('from flask import Flask\napp = Flask(__name__)\napp.run()\n', id='flask'),
    pytest.param('class Server:\n    def run(self):\n        pass\n\nServer().run()\n',
                 id='a local Server class'),
    pytest.param('def worker_main(argv):\n    pass\n\nworker_main([])\n',
                 id='worker_main without celery'),
))
def test_files_that_do_not_handle_sigterm_are_flagged(head: str) -> None:
    findings = _findings(f'import time\n{head}{LOOP_TAIL}')
    assert [f.code for f in findings] == ['MC201']
    assert findings[0].fix is not None


MANAGE_PY = '''\
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
'''


@pytest.mark.parametrize(('argv', 'flagged'), (
    pytest.param(('python', 'manage.py', 'runserver', '0.0.0.0:8000'), False,
                 id='runserver reloads'),
    pytest.param(('python', 'manage.py', 'runserver', '--noreload', '0.0.0.0:8000'), True,
                 id='runserver --noreload'),
    pytest.param(('python', 'manage.py', 'qcluster'), True, id='another command'),
))
def test_django_runserver_counts_only_with_its_autoreloader(
        argv: tuple[str, ...], flagged: bool) -> None:
    findings = _findings(MANAGE_PY, (Invocation('Dockerfile', 5, argv),))
    assert bool(findings) is flagged


# -- messages, scope and laziness -----------------------------------------------

def test_the_message_names_the_command_and_the_dockerfile_line() -> None:
    [finding] = _findings('import time\n' + LOOP_TAIL)
    assert finding.message.startswith(
        '`app.py` runs as PID 1 (`python app.py`, Dockerfile line 7) and does not handle '
        'SIGTERM, so `docker stop` waits 10 s and kills it')
    assert finding.severity is Severity.WARNING
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE


def test_a_file_named_by_the_user_has_no_dockerfile_in_the_message() -> None:
    runs = (Invocation(None, 0, ('python', 'app.py')), Invocation('Dockerfile.dev', 3, ()))
    [finding] = _findings('import time\n' + LOOP_TAIL, runs)
    assert finding.message.startswith('`app.py` runs as PID 1 (`python app.py`; 1 more command) '
                                      'and does not handle SIGTERM')


def test_under_an_init_the_program_dies_at_once_and_the_finding_is_info() -> None:
    runs = _run_as('app.py', ('/usr/bin/tini', '--', 'python', 'app.py'))
    [finding] = _findings('import time\n' + LOOP_TAIL, runs)
    assert finding.severity is Severity.INFO
    assert '`tini` passes `docker stop`\'s SIGTERM on' in finding.message
    assert 'runs as PID 1' not in finding.message


def test_files_that_are_only_imported_are_not_checked() -> None:
    imported = (Invocation('Dockerfile', 4, ('gunicorn', 'app:app'), as_main=False),)
    assert _findings('import time\n' + LOOP_TAIL, imported) == []
    assert _findings('import time\n' + LOOP_TAIL, ()) == []


def test_lone_carriage_returns_get_a_finding_without_a_fix() -> None:
    [finding] = _findings('import time\rwhile True:\n    time.sleep(1)\n')
    assert finding.fix is None and 'lone CR' in finding.message


@pytest.mark.parametrize('text', (
    pytest.param('import time\n\n# modcon: ignore=MC201\nwhile True:\n    time.sleep(1)\n',
                 id='after the imports'),
    pytest.param('import time\n\n\ndef main():\n    pass\n\n\nif __name__ == "__main__":\n'
                 '    # modcon: ignore=MC201 (drains its batch first)\n    main()\n',
                 id='at the top of the main block'),
))
def test_an_ignore_pragma_where_the_handler_would_go_silences_it(text: str) -> None:
    assert _findings(text) == []
    assert _findings(text.replace('modcon: ignore', 'note: ignore'))


def test_every_framework_entry_names_its_source() -> None:
    for entry in (*HANDOFFS, *REGISTRATIONS):
        assert entry.source.startswith('https://'), entry


def test_the_rule_module_does_not_import_libcst_until_it_checks_an_entrypoint() -> None:
    probe = textwrap.dedent('''\
        import sys
        from modcon.entrypoints.code_document import CodeDocument
        from modcon.entrypoints.invocation import Invocation
        from modcon.fixers.python import mc201_python_sigterm_not_handled as rule
        from modcon.source import SourceFile
        text = "while True:\\n    pass\\n"
        print("import", "libcst" in sys.modules)
        list(rule.python_sigterm_not_handled(CodeDocument(SourceFile("a.py", text), "python")))
        print("imported", "libcst" in sys.modules)
        doc = CodeDocument(SourceFile("a.py", text), "python",
                           (Invocation(None, 0, ("python", "a.py")),))
        print("hits", len(list(rule.python_sigterm_not_handled(doc))))
        print("main", "libcst" in sys.modules)
    ''')
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.split('\n')[:4] == ['import False', 'imported False', 'hits 1',
                                          'main True'], out.stderr


# -- the program's own shutdown runs: markers written by its cleanup code ---------

def _shutdown_marker(tmp_path: pathlib.Path, name: str, program: str, grace: float = GRACE,
                     serving: Callable[[str], bool] | None = None) -> tuple[StopResult,
                                                                            StopResult]:
    """Stop the original and the fixed ``program`` (the fixed one with ``grace``); each
    writes ``stopped`` in its own shutdown code. Returns both results, with the marker
    checked for each."""
    before = _stop(_write(tmp_path, f'original_{name}', program), serving=serving)
    assert before.verified, before.reason
    assert before.killed, f'the original should ignore SIGTERM as PID 1: {before.describe()}'
    assert not (tmp_path / 'stopped').exists(), 'the original ran its shutdown'

    after = _stop(_write(tmp_path, name, _fixed(name, program)), grace, serving)
    assert after.verified, after.reason
    assert after.exited_in_grace and not after.killed, after.describe()
    assert (tmp_path / 'stopped').exists(), f'its shutdown did not run: {after.output}'
    return before, after


KEYBOARD_INTERRUPT = '''\
import pathlib
import time


def serve():
    try:
        pathlib.Path("ready").touch()  # inside the try: a stop from now on must reach it
        while True:
            time.sleep(86400)
    except KeyboardInterrupt:
        pathlib.Path("stopped").write_text("except KeyboardInterrupt")


if __name__ == "__main__":
    serve()
'''

GRPC_SERVER = '''\
import pathlib
import time
from concurrent import futures

import grpc


def serve():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        pathlib.Path("ready").touch()
        while True:
            time.sleep(86400)
    except KeyboardInterrupt:
        server.stop(grace=1).wait()
        pathlib.Path("stopped").write_text("server.stop")


if __name__ == "__main__":
    serve()
'''

GRPC_WAIT_FOR_TERMINATION = '''\
import pathlib
from concurrent import futures

import grpc

server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
server.add_insecure_port("127.0.0.1:0")
server.start()
try:
    pathlib.Path("ready").touch()
    server.wait_for_termination()
except KeyboardInterrupt:
    server.stop(None)
    pathlib.Path("stopped").write_text("server.stop")
'''

FINALLY = '''\
import pathlib
import time

try:
    pathlib.Path("ready").touch()
    while True:
        time.sleep(0.1)
finally:
    pathlib.Path("stopped").write_text("finally")
'''

ATEXIT = '''\
import atexit
import pathlib
import time

atexit.register(pathlib.Path("stopped").write_text, "atexit")
pathlib.Path("ready").touch()
while True:
    time.sleep(0.1)
'''

WITH = '''\
import contextlib
import pathlib
import time


@contextlib.contextmanager
def connection():
    try:
        yield
    finally:
        pathlib.Path("stopped").write_text("with")


def main():
    with connection():
        pathlib.Path("ready").touch()
        while True:
            time.sleep(0.1)


if __name__ == "__main__":
    main()
'''

MAIN_BEFORE_GUARD = '''\
import pathlib
import time


def main():
    try:
        pathlib.Path("ready").touch()
        while True:
            time.sleep(0.1)
    except KeyboardInterrupt:
        pathlib.Path("stopped").write_text("except KeyboardInterrupt")


main()

if __name__ == "__main__":
    print("after main()")
'''


@needs_unshare
@pytest.mark.parametrize(('program', 'status'), (
    pytest.param(KEYBOARD_INTERRUPT, 0, id='except KeyboardInterrupt'),
    pytest.param(GRPC_SERVER, 0, id='grpc server.stop in except KeyboardInterrupt'),
    pytest.param(GRPC_WAIT_FOR_TERMINATION, 0, id='grpc wait_for_termination'),
    pytest.param(FINALLY, 0, id='finally'),
    pytest.param(ATEXIT, 0, id='atexit'),
    pytest.param(WITH, 0, id='with'),
    pytest.param(MAIN_BEFORE_GUARD, 0, id='main() called above the main block'),
))
def test_sigterm_reaches_the_programs_own_shutdown(tmp_path: pathlib.Path, program: str,
                                                    status: int) -> None:
    _before, after = _shutdown_marker(tmp_path, 'app.py', program)
    assert after.exit_code == status, after.output
    assert 'Traceback' not in after.output


def test_a_keyboard_interrupt_program_gets_sigterm_as_keyboard_interrupt() -> None:
    fixed = _fixed('app.py', KEYBOARD_INTERRUPT)
    assert 'signal.signal(signal.SIGTERM, signal.default_int_handler)' in fixed
    assert 'SystemExit' not in fixed
    [finding] = _findings(KEYBOARD_INTERRUPT)
    assert 'except KeyboardInterrupt` in `serve()`' in finding.message


@pytest.mark.parametrize('program', (
    pytest.param('import time\n\nwhile True:\n    try:\n        time.sleep(1)\n'
                 '    except KeyboardInterrupt:\n        continue\n', id='swallowed in a loop'),
    pytest.param('import asyncio\n\n\nasync def main():\n    try:\n        await asyncio.sleep(9)\n'
                 '    except KeyboardInterrupt:\n        pass\n\n\nasyncio.run(main())\n',
                 id='in a coroutine'),
    pytest.param('import threading\nimport time\n\n\ndef work():\n    try:\n        time.sleep(9)\n'
                 '    except KeyboardInterrupt:\n        pass\n\n\n'
                 'threading.Thread(target=work).start()\n', id='in a thread'),
))
def test_a_keyboard_interrupt_off_the_main_path_gets_the_exit_handler(program: str) -> None:
    fixed = _fixed('app.py', program)
    assert 'raise SystemExit(0)' in fixed and 'default_int_handler' not in fixed


# -- frameworks that handle SIGTERM, run for real --------------------------------

FLASK_APP = '''\
import os
import pathlib

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "hello"


if __name__ == "__main__":
    try:
        if {ready}:
            pathlib.Path("ready").touch()
        app.run(host="127.0.0.1", port=0{keywords})
    finally:
        pathlib.Path("stopped").write_text("finally")
'''


def _answers_hello(output: str) -> bool:
    """The dev server answers ``/`` at the address it printed: it is in its serving
    loop, past app.run()'s start-up (http.client: no proxy from the environment)."""
    address = re.search(r'Running on http://127\.0\.0\.1:(\d+)', output)
    if address is None:
        return False
    connection = http.client.HTTPConnection('127.0.0.1', int(address[1]), timeout=5)
    try:
        connection.request('GET', '/')
        return connection.getresponse().read() == b'hello'
    except OSError:
        return False
    finally:
        connection.close()


@needs_unshare
def test_werkzeugs_reloader_stops_on_sigterm_and_gets_no_finding(tmp_path: pathlib.Path) -> None:
    # Ready once the reloader's child runs: the parent has installed its handler by then.
    program = FLASK_APP.format(ready='os.environ.get("WERKZEUG_RUN_MAIN")',
                               keywords=', debug=True')
    assert _findings(program) == []
    result = _stop(_write(tmp_path, 'app.py', program))
    assert result.verified, result.reason
    assert result.exited_in_grace and result.exit_code == 0, result.describe()
    assert (tmp_path / 'stopped').exists()


@needs_unshare
def test_flask_without_the_reloader_is_fixed(tmp_path: pathlib.Path) -> None:
    # Stopped once it has answered a request, in its serving loop: the marker alone comes
    # before app.run(), and the stop would often interrupt its start-up instead. After
    # the `finally`, its exit finalizes Flask, werkzeug and the debugger's imports: 20-40 ms
    # of CPU, which a loaded 2-CPU runner stretched past GRACE.
    program = FLASK_APP.format(ready='True', keywords=', debug=True, use_reloader=False')
    _before, after = _shutdown_marker(tmp_path, 'app.py', program, DOCKER_GRACE, _answers_hello)
    assert after.exit_code == 0, after.output


@pytest.mark.parametrize('head', (
    pytest.param('import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n', id='SIG_IGN'),
    pytest.param('import signal\nsignal.signal(15, signal.SIG_DFL)\n', id='SIG_DFL by number'),
    pytest.param('from signal import SIG_DFL, SIGTERM, signal\nsignal(SIGTERM, SIG_DFL)\n',
                 id='from import'),
))
def test_sigterm_set_to_a_default_action_is_not_handled(head: str) -> None:
    [finding] = _findings(f'import time\n{head}{LOOP_TAIL}')
    assert finding.fix is None
    assert 'itself (line' in finding.message


# -- imports stay where isort and ruff want them ----------------------------------

MC201_FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'MC201'


def _ruff_import_findings(path: pathlib.Path) -> int:
    out = subprocess.run([sys.executable, '-m', 'ruff', 'check', '--isolated', '--no-cache',
                          '--select', 'I', '--output-format', 'json', str(path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode in (0, 1), out.stderr
    import json

    return len(json.loads(out.stdout))


@pytest.mark.parametrize('fixed', sorted(MC201_FIXTURES.glob('*.fixed.py')),
                         ids=lambda p: p.name.split('.')[0])
def test_ruff_import_order_is_unchanged_by_the_fix(fixed: pathlib.Path) -> None:
    """An import-order lint clean before the fix is clean after it, and no fix
    adds an import-order finding."""
    before = _ruff_import_findings(fixed.with_name(fixed.name.replace('.fixed.', '.input.')))
    after = _ruff_import_findings(fixed)
    assert after <= before, f'{fixed.name}: {before} import-order findings before, {after} after'


# -- where the handler goes --------------------------------------------------------

GUARDED = '''\
import os
import time

{above}


def main():
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
'''


@pytest.mark.parametrize(('above', 'in_main_block'), (
    pytest.param('BASE = os.path.join(os.getcwd(), "data")', True, id='a path'),
    pytest.param('loop = asyncio.get_event_loop()', True, id='an event loop object'),
    pytest.param('os.environ.setdefault("MODE", "worker")', True, id='configuration'),
    pytest.param('main()', False, id='main() runs above the main block'),
    pytest.param('RESULT = main()', False, id='its result is kept'),
    pytest.param('while os.environ.get("WAIT"):\n    time.sleep(1)', False, id='a loop'),
))
def test_the_handler_runs_before_the_first_statement_that_starts_the_program(
        above: str, in_main_block: bool) -> None:
    fixed = _fixed('app.py', GUARDED.format(above=above))
    handler = fixed.index('signal.signal(signal.SIGTERM')
    assert (handler > fixed.index('if __name__')) is in_main_block, fixed


@pytest.mark.parametrize(('text', 'flagged'), (
    pytest.param('from flask import Flask\napp = Flask(__name__)\n\n\n@app.route("/")\n'
                 'def index():\n    return "hi"\n', False, id='an application object'),
    pytest.param('from flask import Flask\nimport views\napp = Flask(__name__)\n'
                 'app.register_blueprint(views.bp)\n', False, id='configured on its name'),
    pytest.param('from flask import Flask\napp = Flask(__name__)\napp.run()\n', True,
                 id='app.run() at module level'),
    pytest.param('import worker\nworker.go()\n', True, id='an unknown call may start it'),
))
def test_a_module_that_only_defines_things_is_not_a_program(text: str, flagged: bool) -> None:
    assert bool(_findings(text)) is flagged


def test_a_plan_is_answered_again_only_for_the_same_text_and_commands(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The fix loop's last pass and the fix run's next round ask about the same text:
    libcst parses it once. Any other text, path or command is planned afresh."""
    import libcst

    from modcon.fixers.python import _signals

    parsed: list[str] = []
    real_parse = libcst.parse_module

    def counting(text: str) -> libcst.Module:
        parsed.append(text)
        return real_parse(text)

    monkeypatch.setattr(_signals.cst, 'parse_module', counting)
    monkeypatch.setattr(_signals, '_PLANS', {})
    loop = 'import time\nwhile True:\n    time.sleep(1)\n'
    first = _signals.plan(SourceFile('app.py', loop), [('python', 'app.py')])
    again = _signals.plan(SourceFile('app.py', loop), [('python', 'app.py')])
    assert again == first and isinstance(first, _signals.Plan) and len(parsed) == 1
    handled = 'import signal, sys\nsignal.signal(signal.SIGTERM, lambda *a: sys.exit(0))\n' + loop
    assert isinstance(_signals.plan(SourceFile('app.py', handled), [('python', 'app.py')]),
                      _signals.Handled)
    _signals.plan(SourceFile('other.py', loop), [('python', 'app.py')])
    _signals.plan(SourceFile('app.py', loop), [('python', '-u', 'app.py')])
    assert len(parsed) == 4


# -- threads that outlive the main thread ----------------------------------------

THREADED = '''\
import pathlib
import threading
import time

stop = threading.Event()


def poll():
    {loop}


def main():
    threading.Thread(target=poll{daemon}).start()
    try:
        pathlib.Path("ready").touch()
        while True:
            time.sleep(86400)
    finally:
        stop.set()
        pathlib.Path("stopped").write_text("finally")


if __name__ == "__main__":
    main()
'''
FOREVER = 'while True:\n        time.sleep(0.1)'
UNTIL_STOPPED = 'while True:\n        if stop.wait(0.1):\n            break'


@needs_unshare
@pytest.mark.parametrize(('loop', 'daemon'), (
    pytest.param(FOREVER, ', daemon=True', id='a daemon thread'),
    pytest.param(UNTIL_STOPPED, '', id='a thread the shutdown ends'),
))
def test_a_thread_that_ends_with_the_program_gets_the_fix(tmp_path: pathlib.Path, loop: str,
                                                          daemon: str) -> None:
    program = THREADED.format(loop=loop, daemon=daemon)
    _before, after = _shutdown_marker(tmp_path, 'app.py', program)
    assert after.exit_code == 0, after.output


@needs_unshare
def test_a_thread_that_never_ends_gets_no_fix_since_the_handler_would_not_stop_it(
        tmp_path: pathlib.Path) -> None:
    """The handler the fix would add, applied by hand: the main thread's `finally` runs,
    then Python waits for the thread, and the container is killed all the same. So the
    finding stays, without a fix, and says which function keeps it alive."""
    from modcon.edits import apply_fixes
    from modcon.fixers.python._signals import plan
    from modcon.model import Fix

    program = THREADED.format(loop=FOREVER, daemon='')
    [finding] = _findings(program)
    assert finding.fix is None
    assert 'it runs `poll()` in a thread (line 14) that is not a daemon thread' in finding.message

    planned = plan(SourceFile('app.py', program), [('python', 'app.py')])
    assert planned is not None and planned.edits  # what the fix would have been
    with_handler, _ = apply_fixes(program, [Fix.safe('handler', *planned.edits)],
                                  Applicability.SAFE)
    handled = _stop(_write(tmp_path, 'app.py', with_handler))
    assert handled.verified and handled.killed, handled.describe()
    assert (tmp_path / 'stopped').read_text() == 'finally'  # its cleanup ran, and yet


@needs_unshare
def test_a_file_that_rebinds_the_name_signal_gets_the_module_under_another(
        tmp_path: pathlib.Path) -> None:
    """`import os.path as signal` after `import signal`: the name is os.path where the
    handler runs, so the fix imports the module as `_signal` (it reused `signal` and the
    fixed program died at start with AttributeError)."""
    program = ('import pathlib\nimport signal\nimport time\n\nimport os.path as signal\n\n\n'
               'if __name__ == "__main__":\n'
               '    try:\n'
               '        pathlib.Path(signal.join("ready"))  # os.path, as the file means it\n'
               '        pathlib.Path("ready").touch()\n'
               '        time.sleep(86400)\n'
               '    finally:\n'
               '        pathlib.Path("stopped").write_text("finally")\n')
    assert 'import signal as _signal\n' in _fixed('app.py', program)
    _before, after = _shutdown_marker(tmp_path, 'app.py', program)
    assert after.exit_code == 0, after.output
