"""Run a command as PID 1 of a new PID namespace and stop it the way Docker does.

``docker stop`` sends SIGTERM to the container's PID 1, waits the grace
period (10 s by default), then sends SIGKILL. As PID 1, a process gets no
default signal actions: a signal it does not handle is simply dropped. This
module reproduces exactly that with ``unshare --pid --fork --mount-proc``
(as root, or with a user namespace otherwise), without Docker.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence

from modcon.named_tuple import NamedTuple


class StopResult(NamedTuple):
    """What happened when the command was stopped.

    ``verified`` is False when the run could not happen as intended (no
    ``unshare``, no namespace privileges, the command exited before it was
    stopped, it never became ready); ``reason`` then says why.
    """

    verified: bool
    reason: str = ''
    exited_in_grace: bool = False  # stopped by SIGTERM within the grace period
    exit_code: int | None = None  # as Docker reports it: 128+N when killed by signal N
    seconds: float = 0.0  # from SIGTERM to exit (or to the SIGKILL)
    killed: bool = False  # still running at the end of the grace period
    output: str = ''
    outright: bool = False  # killed by the stop signal itself (`STOPSIGNAL SIGKILL`)

    def describe(self) -> str:
        if not self.verified:
            return f'not verified: {self.reason}'
        if self.outright:
            return (f'killed at once by its stop signal, SIGKILL (exit {self.exit_code}): '
                    f'no cleanup could run')
        if self.killed:
            return f'ignored SIGTERM, killed after {self.seconds:.0f} s (exit {self.exit_code})'
        return f'exited {self.exit_code} in {self.seconds:.2f} s'


def _namespace_prefix() -> list[str] | None:
    unshare = shutil.which('unshare')
    if unshare is None:
        return None
    prefix = [unshare, '--pid', '--fork', '--mount-proc', '--kill-child']
    if os.geteuid() != 0:
        prefix[1:1] = ['--user', '--map-root-user']
    return prefix


def _namespace_init(proc: subprocess.Popen[bytes], deadline: float) -> int | None:
    """The host PID of the namespace's PID 1: the forked child of ``unshare``."""
    path = f'/proc/{proc.pid}/task/{proc.pid}/children'
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with open(path) as f:
                children = f.read().split()
        except OSError:
            return None
        if children:
            child = int(children[0])
            _wait_for_exec(child, proc, deadline)
            return child
        time.sleep(0.005)
    return None


def _wait_for_exec(pid: int, proc: subprocess.Popen[bytes], deadline: float) -> None:
    """Until the forked child has exec'd the command: before that it is still
    ``unshare``, and a SIGTERM then (on a busy machine, the settle time can
    pass first) would hit unshare's code instead of the command's handler."""
    try:
        before = os.readlink(f'/proc/{pid}/exe')
    except OSError:
        return
    if os.path.basename(before) != 'unshare':
        return
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if os.readlink(f'/proc/{pid}/exe') != before:
                return
        except OSError:
            return
        time.sleep(0.005)


# After the settle time, how long to wait for a program that is still busy
# starting (importing, compiling) to go quiet before it is stopped anyway.
QUIET_WAIT = 10.0


def _process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            with open(f'/proc/{current}/task/{current}/children') as f:
                todo.extend(int(child) for child in f.read().split())
        except OSError:
            pass
    return pids


