"""MC201 judged by what the fixed program does as PID 1, for the cases a probe found.

* A program that stops on Ctrl-C through a SIGINT handler of its own (a flag its
  loop checks, an event its coroutine waits for) got a handler that raised
  ``SystemExit(0)`` at once: it exited 0 without its shutdown (the "drained"
  line never came). SIGTERM now gets the program's own handler.
* A thread that never ends (a method as ``target=``, a ``Thread`` subclass, a
  lambda, ``server.serve_forever``) kept the process alive after the handler
  ended the main thread: the finding went away and ``docker stop`` still ended in
  SIGKILL. Those files are now reported without a fix.
"""
from __future__ import annotations

import pathlib
import shutil
import sys

import pytest

from modcon.containers.pid1 import StopResult
from modcon.containers.pid1 import stop_like_docker
from modcon.edits import apply_fixes
from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.model import Applicability
from modcon.model import Fix
from modcon.source import SourceFile

CONFIG = Config(select=('MC201',))
RUNS = (Invocation('Dockerfile', 7, ('python', 'app.py')),)
GRACE = 1.5  # enough to see that a program ignores SIGTERM
DOCKER_GRACE = 10.0
needs_unshare = pytest.mark.skipif(shutil.which('unshare') is None,
                                   reason='needs unshare (util-linux) for a PID namespace')


def _stop(folder: pathlib.Path, text: str, grace: float) -> StopResult:
    program = folder / 'app.py'
    program.write_text(text)
    marker = folder / 'ready'
    marker.unlink(missing_ok=True)
    return stop_like_docker([sys.executable, str(program)], cwd=str(folder), grace=grace,
                            ready=lambda output: marker.exists())


def _fixed(text: str) -> str:
    result = fix_source(SourceFile('app.py', text), 'python', CONFIG, Applicability.SAFE, RUNS)
    assert result.changed, 'MC201 offered no fix'
    assert fix_source(SourceFile('app.py', result.fixed), 'python', CONFIG,
                      Applicability.SAFE, RUNS).changed is False  # a second run changes nothing
    return result.fixed


# -- the program's own SIGINT handler -----------------------------------------

FLAG = '''\
import pathlib
import signal
import time

running = True


def stop(signum, frame):
    global running
    print("stopping", flush=True)
    running = False


signal.signal(signal.SIGINT, stop)
pathlib.Path("ready").touch()
while running:
    time.sleep(0.05)
print("drained", flush=True)
raise SystemExit(3)
'''

EVENT = '''\
import asyncio
import pathlib
import signal


async def main():
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    pathlib.Path("ready").touch()
    await stop.wait()
    print("drained", flush=True)


asyncio.run(main())
'''

IN_MAIN = '''\
import pathlib
import time
from signal import SIGINT, signal

running = True


def stop(signum, frame):
    global running
    running = False


def main():
    signal(SIGINT, stop)
    pathlib.Path("ready").touch()
    while running:
        time.sleep(0.05)
    print("drained", flush=True)


if __name__ == "__main__":
    main()
'''


@needs_unshare
@pytest.mark.parametrize(('program', 'status'), (
    pytest.param(FLAG, 3, id='a flag the loop checks, and the status it chooses'),
    pytest.param(EVENT, 0, id='loop.add_signal_handler and an asyncio event'),
    pytest.param(IN_MAIN, 0, id='from signal import signal, in main()'),
))
def test_sigterm_runs_the_programs_own_sigint_shutdown(tmp_path: pathlib.Path, program: str,
                                                       status: int) -> None:
    before = _stop(tmp_path, program, GRACE)
    assert before.verified and before.killed, before.describe()
    fixed = _fixed(program)
    after = _stop(tmp_path, fixed, DOCKER_GRACE)
    assert after.verified and after.exited_in_grace, after.describe()
    assert 'drained' in after.output, after.output  # its shutdown ran
    assert after.exit_code == status, after.describe()
    assert SourceFile('app.py', fixed).text.count('SIGINT') == program.count('SIGINT')


CONDITIONAL = FLAG.replace('signal.signal(signal.SIGINT, stop)',
                           'if time.time() > 0:\n    signal.signal(signal.SIGINT, stop)')


