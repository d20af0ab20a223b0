"""The PID-1 runner behaves like `docker stop` on real processes."""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest

from modcon.containers.pid1 import stop_like_docker

pytestmark = pytest.mark.skipif(shutil.which('unshare') is None, reason='needs unshare')


def test_a_process_without_a_handler_ignores_sigterm_as_pid1(tmp_path: pathlib.Path) -> None:
    script = tmp_path / 'loop.py'
    script.write_text('import time\nprint("up", flush=True)\nwhile True:\n    time.sleep(0.1)\n')
    result = stop_like_docker([sys.executable, str(script)], cwd=str(tmp_path), grace=1.0,
                              ready=lambda out: 'up' in out)
    assert result.verified, result.reason
    assert result.killed and not result.exited_in_grace
    assert result.exit_code == 137
    assert result.seconds >= 1.0


def test_a_handler_makes_it_stop_with_status_zero(tmp_path: pathlib.Path) -> None:
    script = tmp_path / 'handled.py'
    script.write_text(
        'import signal, sys, time\n'
        'signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))\n'
        'print("up", flush=True)\n'
        'try:\n    while True:\n        time.sleep(0.1)\n'
        'finally:\n    print("cleanup ran", flush=True)\n')
    result = stop_like_docker([sys.executable, str(script)], cwd=str(tmp_path), grace=5.0,
                              ready=lambda out: 'up' in out)
    assert result.verified and result.exited_in_grace
    assert result.exit_code == 0 and result.seconds < 2
    assert 'cleanup ran' in result.output


def test_signals_ignored_by_the_caller_are_not_inherited(tmp_path: pathlib.Path) -> None:
    """A CI job started in the background has SIGINT ignored; a container's
    PID 1 starts with it at its default, so `STOPSIGNAL SIGINT` still stops
    a Python program through KeyboardInterrupt."""
    script = tmp_path / 'sigint.py'
    script.write_text('import time\nprint("up", flush=True)\ntry:\n    while True:\n'
                      '        time.sleep(0.1)\nexcept KeyboardInterrupt:\n'
                      '    print("interrupted", flush=True)\n')
    runner = (
        'import signal, sys\n'
        'from modcon.containers.pid1 import stop_like_docker\n'
        'signal.signal(signal.SIGINT, signal.SIG_IGN)\n'
        'r = stop_like_docker([sys.executable, sys.argv[1]], cwd=sys.argv[2], grace=3.0,\n'
        '                     ready=lambda out: "up" in out, stop_signal=signal.SIGINT)\n'
        'print(r.exited_in_grace, r.exit_code, "interrupted" in r.output)\n')
    done = subprocess.run([sys.executable, '-c', runner, str(script), str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ['True', '0', 'True'], done.stdout + done.stderr


def test_a_shell_as_pid1_swallows_sigterm(tmp_path: pathlib.Path) -> None:
    result = stop_like_docker(['/bin/sh', '-c', 'sleep 30; true'], cwd=str(tmp_path), grace=1.0)
    assert result.verified and result.killed


def test_a_command_that_exits_early_is_not_verified(tmp_path: pathlib.Path) -> None:
    result = stop_like_docker(['/bin/sh', '-c', 'exit 3'], cwd=str(tmp_path), grace=1.0,
                              settle=0.5)
    assert not result.verified
    assert 'exited with 3 before it was stopped' in result.reason


def test_a_command_that_cannot_start_is_said_so(tmp_path: pathlib.Path) -> None:
    script = tmp_path / 'entrypoint.sh'
    script.write_bytes(b'#!/bin/sh\r\nexec "$@"\r\n')  # the kernel looks for /bin/sh\r
    script.chmod(0o755)
    result = stop_like_docker([str(script), 'sleep', '5'], cwd=str(tmp_path), grace=1.0)
    assert not result.verified
    assert result.reason.startswith('the command cannot start: failed to execute'), result.reason
    assert 'namespace' not in result.reason


def test_a_program_still_busy_starting_is_not_quiet() -> None:
    import subprocess as sp
    import time

    from modcon.containers.pid1 import quiet

    busy = sp.Popen([sys.executable, '-c', 'while True: pass'])
    idle = sp.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])
    try:
        time.sleep(0.5)
        # A process can be preempted; a loop that never sleeps shows as running
        # at least once in a few looks.
        assert not all(quiet(busy.pid) for _ in range(20))
        deadline = time.monotonic() + 30  # a loaded machine can take long to start it
        while not quiet(idle.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert quiet(idle.pid)
    finally:
        busy.kill()
        idle.kill()
        busy.wait()
        idle.wait()