def _running(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as f:
            stat = f.read()
    except OSError:
        return False  # gone, or not visible from here: nothing to wait for
    return stat[stat.rindex(')') + 2] in 'RD'  # on a CPU, or in uninterruptible I/O


def quiet(pid: int) -> bool:
    """Whether ``pid`` and every process under it wait for something (a timer,
    a socket, a child): the program is done starting. On a busy machine a
    program can take seconds to import its code and install its handlers; a
    stop signal before that would count as one it ignores."""
    return not any(_running(p) for p in _process_tree(pid))


def settled(pid: int, elapsed: float, settle: float, looks: list[bool]) -> bool:
    """Ready to be stopped: ``settle`` seconds have passed and the program has
    gone quiet (the last three of the caller's ``looks``, one per poll), or it
    has kept busy for :data:`QUIET_WAIT` seconds more."""
    if elapsed < settle:
        return False
    if elapsed >= settle + QUIET_WAIT:
        return True
    looks.append(quiet(pid))
    return len(looks) >= 3 and all(looks[-3:])


# What unshare says, exiting 1, when its child (the namespace's PID 1) died of SIGKILL:
# it tries to die of the same signal and cannot (SIGKILL cannot be reset or unblocked).
_CHILD_KILLED = 'unshare: sigprocmask unblock failed'


def _killed_outright(returncode: int, text: str) -> bool:
    """Whether the command died of SIGKILL, as unshare reports it."""
    return returncode == -signal.SIGKILL or (returncode == 1 and _CHILD_KILLED in text)


def _docker_status(returncode: int) -> int:
    # subprocess reports death by signal N as -N; Docker as 128+N.
    return 128 - returncode if returncode < 0 else returncode


def _signals_as_in_a_container() -> None:
    """Start the command with every signal at its default and none blocked, as
    a container engine does. What this process inherited must not leak in: a
    background job of a non-interactive shell (CI runners start jobs so) has
    SIGINT and SIGQUIT ignored, an ignored signal stays ignored across exec,
    and Python then installs no KeyboardInterrupt handler, so a program behind
    ``STOPSIGNAL SIGINT`` would look hung."""
    for number in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP,
                   signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(number, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, ())


_CANNOT_EXECUTE = 'unshare: failed to execute'


def _ended_early(status: int, text: str) -> StopResult:
    """The command ended before it was stopped: it exited, or, when unshare says it
    failed to execute it (a script whose `#!` line names no program, a file that is
    not executable), it never started; the namespace was made either way."""
    if text.startswith(_CANNOT_EXECUTE):
        return StopResult(False, f'the command cannot start: '
                                 f'{text.strip()[len("unshare: "):][:200]}',
                          exit_code=status, output=text)
    return StopResult(False, f'the command exited with {status} before it was stopped',
                      exit_code=status, output=text)


def stop_like_docker(
        argv: Sequence[str],
        *,
        cwd: str,
        env: Mapping[str, str] | None = None,
        grace: float = 10.0,
        ready: Callable[[str], bool] | None = None,
        ready_timeout: float = 10.0,
        settle: float = 0.3,
        stop_signal: int = signal.SIGTERM,
) -> StopResult:
    """Start ``argv`` as PID 1, wait until ``ready(output)`` (or ``settle`` s),
    send SIGTERM (or the image's ``STOPSIGNAL``), and wait up to ``grace``
    seconds before SIGKILL."""
    prefix = _namespace_prefix()
    if prefix is None:
        return StopResult(False, 'unshare is not installed')
    if not hasattr(os, 'pidfd_open') and not os.path.isdir('/proc'):
        return StopResult(False, 'not Linux')
    with tempfile.NamedTemporaryFile(prefix='modcon-pid1-') as log:
        # The command appends to the log through its own descriptor (O_APPEND),
        # and it is read with pread: reading never moves the writer's offset.
        with open(log.name, 'ab') as sink:
            try:
                proc = subprocess.Popen([*prefix, '--', *argv], cwd=cwd,
                                        env=dict(env or os.environ), stdin=subprocess.DEVNULL,
                                        preexec_fn=_signals_as_in_a_container,
                                        stdout=sink, stderr=subprocess.STDOUT)
            except OSError as exc:
                return StopResult(False, f'cannot start: {exc.strerror}')

        def output() -> str:
            size = os.fstat(log.fileno()).st_size
            return os.pread(log.fileno(), size, 0).decode('utf-8', 'replace')

        init = _namespace_init(proc, time.monotonic() + ready_timeout)
        start = time.monotonic()  # the settle time counts from the command's exec
        looks: list[bool] = []
        if init is None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            text = output()
            if text.startswith('unshare:') and not text.startswith(_CANNOT_EXECUTE):
                return StopResult(False, 'no PID namespace (needs root or user namespaces): '
                                         f'{text.strip()[:200]}', output=text)
            return _ended_early(proc.returncode, text)
        while True:
            if proc.poll() is not None:
                return _ended_early(proc.returncode, output())
            elapsed = time.monotonic() - start
            if ready is None and settled(init, elapsed, settle, looks):
                break
            if ready is not None and ready(output()):
                break
            if elapsed > ready_timeout:
                proc.kill()
                proc.wait()
                return StopResult(False, f'not ready within {ready_timeout:.0f} s',
                                  output=output())
            time.sleep(0.02)

        os.kill(init, stop_signal)
        stopped = time.monotonic()
        try:
            returncode = proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.kill(init, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
            return StopResult(True, exited_in_grace=False, exit_code=128 + signal.SIGKILL,
                              seconds=time.monotonic() - stopped, killed=True, output=output())
        text = output()
        if _killed_outright(returncode, text):
            # `STOPSIGNAL SIGKILL` (or 9): the program had no say; Docker reports 137.
            return StopResult(True, exited_in_grace=False, exit_code=128 + signal.SIGKILL,
                              seconds=time.monotonic() - stopped, killed=True, output=text,
                              outright=True)
        return StopResult(True, exited_in_grace=True, exit_code=_docker_status(returncode),
                          seconds=time.monotonic() - stopped, output=text)