def test_a_sigint_handler_the_fix_cannot_repeat_gets_no_fix() -> None:
    [finding] = check_source(SourceFile('app.py', CONDITIONAL), 'python', CONFIG, RUNS)
    assert finding.fix is None
    assert 'it handles SIGINT (Ctrl-C) its own way (line 15)' in finding.message


# -- threads that never end ---------------------------------------------------

THREAD_MAIN = '''\
import pathlib
import threading
import time
from http.server import HTTPServer, SimpleHTTPRequestHandler

{definition}

def main():
    {start}
    try:
        pathlib.Path("ready").touch()
        while True:
            time.sleep(60)
    finally:
        print("finally ran", flush=True)


if __name__ == "__main__":
    main()
'''
LOOP_METHOD = '''
class Poller:
    def loop(self):
        while True:
            time.sleep(0.05)
'''
SUBCLASS = '''
class Worker(threading.Thread):
    def run(self):
        while True:
            time.sleep(0.05)
'''
FUNCTION = '''
def poll(interval):
    while True:
        time.sleep(interval)
'''


@needs_unshare
@pytest.mark.parametrize(('definition', 'start', 'function'), (
    pytest.param(LOOP_METHOD, 'threading.Thread(target=Poller().loop).start()', 'loop',
                 id='a method as target'),
    pytest.param(SUBCLASS, 'Worker().start()', 'Worker.run', id='a Thread subclass'),
    pytest.param(FUNCTION, 'threading.Thread(target=lambda: poll(0.05)).start()', 'poll',
                 id='a lambda as target'),
    pytest.param('', 'server = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)\n'
                     '    threading.Thread(target=server.serve_forever).start()',
                 'serve_forever', id='serve_forever in a thread'),
))
def test_a_thread_that_never_ends_gets_no_fix(tmp_path: pathlib.Path, definition: str,
                                             start: str, function: str) -> None:
    """The handler the fix would add, applied by hand: the main thread's `finally` runs,
    and the container is still killed. So no fix, and the finding says why."""
    from modcon.fixers.python._signals import Plan
    from modcon.fixers.python._signals import plan

    program = THREAD_MAIN.format(definition=definition, start=start)
    [finding] = check_source(SourceFile('app.py', program), 'python', CONFIG, RUNS)
    assert finding.fix is None
    assert f'it runs `{function}()` in a thread' in finding.message

    planned = plan(SourceFile('app.py', program), [('python', 'app.py')])
    assert isinstance(planned, Plan) and planned.edits
    with_handler, _ = apply_fixes(program, [Fix.safe('handler', *planned.edits)],
                                  Applicability.SAFE)
    handled = _stop(tmp_path, with_handler, GRACE)
    assert handled.verified and handled.killed, handled.describe()
    assert 'finally ran' in handled.output  # its cleanup ran, and yet


# -- SIGTERM named only where the code does not run ---------------------------

MENTIONED = '''\
"""Stops on Ctrl-C or SIGHUP. SIGTERM: see the TODO below."""
import pathlib
import signal
import time

running = True


def stop(signum, frame):
    global running
    running = False


# TODO: SIGTERM too?
for sig in (signal.SIGINT, signal.SIGHUP):
    signal.signal(sig, stop)

try:
    pathlib.Path("ready").touch()
    while running:
        time.sleep(0.05)
finally:
    print("cleanup", flush=True)
'''


@needs_unshare
def test_sigterm_in_a_comment_or_docstring_is_not_handling(tmp_path: pathlib.Path) -> None:
    """The loop's signals are a variable, so the file used to count as handling
    SIGTERM when the word appeared anywhere, comments included: no finding, and
    `docker stop` still ended in SIGKILL."""
    [finding] = check_source(SourceFile('app.py', MENTIONED), 'python', CONFIG, RUNS)
    assert finding.fix is not None
    after = _stop(tmp_path, _fixed(MENTIONED), DOCKER_GRACE)
    assert after.verified and after.exited_in_grace and after.exit_code == 0, after.describe()
    assert 'cleanup' in after.output
