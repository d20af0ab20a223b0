"""A real container engine (docker or podman): build, run, stop like ``docker stop``.

``modcon verify`` proves how a container stops. With an engine this is the
proof users would get themselves: the Dockerfile is built (its ``RUN`` steps
run, so the Action's trust rules apply, see :func:`refuse_untrusted`), the
image runs detached, and ``<engine> stop -t GRACE`` sends the image's
STOPSIGNAL and SIGKILL after the grace period, exactly as ``docker stop``
does, because it *is* the engine's stop. The exit code comes from
``inspect``, the output from ``logs``, the time from the stop command.

The Python API, for ``modcon verify`` and the benchmarks::

    engine = find_engine('podman')          # or 'auto' / 'docker'; None if unusable
    image = engine.build(context_dir, dockerfile='Dockerfile', target=None)
    result = engine.stop_container(image, grace=3, settle=1)   # a pid1.StopResult
    engine.remove_image(image)

or in one call ``engine.build_and_stop(context_dir, ...)``, which returns a
:class:`ContainerRun` with the build and stop results and the timings.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence

from modcon.containers.pid1 import StopResult
from modcon.containers.pid1 import settled
from modcon.errors import ModconError
from modcon.named_tuple import NamedTuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ENGINES = ('docker', 'podman')
CHOICES = ('auto', *ENGINES, 'namespace')
# GitHub events on which the repository's own code may be built and run: the
# repository's own pushes, schedules and manual runs. Pull requests (forks
# included), comments and anything else triggered from outside never qualify.
TRUSTED_EVENTS = frozenset(('push', 'schedule', 'workflow_dispatch'))
# The host's CA bundle, mounted into builds so that package downloads through
# a TLS-intercepting proxy verify (see docs/verify.md).
HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
KILLED_WARNING = 'resorting to SIGKILL'  # podman's words when the grace period ran out
# Buildah before 1.43 fails a build whose cache lookup meets a layer that another
# build's `rmi` removed meanwhile (containers/buildah#5674); the same build run
# again succeeds. Any other failure is the Dockerfile's and is not retried.
RACED_LAYER = 'layer not known'
BUILD_RETRIES = 2


class EngineError(ModconError):
    """The engine could not do what was asked (build failed, cannot run)."""


class BuildResult(NamedTuple):
    image: str | None  # the image ID, None when the build failed
    seconds: float
    log: str  # the end of the build output

    @property
    def error(self) -> str:
        lines = [line for line in self.log.splitlines() if line.strip()]
        return lines[-1][:300] if lines else 'no output'


class ContainerRun(NamedTuple):
    """One image built and stopped: what ``verify`` and the benchmarks report."""

    engine: str
    build: BuildResult
    stop: StopResult
    started: bool = True  # False: the engine could not build or start it (no result)


def refuse_untrusted(env: Mapping[str, str]) -> None:
    """Raise unless this run may build the repository's code.

    Inside GitHub Actions only the repository's own events qualify
    (:data:`TRUSTED_EVENTS`); a pull request, a fork's or not, or a comment
    never builds. Outside GitHub the user who runs ``modcon verify`` decides.
    """
    if env.get('GITHUB_ACTIONS') != 'true':
        return
    event = env.get('GITHUB_EVENT_NAME', '')
    if event not in TRUSTED_EVENTS:
        raise EngineError(f'building the image runs the repository\'s code, which modcon '
                          f'never does on a {event or "unnamed"!r} event')


class Engine:
    """One container engine's command line (docker's; podman speaks it too)."""

    def __init__(self, name: str, binary: str, env: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.binary = binary
        self.env = dict(os.environ if env is None else env)

    def __repr__(self) -> str:
        return f'Engine({self.name!r}, {self.binary!r})'

    def _run(self, *args: str, timeout: float = 60.0,
             check: bool = False) -> subprocess.CompletedProcess[str]:
        try:
            result = subprocess.run([self.binary, *args], capture_output=True, text=True,
                                    env=self.env, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise EngineError(f'{self.name} {args[0]} did not finish in {timeout:.0f} s') \
                from None
        except OSError as exc:
            raise EngineError(f'cannot run {self.binary}: {exc.strerror}') from None
        if check and result.returncode != 0:
            message = (result.stderr.strip() or result.stdout.strip()).splitlines()
            raise EngineError(f'{self.name} {args[0]} failed: '
                              f'{message[-1][:300] if message else result.returncode}')
        return result

    # -- images -----------------------------------------------------------

    def build(self, context: str, *, dockerfile: str = 'Dockerfile', target: str | None = None,
              tag: str | None = None, timeout: float = 900.0) -> BuildResult:
        """Build ``dockerfile`` (relative to ``context``, or absolute) up to ``target``."""
        refuse_untrusted(self.env)
        path = dockerfile if os.path.isabs(dockerfile) else os.path.join(context, dockerfile)
        args = ['build', '-f', path, '--network', 'host']
        if self.name == 'podman' and os.path.isfile(HOST_CA_BUNDLE):
            args += ['-v', f'{HOST_CA_BUNDLE}:{HOST_CA_BUNDLE}:ro']
        if target:
            args += ['--target', target]
        # A label of its own makes each build a distinct image, so removing it
        # afterwards never removes an identical image built at the same time.
        args += ['--label', f'org.modcon.build={uuid.uuid4().hex}']
        if tag:
            args += ['-t', tag]
        start = time.monotonic()
        for _attempt in range(1 + BUILD_RETRIES):
            with tempfile.TemporaryDirectory(prefix='modcon-build-') as scratch:
                iidfile = os.path.join(scratch, 'iid')
                result = self._run(*args, '--iidfile', iidfile, context,
                                   timeout=max(1.0, timeout - (time.monotonic() - start)))
                log = (result.stdout + result.stderr)[-4000:]
                if result.returncode == 0 and os.path.isfile(iidfile):
                    with open(iidfile) as f:
                        return BuildResult(f.read().strip(), time.monotonic() - start, log)
            if RACED_LAYER not in log:
                break
        return BuildResult(None, time.monotonic() - start, log)

    def has_image(self, image: str) -> bool:
        return self._run('image', 'inspect', '--format', '{{.Id}}', image).returncode == 0

    def image_config(self, image: str) -> dict[str, Any] | None:
        """The image's config (``Entrypoint``, ``Cmd``, ``User``, ``Env``, ...) as
        ``image inspect`` shows it, or None when the engine does not have it."""
        result = self._run('image', 'inspect', image)
        if result.returncode != 0:
            return None
        try:
            data = json.loads(result.stdout)
        except json.JSONDecodeError:
            return None
        if not data or not isinstance(data[0], dict):
            return None
        config = data[0].get('Config') or {}
        return config if isinstance(config, dict) else None

    def image_size(self, image: str) -> int:
        result = self._run('image', 'inspect', '--format', '{{.Size}}', image, check=True)
        return int(result.stdout.strip())

    def remove_image(self, image: str) -> None:
        self._run('rmi', '-f', image)

    # -- containers ---------------------------------------------------------

    def start(self, image: str, *, name: str | None = None, args: Sequence[str] = (),
              options: Sequence[str] = ()) -> str:
        """``run -d``: the container's name; raises EngineError when it cannot start."""
        name = name or f'modcon-{uuid.uuid4().hex[:12]}'
        self._run('run', '-d', '--name', name, *options, image, *args, check=True)
        return name

    def state(self, container: str) -> dict[str, Any]:
        result = self._run('inspect', '--format', '{{json .State}}', container, check=True)
        state = json.loads(result.stdout)
        return state if isinstance(state, dict) else {}

    def logs(self, container: str) -> str:
        result = self._run('logs', container)
        return result.stdout + result.stderr

    def exec(self, container: str, *argv: str, user: str | None = None,
             tty: bool = False) -> subprocess.CompletedProcess[str]:
        options = (['--user', user] if user else []) + (['-t'] if tty else [])
        return self._run('exec', *options, container, *argv)

    def stop(self, container: str, grace: float) -> tuple[float, bool]:
        """``stop -t GRACE``: seconds it took, and whether SIGKILL was needed."""
        start = time.monotonic()
        result = self._run('stop', '-t', _whole_seconds(grace), container,
                           timeout=grace + 60, check=True)
        return time.monotonic() - start, KILLED_WARNING in result.stderr

    def remove(self, container: str) -> None:
        # podman's rm -f stops with the grace period first unless told otherwise
        self._run('rm', '-f', *(['-t', '0'] if self.name == 'podman' else []), container)

    def stop_container(
            self, image: str, *, grace: float = 10.0, settle: float = 1.0,
            ready: Callable[[str], bool] | None = None, ready_timeout: float = 20.0,
            args: Sequence[str] = (), options: Sequence[str] = (),
    ) -> StopResult:
        """Run ``image``, wait until ``ready(logs)`` (or ``settle`` s), stop it like
        ``docker stop -t GRACE``, and report as the PID-namespace emulation does."""
        try:
            container = self.start(image, args=args, options=options)
        except EngineError as exc:
            return StopResult(False, str(exc))
        try:
            return self._stop_started(container, grace, settle, ready, ready_timeout)
        finally:
            self.remove(container)

    def _stop_started(self, container: str, grace: float, settle: float,
                      ready: Callable[[str], bool] | None, ready_timeout: float) -> StopResult:
        start = time.monotonic()
        looks: list[bool] = []
        while True:
            state = self.state(container)
            if not state.get('Running'):
                code = state.get('ExitCode')
                return StopResult(False, f'the command exited with {code} before it was '
                                         f'stopped', exit_code=code, output=self.logs(container))
            elapsed = time.monotonic() - start
            # The container's PID 1 as this machine sees it (0 when it cannot).
            if ready is None and settled(int(state.get('Pid') or 0), elapsed, settle, looks):
                break
            if ready is not None and ready(self.logs(container)):
                break
            if elapsed > ready_timeout:
                return StopResult(False, f'not ready within {ready_timeout:.0f} s',
                                  output=self.logs(container))
            time.sleep(0.1)
        seconds, killed = self.stop(container, grace)
        code = self.state(container).get('ExitCode')
        killed = killed or (code == 137 and seconds >= grace)
        return StopResult(True, exited_in_grace=not killed, exit_code=code, seconds=seconds,
                          killed=killed, output=self.logs(container))

    def build_and_stop(self, context: str, *, dockerfile: str = 'Dockerfile',
                       target: str | None = None, grace: float = 10.0, settle: float = 1.0,
                       ready: Callable[[str], bool] | None = None, ready_timeout: float = 20.0,
                       options: Sequence[str] = (), keep_image: bool = False) -> ContainerRun:
        """Build the Dockerfile, run the image (with ``run`` ``options`` such as
        ``--network host`` or ``-e NAME=value``) and stop it; the image is removed
        afterwards unless ``keep_image``."""
        build = self.build(context, dockerfile=dockerfile, target=target)
        if build.image is None:
            return ContainerRun(self.name, build, StopResult(
                False, f'{self.name} build failed: {build.error}'), started=False)
        try:
            try:
                container = self.start(build.image, options=options)
            except EngineError as exc:
                return ContainerRun(self.name, build, StopResult(False, str(exc)),
                                    started=False)
            try:
                stop = self._stop_started(container, grace, settle, ready, ready_timeout)
            finally:
                self.remove(container)
        finally:
            if not keep_image:
                self.remove_image(build.image)
        return ContainerRun(self.name, build, stop)


def _whole_seconds(grace: float) -> str:
    # docker and podman take whole seconds; round up so the grace is never shorter
    whole = int(grace)
    return str(whole if whole == grace else whole + 1)


def _usable(engine: Engine) -> bool:
    """The engine answers (docker: its daemon; podman: its storage and runtime)."""
    probe = ('version', '--format', '{{.Server.Version}}') if engine.name == 'docker' \
        else ('info', '--format', '{{.Host.OCIRuntime.Name}}')
    try:
        result = engine._run(*probe, timeout=20)
    except EngineError:
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def find_engine(choice: str = 'auto', env: Mapping[str, str] | None = None) -> Engine | None:
    """The engine to use: ``docker`` or ``podman`` by name, or the first that
    answers for ``auto``; None for ``namespace`` or when none is usable."""
    if choice not in CHOICES:
        raise EngineError(f'unknown engine {choice!r} (choose from {", ".join(CHOICES)})')
    if choice == 'namespace':
        return None
    names = ENGINES if choice == 'auto' else (choice,)
    path = (env or os.environ).get('PATH')
    for name in names:
        binary = shutil.which(name, path=path)
        if binary is None:
            continue
        engine = Engine(name, binary, env)
        if _usable(engine):
            return engine
    return None
