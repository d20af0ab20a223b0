"""Real apps before and after `modcon fix`: does each one stop on `docker stop`?

    .venv/bin/python benchmarks/real_apps.py              # every app, report on stdout
    .venv/bin/python benchmarks/real_apps.py --only run__ --only grpc
    .venv/bin/python benchmarks/real_apps.py --write-docs # also update docs/benchmarks.md
    .venv/bin/python benchmarks/real_apps.py --engine podman --only run__helloworld

Apps: every folder of ``../shared/data/real-world/apps/`` (``--apps DIR``), each a
Dockerfile plus the files it copies from its build context. They are read in
place; everything else happens in a cache outside the repository
(``--cache DIR``, default ``~/.cache/modcon-real-apps``):

- ``deps/<hash>/``: the app's dependencies, prepared once from the package
  registries and shared by the apps that ask for the same ones: a virtualenv
  from the requirement files its ``RUN pip install -r`` names (or its
  ``pyproject.toml``), ``node_modules`` from its ``package.json``. A failed
  install is cached too (``--retry-failed`` tries again).
- ``stage/<app>/{before,safe,unsafe}/``: fresh copies of the app; ``modcon fix``
  and ``modcon fix --unsafe-fixes`` edit the last two.
- ``results.json``: the last run's records, which also give the next run its
  time estimate.

Each copy runs the way ``modcon verify`` runs a container (its own machinery:
the files the final stage copies laid out under a temporary root, the
resolved command as PID 1 of a new PID namespace, stopped as ``docker stop``
does), with the dependencies in place: the virtualenv's ``bin`` first on the
image's ``PATH`` after the image's own folders, ``node_modules`` beside each
``package.json`` the image has. Like Cloud Run, the container gets ``$PORT``
(a free port) and ``K_SERVICE``. It is stopped once something listens on
``$PORT``, or after ``--settle`` seconds if nothing does; then SIGTERM, and
SIGKILL after ``--grace`` seconds. A copy that ``modcon fix`` left unchanged
is not run again: it behaves as the original.

An app is skipped, with the reason, when its base image is not a Python or
Node runtime the host can stand in for (an OS image whose command comes from
its own packages), or when its dependencies do not install. An app that
exits before SIGTERM "did not start" (missing credentials, a database, a
generated file); its output's last line is the reason.

The report: graceful stops before and after, regressions, every app that
still hangs with modcon's findings and how it resolved the command, and per
rule how its findings match behaviour. ``--write-docs`` replaces the section
between the ``real-apps`` markers of ``docs/benchmarks.md``.

``--engine podman`` (or ``auto``: podman where it works) runs each copy in a
real container instead, where every image its Dockerfile starts FROM can be
stood in locally: an official ``python`` image by Debian bookworm's Python
3.11, a ``node`` image by the host's Node (the local base images of
``tests/containers/base-images.sh``, tagged with the public name, see
``tests/containerkit.py``; ``CONTAINERS_CONF`` is that of the tests; the Node
image with the layer of ``tests/containers/node-registry.sh``, so that npm
trusts the host's CA bundle that the build mounts). The copy's Dockerfile is
built (its ``RUN`` steps install from the registries),
run with ``--network host`` and ``-e PORT=...``, and stopped with ``podman
stop -t GRACE``: the image's STOPSIGNAL, then SIGKILL. Readiness is a reply on
``$PORT`` (an app that listens elsewhere is stopped after ``--settle``). The
images of an app's copies are kept until its last copy ran, so unchanged
layers are built once. An app whose base image has no stand-in, or whose image
does not build or start, runs in the emulation; each run records which way
it ran and why (the report lists them). The default, ``--engine namespace``,
is the emulation for every app.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import hashlib
import io
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_APPS = ROOT.parent / 'shared' / 'data' / 'real-world' / 'apps'
DEFAULT_CACHE = pathlib.Path(os.environ.get('XDG_CACHE_HOME') or pathlib.Path.home() / '.cache') \
    / 'modcon-real-apps'
DOCS = ROOT / 'docs' / 'benchmarks.md'
START_MARK = '<!-- real-apps:start (benchmarks/real_apps.py --write-docs) -->'
END_MARK = '<!-- real-apps:end -->'
VARIANTS = ('before', 'safe', 'unsafe')
# What a Cloud Run container finds in its environment (besides its image's ENV and $PORT);
# and one knob for old apps: code generated before protobuf 4 (the gRPC samples' *_pb2.py)
# refuses to load with the C implementation that their pinned grpcio-tools pulls in, and
# runs unchanged with the pure-Python one.
RUNTIME_ENV = {'K_SERVICE': 'real-apps', 'K_REVISION': 'real-apps-1', 'K_CONFIGURATION': 'real-apps',
               'PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION': 'python'}
PYPROJECT_INSTALL = re.compile(r'\b(?:uv\s+sync|pip3?\s+install\s+(?:-e\s+)?\.(?:\s|$)|poetry\s+install)')
# An install that takes longer is given up (and cached as failed): the weather-forecasting
# sample's local packages pull in torch, gigabytes for an app that then needs its model.
INSTALL_TIMEOUT = 300


@dataclasses.dataclass
class App:
    name: str
    folder: pathlib.Path
    dockerfile: str  # its file name inside the folder

    @property
    def key(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()[:12]


@dataclasses.dataclass
class Run:
    """One copy of an app, run as PID 1 and stopped."""

    started: bool
    stopped: bool = False  # exited within the grace period after SIGTERM
    killed: bool = False
    exit_code: int | None = None
    seconds: float = 0.0  # from SIGTERM to exit
    listened: bool = False  # something answered on $PORT before SIGTERM
    ready_after: float = 0.0  # seconds from the start to SIGTERM
    port: int | None = None  # the port it listened on
    reason: str = ''  # why it did not start (or, from run_container, why it could not run)
    same_as_before: bool = False  # the fix changed nothing; the original's run is reused
    output: str = ''  # the end of what the container printed
    way: str = 'emulation'  # 'podman': a real container; 'emulation': PID 1 of a new namespace
    fallback: str = ''  # why the emulation ran when a real container was asked for

    def describe(self) -> str:
        if not self.started:
            return f'did not start: {self.reason}'
        quiet = '' if self.listened else ' (no reply)' if self.port else ' (no port)'
        if self.killed:
            return f'hung, SIGKILL after {self.seconds:.1f} s{quiet}'
        return f'stopped in {self.seconds:.2f} s, exit {self.exit_code}{quiet}'


@dataclasses.dataclass
class Record:
    app: str
    dockerfile: str
    skipped: str = ''
    runtime: str = ''  # the interpreter that stood in for the base image's
    kind: str = ''  # python or node
    deps: str = ''  # the virtualenv or node_modules folder
    notes: list[str] = dataclasses.field(default_factory=list)
    findings: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # variant -> codes
    changed: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # variant -> files
    command: list[str] = dataclasses.field(default_factory=list)
    explain: str = ''
    runs: dict[str, Run] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0  # wall time spent on the app in this run
    deps_seconds: float = 0.0  # of which preparing its dependencies

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        runs = {k: Run(**v) for k, v in data.pop('runs', {}).items()}
        return cls(**data, runs=runs)


# --- finding the apps -------------------------------------------------------------------------

def discover(apps: pathlib.Path, only: list[str]) -> list[App]:
    found = []
    for folder in sorted(p for p in apps.iterdir() if p.is_dir()):
        if only and not any(o.lower() in folder.name.lower() for o in only):
            continue
        # `<repo>__<dir>__Dockerfile.custom` names which Dockerfile of the folder is the app's.
        tail = folder.name.rsplit('__', 1)[-1]
        name = tail if tail.startswith('Dockerfile') and (folder / tail).is_file() else 'Dockerfile'
        found.append(App(folder.name, folder, name))
    return found


# --- modcon, as a user runs it ------------------------------------------------------------------

def modcon(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """``modcon ARGS`` in ``cwd`` through its command line's own entry point; in this
    process, which saves an interpreter start per call (five per app)."""
    from modcon.cli import main as modcon_main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = modcon_main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(['modcon', *args], code, out.getvalue(), err.getvalue())


def finding_codes(stage: pathlib.Path) -> list[str]:
    """Every finding of ``modcon check`` on the copy, as 'CODE path:line'."""
    done = modcon('check', '--format', 'json', '--exit-zero', '.', cwd=stage)
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        return [f'ERROR modcon check: {(done.stderr or done.stdout).strip()[-200:]}']
    return sorted(f'{f["code"]} {os.path.normpath(f["path"])}:{f["start"]["line"]}' for f in data)


def make_writable(folder: pathlib.Path) -> None:
    """A checkout's modes on the copy: the apps folder may be read-only, and `modcon fix`
    rightly refuses to rewrite a read-only file."""
    for path in [folder, *folder.rglob('*')]:
        path.chmod(path.stat().st_mode | 0o200)


def snapshot(folder: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob('*')) if p.is_file()}


def stage_copies(app: App, cache: pathlib.Path, record: Record) -> dict[str, pathlib.Path]:
    """Fresh copies of the app; ``modcon fix`` edits ``safe`` and ``unsafe``."""
    base = cache / 'stage' / app.name
    shutil.rmtree(base, ignore_errors=True)
    copies = {}
    for variant in VARIANTS:
        target = base / variant
        shutil.copytree(app.folder, target)
        make_writable(target)
        copies[variant] = target
    original = snapshot(copies['before'])
    for variant, flags in (('safe', ()), ('unsafe', ('--unsafe-fixes',))):
        done = modcon('fix', *flags, '--exit-zero', '.', cwd=copies[variant])
        if done.returncode not in (0, 1):
            record.notes.append(f'modcon fix {" ".join(flags)} exited {done.returncode}: '
                                f'{done.stderr.strip()[-300:]}')
        after = snapshot(copies[variant])
        record.changed[variant] = sorted(k for k in original.keys() | after.keys()
                                         if original.get(k) != after.get(k))
    for variant in VARIANTS:
        if variant == 'before' or record.changed[variant]:
            record.findings[variant] = finding_codes(copies[variant])
        else:
            record.findings[variant] = record.findings['before']
    return copies


# --- the runtime the base image provides ----------------------------------------------------------

def base_image(document: Any) -> str:
    lineage = document.stages.final_lineage
    return lineage[0].image if lineage else ''


def runtime_of(image: str, dockerfile_text: str) -> tuple[str, tuple[int, int] | None] | None:
    """('python', (3, 12)) or ('node', None) when the base image is a runtime we stand in for."""
    repository = image.split('@', 1)[0]
    name, _, tag = repository.rpartition(':') if ':' in repository.rsplit('/', 1)[-1] \
        else (repository, '', '')
    last = name.rsplit('/', 1)[-1]
    if last in ('python', 'pypy') or last.startswith('python'):
        version = re.match(r'(\d+)\.(\d+)', tag)
        if version is None:  # an image that makes its own (App Engine's `virtualenv -p python3.6`)
            version = re.search(r'python(\d)\.(\d+)', dockerfile_text)
        return 'python', (int(version[1]), int(version[2])) if version else None
    if last in ('node', 'nodejs'):
        return 'node', None
    return None


def python_interpreters() -> dict[tuple[int, int], str]:
    """Every CPython of this machine: on PATH as pythonX.Y, or under pyenv."""
    found: dict[tuple[int, int], str] = {}
    pyenv = pathlib.Path(os.environ.get('PYENV_ROOT') or pathlib.Path.home() / '.pyenv')
    for exe in sorted(pyenv.glob('versions/*/bin/python3')):
        match = re.match(r'(\d+)\.(\d+)\.\d+$', exe.parents[1].name)
        if match:
            found.setdefault((int(match[1]), int(match[2])), str(exe))
    for minor in range(6, 30):
        exe = shutil.which(f'python3.{minor}')
        if exe and '/shims/' not in exe:
            found.setdefault((3, minor), exe)
    found.setdefault(sys.version_info[:2], sys.executable)
    return found


def interpreter_choices(wanted: tuple[int, int] | None) -> list[tuple[tuple[int, int], str]]:
    """The wanted version first, then the nearest ones, then this Python's own."""
    found = python_interpreters()
    own = sys.version_info[:2]
    if wanted is None:
        return [(own, found[own])]
    ordered = sorted(found.items(), key=lambda kv: (abs(kv[0][1] - wanted[1]), -kv[0][1]))
    first = ordered[0]
    return [first] + ([(own, found[own])] if first[0] != own else [])


# --- real containers: which base images can be stood in ------------------------------------------

# The official images that a local base image of tests/containers/base-images.sh stands in for.
STAND_IN_KINDS = ('python', 'node')
STAND_IN_NAMES = {'python': "Debian bookworm's Python 3.11", 'node': "the host's Node"}


def stand_in_kind(image: str) -> str | None:
    """'python' or 'node' for an official python/node image (any tag: Debian bookworm's
    Python 3.11 and the host's Node stand in for every version), else None."""
    if '$' in image:  # FROM python:${VERSION}: the tag is not known before the build
        return None
    name = image.split('@', 1)[0]
    if ':' in name.rsplit('/', 1)[-1]:
        name = name.rsplit(':', 1)[0]
    for prefix in ('docker.io/library/', 'index.docker.io/library/', 'library/'):
        name = name.removeprefix(prefix)
    return name if name in STAND_IN_KINDS else None


def container_plan(images: Iterable[str], engine_missing: str) -> tuple[dict[str, str], str]:
    """Each external image the Dockerfile starts FROM with the kind of its stand-in, and
    '' (a real container); or no images and why the app runs in the emulation."""
    if engine_missing:
        return {}, engine_missing
    kinds = {}
    for image in images:
        if image.lower() == 'scratch':
            continue
        kind = stand_in_kind(image)
        if kind is None:
            return {}, f'no local stand-in for the base image {image}'
        kinds[image] = kind
    if not kinds:
        return {}, 'no base image to stand in'
    return kinds, ''


# --- dependencies, prepared once ----------------------------------------------------------------

def pip_installs(dockerfile_text: str) -> Iterator[list[str]]:
    """The arguments of each ``pip install`` in the Dockerfile's RUN lines."""
    for run in re.findall(r'^\s*RUN\b((?:.*\\\n)*.*)', dockerfile_text, re.M | re.I):
        for command in re.split(r'&&|\|\||;|\|', run.replace('\\\n', ' ')):
            try:
                words = shlex.split(command)
            except ValueError:
                continue
            for i, word in enumerate(words[:-1]):
                if re.fullmatch(r'(?:\S*/)?pip3?(?:\.\d+)?', word) and words[i + 1] == 'install':
                    yield words[i + 2:]
                    break


def python_requirements(app: App, dockerfile_text: str) -> tuple[list[pathlib.Path], list[str]]:
    """The requirement files the build installs, and the packages it names (directly, or
    through the pyproject.toml it installs)."""
    files: list[pathlib.Path] = []
    packages: list[str] = []
    takes_value = {'-c', '--constraint', '-i', '--index-url', '--extra-index-url', '-f',
                   '--find-links', '-t', '--target', '--prefix', '--root', '--trusted-host'}
    for words in pip_installs(dockerfile_text):
        words = iter(words)
        for word in words:
            if word in ('-r', '--requirement') or word.startswith(('-r', '--requirement=')):
                name = next(words, '') if word in ('-r', '--requirement') else \
                    word.split('=', 1)[-1] if word.startswith('--') else word[2:]
                candidate = app.folder / name.lstrip('/')
                if not candidate.is_file():
                    candidate = app.folder / pathlib.PurePosixPath(name).name
                if candidate.is_file() and candidate not in files:
                    files.append(candidate)
            elif word in takes_value:
                next(words, None)
            elif not word.startswith('-') and word not in ('.', 'pip', 'setuptools', 'wheel'):
                packages.append(word)
    pyproject = app.folder / 'pyproject.toml'
    if pyproject.is_file() and PYPROJECT_INSTALL.search(dockerfile_text):
        data = tomllib.loads(pyproject.read_text())
        packages += data.get('project', {}).get('dependencies', [])
    return files, packages


def deps_key(*parts: str) -> str:
    return hashlib.sha256('\0'.join(parts).encode()).hexdigest()[:16]


def _install(folder: pathlib.Path, steps: list[list[str]], cwd: pathlib.Path) -> str:
    """Run the install steps into ``folder``; '' or the reason they failed (cached)."""
    ok, failed = folder / '.ok', folder / '.failed'
    if ok.exists():
        return ''
    log = []
    for argv in steps:
        try:
            done = subprocess.run(argv, cwd=cwd, text=True, capture_output=True,
                                  timeout=INSTALL_TIMEOUT)
        except subprocess.TimeoutExpired:
            reason = f'`{" ".join(argv[-3:])}` did not finish in {INSTALL_TIMEOUT} s'
            failed.write_text(reason)
            return reason
        log.append(f'$ {" ".join(argv)}\n{done.stdout}{done.stderr}')
        if done.returncode != 0:
            (folder / 'install.log').write_text('\n'.join(log))
            lines = [line for line in (done.stderr or done.stdout).splitlines()
                     if re.match(r'\s*(ERROR:|npm error (?:code|notarget|\d+))', line)]
            reason = (lines[0] if lines else (done.stderr or done.stdout).strip()[-200:]).strip()
            failed.write_text(reason)
            return reason or f'{argv[0]} exited {done.returncode}'
    (folder / 'install.log').write_text('\n'.join(log))
    ok.touch()
    return ''


def prepare_python(app: App, cache: pathlib.Path, text: str, wanted: tuple[int, int] | None,
                   retry: bool, record: Record) -> pathlib.Path | None:
    files, project = python_requirements(app, text)
    contents = [f.read_text(errors='replace') for f in files] + project
    uses_uv = re.search(r'^\s*(?:CMD|ENTRYPOINT)\b.*\buv\b', text, re.M | re.I) is not None
    reasons = []
    for version, exe in interpreter_choices(wanted):
        folder = cache / 'deps' / deps_key('python', f'{version[0]}.{version[1]}', *contents,
                                           'uv' if uses_uv else '')
        if retry and (folder / '.failed').exists():
            shutil.rmtree(folder)
        if (folder / '.failed').exists():
            reasons.append(f'python{version[0]}.{version[1]}: {(folder / ".failed").read_text()}')
            continue
        folder.mkdir(parents=True, exist_ok=True)
        venv = folder / 'venv'
        pip = [str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '--quiet',
               '--disable-pip-version-check']
        steps = [] if (folder / '.ok').exists() else [[exe, '-m', 'venv', '--clear', str(venv)]]
        steps += [[*pip, '-r', str(folder / 'context' / f.relative_to(app.folder))]
                  for f in files]
        if project:
            steps.append([*pip, *project])
        if uses_uv:
            steps.append([*pip, 'uv'])
        # pip builds local packages in place: it works on a copy, never in the apps folder.
        context = folder / 'context'
        if not (folder / '.ok').exists():
            shutil.rmtree(context, ignore_errors=True)
            shutil.copytree(app.folder, context)
        reason = _install(folder, steps, context)
        if not reason:
            record.runtime = f'python{version[0]}.{version[1]}'
            if wanted and version != wanted:
                record.notes.append(f'python{wanted[0]}.{wanted[1]} stood in by '
                                    f'python{version[0]}.{version[1]}')
            return venv
        reasons.append(f'python{version[0]}.{version[1]}: {reason}')
    record.skipped = 'a dependency does not install: ' + '; '.join(reasons)
    return None


def prepare_node(app: App, cache: pathlib.Path, text: str, retry: bool,
                 record: Record) -> pathlib.Path | None:
    manifests = [app.folder / name for name in ('package.json', 'package-lock.json')
                 if (app.folder / name).is_file()]
    record.runtime = 'node ' + subprocess.run(['node', '--version'], text=True,
                                              capture_output=True).stdout.strip()
    if not manifests:
        if re.search(r'\b(?:npm|yarn|pnpm)\s+(?:install|ci)\b', text):
            record.skipped = 'missing files: the build installs packages, but the copy has no ' \
                             'package.json'
        return None
    folder = cache / 'deps' / deps_key('node', *(m.read_text(errors='replace') for m in manifests))
    if retry and (folder / '.failed').exists():
        shutil.rmtree(folder)
    if (folder / '.failed').exists():
        record.skipped = f'a dependency does not install: {(folder / ".failed").read_text()}'
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for manifest in manifests:
        shutil.copyfile(manifest, folder / manifest.name)
    reason = _install(folder, [['npm', 'install', '--omit=dev', '--no-audit', '--no-fund',
                                '--loglevel=error']], folder)
    if reason:
        record.skipped = f'a dependency does not install: {reason}'
        return None
    return folder / 'node_modules'


# --- running one copy -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return int(s.getsockname()[1])


def answers(port: int, timeout: float) -> bool:
    """Whether the server on ``port`` replies to a request (any reply, or a close).

    A server that only accepts connections may still be loading the app: gunicorn's
    master listens before its worker has imported anything.
    """
    try:
        with socket.create_connection(('localhost', port), timeout=timeout) as s:
            s.sendall(b'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n')
            s.recv(1)
            return True
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f'/proc/{current}/task/{current}/children') as f:
                children = [int(c) for c in f.read().split()]
        except OSError:
            continue
        found.extend(children)
        todo.extend(children)
    return found


def listening_ports(pids: Iterable[int]) -> set[int]:
    """The TCP ports that these processes listen on (from /proc, any address)."""
    inodes = set()
    for pid in pids:
        try:
            names = os.listdir(f'/proc/{pid}/fd')
        except OSError:
            continue
        for name in names:
            try:
                target = os.readlink(f'/proc/{pid}/fd/{name}')
            except OSError:
                continue
            if target.startswith('socket:['):
                inodes.add(target[8:-1])
    ports = set()
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == '0A' and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(':', 1)[1], 16))
    return ports


def readiness(settle: float, hold: float, seen: dict[str, Any]) -> Callable[[str], bool]:
    """Ready ``hold`` seconds after the container's processes listen on a port and the
    server there replied to a request (or 5 s passed without a reply); or after
    ``settle`` seconds if they listen on nothing.

    Under load an app can take many seconds to import its dependencies: a SIGTERM
    sent before its handler is installed would count as a hang that is not one.
    The hold tells an app that stays up from one that fails right after it
    starts serving (no database, no credentials): that one "did not start".
    """
    start = time.monotonic()
    me = os.getpid()
    state: dict[str, float] = {'polled': 0.0, 'opened': 0.0, 'ready': 0.0}

    def ready(_output: str) -> bool:
        now = time.monotonic()
        if state['ready']:
            return now >= state['ready'] + hold
        if now - state['polled'] < 0.2:
            return now - start >= settle
        state['polled'] = now
        ports = sorted(listening_ports(_descendants(me)))
        if ports:
            state['opened'] = state['opened'] or now
            seen['port'] = ports[0]
            seen['listened'] = answers(ports[0], 5.0)
            if seen['listened'] or time.monotonic() - state['opened'] >= 5.0:
                state['ready'] = time.monotonic()
                seen['ready_after'] = round(state['ready'] - start, 2)
            return False
        seen['ready_after'] = round(now - start, 2)
        return now - start >= settle
    return ready


def run_copy(stage: pathlib.Path, app: App, deps: pathlib.Path | None, kind: str,
             args: argparse.Namespace, record: Record) -> Run:
    from modcon.containers.pid1 import stop_like_docker
    from modcon.engine.files import read_source
    from modcon.entrypoints.dockerfile_document import DockerfileDocument
    from modcon.entrypoints.resolve import resolve
    from modcon.project import LocalProject
    from modcon.verify.check import _in_root
    from modcon.verify.check import _lay_out
    from modcon.verify.check import stop_signal_for

    project = LocalProject(str(stage))
    document = DockerfileDocument(read_source(str(stage / app.dockerfile), app.dockerfile), project)
    resolution = resolve(document, app.dockerfile, project)
    if not resolution.argv:
        return Run(False, reason='no command')
    record.command = record.command or list(resolution.argv)
    with tempfile.TemporaryDirectory(prefix='modcon-real-app-') as root:
        _lay_out(resolution, project, root, {})
        env = dict(resolution.env)
        moved = [os.path.join(root, d.lstrip('/')) for d in env.get('PATH', '').split(':') if d]
        runtime_bin = [str(deps / 'bin')] if deps is not None and kind == 'python' else []
        env['PATH'] = ':'.join([*moved, *runtime_bin, os.environ.get('PATH', '')])
        env.setdefault('HOME', root)
        env.setdefault('PORT', str(free_port()))
        for key, value in RUNTIME_ENV.items():
            env.setdefault(key, value)
        env.update(args.env)  # docker run -e
        if deps is not None and kind == 'python':
            env['VIRTUAL_ENV'] = str(deps)
            # `uv run` finds what the build's `uv sync` installed, without the network.
            env.setdefault('UV_PROJECT_ENVIRONMENT', str(deps))
            env.setdefault('UV_NO_SYNC', '1')
            env.setdefault('UV_PYTHON_DOWNLOADS', 'never')
        if deps is not None and kind == 'node':
            for manifest in pathlib.Path(root).rglob('package.json'):
                link = manifest.parent / 'node_modules'
                if 'node_modules' not in manifest.parts and not link.exists():
                    link.symlink_to(deps, target_is_directory=True)
        command = [_in_root(root, word, resolution) for word in resolution.argv]
        if shutil.which(command[0], path=env['PATH']) is None:
            return Run(False, reason=f'{command[0]} is not installed here')
        stop = stop_signal_for(document, resolution)
        if isinstance(stop, str):
            return Run(False, reason=stop)
        cwd = os.path.join(root, resolution.workdir.lstrip('/'))
        os.makedirs(cwd, exist_ok=True)
        seen: dict[str, Any] = {'listened': False, 'ready_after': 0.0, 'port': None}
        result = stop_like_docker(command, cwd=cwd, env=env, grace=args.grace,
                                  stop_signal=stop,
                                  ready=readiness(args.settle, args.hold, seen),
                                  ready_timeout=args.settle + 30)
    if not result.verified:
        why = result.reason + (f': {last_error(result.output)}' if result.output.strip() else '')
        return Run(False, exit_code=result.exit_code, reason=why, output=result.output[-1500:])
    return Run(True, stopped=result.exited_in_grace, killed=result.killed,
               exit_code=result.exit_code, seconds=round(result.seconds, 3),
               listened=seen['listened'], ready_after=seen['ready_after'], port=seen['port'],
               output=result.output[-1500:])


def port_readiness(port: int, settle: float, hold: float,
                   seen: dict[str, Any]) -> Callable[[str], bool]:
    """For a real container, whose processes are not this one's children: ready ``hold``
    seconds after the server on ``port`` replied to a request, or after ``settle`` seconds.
    The time counts from the first look, once the container runs: counted from before
    the build, a build slower than ``settle`` (npm installing under load) had the app
    stopped as it started, before its handler existed, and it looked hung."""
    state = {'polled': 0.0, 'ready': 0.0, 'start': 0.0}

    def ready(_logs: str) -> bool:
        now = time.monotonic()
        start = state['start'] = state['start'] or now
        if state['ready']:
            return now >= state['ready'] + hold
        if now - state['polled'] >= 0.3:
            state['polled'] = now
            if answers(port, 5.0):
                state['ready'] = time.monotonic()
                seen.update(port=port, listened=True,
                            ready_after=round(state['ready'] - start, 2))
                return False
        seen['ready_after'] = round(now - start, 2)
        return now - start >= settle
    return ready


def run_container(stage: pathlib.Path, app: App, args: argparse.Namespace,
                  images: list[str]) -> Run:
    """Build the copy's Dockerfile, run the image with $PORT, stop it as ``docker stop``
    does. ``way`` is 'emulation' (with the reason) when it could not build or start."""
    port = free_port()
    env = {**RUNTIME_ENV, 'PORT': str(port), **dict(args.env)}
    options = ['--network', 'host', *(f'-e{key}={value}' for key, value in env.items())]
    seen: dict[str, Any] = {'listened': False, 'ready_after': 0.0, 'port': None}
    done = args.container_engine.build_and_stop(
        str(stage), dockerfile=app.dockerfile, grace=args.grace, settle=args.settle,
        ready=port_readiness(port, args.settle, args.hold, seen),
        ready_timeout=args.settle + 30, options=options, keep_image=True)
    if done.build.image:
        images.append(done.build.image)
    result = done.stop
    if not done.started:
        why = f'podman build failed: {build_failure(done.build.log)}' \
            if done.build.image is None else result.reason
        return Run(False, reason=why[:300], way='emulation')
    if not result.verified:
        why = result.reason + (f': {last_error(result.output)}' if result.output.strip() else '')
        return Run(False, exit_code=result.exit_code, reason=why, output=result.output[-1500:],
                   way='podman')
    return Run(True, stopped=result.exited_in_grace, killed=result.killed,
               exit_code=result.exit_code, seconds=round(result.seconds, 3),
               listened=seen['listened'], ready_after=seen['ready_after'], port=seen['port'],
               output=result.output[-1500:], way='podman')


def plan_containers(stage: pathlib.Path, app: App, args: argparse.Namespace,
                    record: Record) -> str:
    """Stand in the base images of the app's Dockerfile (and note its command); '' or why
    it runs in the emulation."""
    from modcon.containers.engine import EngineError
    from modcon.engine.files import read_source
    from modcon.entrypoints.dockerfile_document import DockerfileDocument
    from modcon.entrypoints.resolve import resolve
    from modcon.project import LocalProject
    from tests import containerkit

    project = LocalProject(str(stage))
    document = DockerfileDocument(read_source(str(stage / app.dockerfile), app.dockerfile),
                                  project)
    record.command = list(resolve(document, app.dockerfile, project).argv)
    external = [s.image for s in document.stages if s.parent is None]
    kinds, why = container_plan(external, args.engine_missing)
    bases = {'python': containerkit.PYTHON_BASE, 'node': containerkit.NODE_BASE}
    for image, kind in kinds.items():
        try:
            containerkit.stand_in(image, bases[kind])
        except (AssertionError, EngineError, subprocess.CalledProcessError) as exc:
            return f'cannot stand in {image}: {exc}'[:300]
    if kinds:
        record.notes.append('in the container: ' + ', '.join(
            f'{image} stood in by {STAND_IN_NAMES[kind]}' for image, kind in kinds.items()))
    return why


def build_failure(log: str) -> str:
    """Why a build failed: the step, and what went wrong. The engine's own error when it
    says more than an exit status (a ``COPY`` source that is missing), else the line of
    the step's output that gives the cause (npm's ``reason:``, else its error code, else
    the last line naming an error)."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    failed = next((m for line in reversed(lines)
                   if (m := re.search(r'building at STEP "(.*?)": (.*)', line))), None)
    step, said = failed.groups() if failed else ('', '')
    said = re.sub(r'checking on sources under "[^"]*": ', '', said)
    output = [line for line in lines if 'building at STEP' not in line
              and 'complete log of this run' not in line]
    if said and not said.startswith('while running runtime'):
        cause = said
    else:
        cause = next((line for line in reversed(output) if 'reason:' in line), '') \
            or next((line for line in reversed(output)
                     if re.match(r'npm (?:error|ERR!) code', line)), '') \
            or (last_error('\n'.join(output)) if output else 'no output')
    return f'`{step}`: {cause}' if step else cause


def last_error(output: str) -> str:
    """The line of the output that says why the program stopped: the last one that
    names an error, else the last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    raised = [line for line in lines if re.match(r'[\w.]*(?:Error|Exception)\b', line)]
    errors = [line for line in lines if re.search(r'error|exception|not found|cannot|denied',
                                                  line, re.I)]
    return (raised or errors or lines)[-1][:200]


def explain_text(stage: pathlib.Path, dockerfile: str) -> str:
    done = modcon('explain-entrypoint', dockerfile, cwd=stage)
    return (done.stdout or done.stderr).strip()


def prepare(app: App, args: argparse.Namespace) -> Record:
    """What stands in for the base image, and the app's dependencies (cached)."""
    from modcon.engine.files import read_source
    from modcon.entrypoints.dockerfile_document import DockerfileDocument
    from modcon.project import LocalProject

    record = Record(app.name, app.dockerfile)
    text = (app.folder / app.dockerfile).read_text(errors='replace')
    document = DockerfileDocument(read_source(str(app.folder / app.dockerfile), app.dockerfile),
                                  LocalProject(str(app.folder)))
    image = base_image(document)
    runtime = runtime_of(image, text)
    if runtime is None:
        installs = re.findall(r'\b(?:apk\s+(?:--no-cache\s+)?add|apt-get\s+install)\b', text)
        record.skipped = (f'base image {image}: the command comes from the image\'s own system'
                          + (' and the packages its RUN installs' if installs else '')
                          + '; no Python or Node runtime to stand in for it')
        return record
    record.kind, wanted = runtime
    began = time.monotonic()
    with _lock(app, text):
        if record.kind == 'python':
            deps = prepare_python(app, args.cache, text, wanted, args.retry_failed, record)
        else:
            deps = prepare_node(app, args.cache, text, args.retry_failed, record)
    record.deps = str(deps) if deps else ''
    record.deps_seconds = round(time.monotonic() - began, 1)
    return record


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def _lock(app: App, text: str) -> threading.Lock:
    """Apps that ask for the same dependencies prepare them one after the other."""
    manifests = sorted(p.name + p.read_text(errors='replace') for p in app.folder.iterdir()
                       if p.name in ('package.json', 'package-lock.json', 'pyproject.toml')
                       or p.name.startswith('requirements'))
    key = deps_key(*manifests)
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(key, threading.Lock())


def measure(app: App, record: Record, args: argparse.Namespace) -> None:
    """Fix copies of the app and run each one as PID 1."""
    copies = stage_copies(app, args.out, record)
    deps = pathlib.Path(record.deps) if record.deps else None
    no_container = plan_containers(copies['before'], app, args, record) \
        if args.container_engine else args.engine_missing
    images: list[str] = []
    try:
        for variant in VARIANTS:
            if variant != 'before' and not record.changed[variant]:
                record.runs[variant] = dataclasses.replace(record.runs['before'],
                                                           same_as_before=True)
                continue
            if variant == 'unsafe' and snapshot(copies['unsafe']) == snapshot(copies['safe']):
                record.runs[variant] = record.runs['safe']
                continue
            fallback = no_container
            if not fallback:
                run = run_container(copies[variant], app, args, images)
                if run.way == 'podman':
                    record.runs[variant] = run
                    continue
                fallback = run.reason
            run = run_copy(copies[variant], app, deps, record.kind, args, record)
            run.fallback = fallback
            record.runs[variant] = run
    finally:
        for image in images:
            args.container_engine.remove_image(image)
    if record.runs['before'].started and not graceful(record.runs['unsafe']):
        record.explain = explain_text(copies['unsafe'], app.dockerfile)


# --- the report ---------------------------------------------------------------------------------

# Exit statuses of a clean stop: 0, or death by the stop signal itself (128+15, 128+2), as
# Docker reports a process that had no handler and was not PID 1.
CLEAN_STATUSES = (0, 128 + signal.SIGTERM, 128 + signal.SIGINT)


def graceful(run: Run | None) -> bool:
    """Stopped within the grace period with a clean status."""
    return run is not None and run.started and run.stopped and run.exit_code in CLEAN_STATUSES


def stopped_unclean(run: Run | None) -> bool:
    return run is not None and run.started and run.stopped and not graceful(run)


def codes(record: Record, variant: str) -> set[str]:
    return {f.split(' ', 1)[0] for f in record.findings.get(variant, [])}


def scrub(text: str, args: argparse.Namespace) -> str:
    """The report names no folder of this machine."""
    text = re.sub(r'/tmp/modcon-real-app-\w+', '<root>', text)
    # a record cached by a run from another checkout names the apps folder its own way
    text = re.sub(r'[^\s\'"`]*/data/real-world/apps(?=/)', 'apps', text)
    for folder, name in ((args.apps.resolve(), 'apps'), (args.apps, 'apps'),
                         (args.cache.resolve(), '<cache>'), (args.cache, '<cache>')):
        text = text.replace(str(folder), name)
    return text


def report(records: list[Record], args: argparse.Namespace, wall: float) -> str:
    ran = [r for r in records if not r.skipped]
    started = [r for r in ran if r.runs.get('before') and r.runs['before'].started]
    n = len(started)
    lines = [
        f'{len(records)} apps: {len(ran)} run, {len(records) - len(ran)} skipped; '
        f'{n} started (ran until SIGTERM) before the fix.',
        '',
        '| | graceful (stopped in the grace period, exit 0 or 143) '
        '| stopped, another exit status | hung (SIGKILL) |',
        '| --- | ---: | ---: | ---: |',
    ]
    for variant, title in (('before', 'before `modcon fix`'), ('safe', 'after `modcon fix`'),
                           ('unsafe', 'after `modcon fix --unsafe-fixes`')):
        ok = sum(graceful(r.runs.get(variant)) for r in started)
        unclean = sum(stopped_unclean(r.runs.get(variant)) for r in started)
        hung = sum(bool(r.runs.get(variant) and r.runs[variant].killed) for r in started)
        lines.append(f'| {title} | {ok}/{n} | {unclean}/{n} | {hung}/{n} |')
    regressions = [(r, v) for r in started for v in ('safe', 'unsafe')
                   if graceful(r.runs['before']) and r.runs[v].started and not graceful(r.runs[v])]
    lines += ['', f'Regressions (graceful before, started and not graceful after): '
                  f'{len(regressions)}.']
    for r, v in regressions:
        lines.append(f'- `{short(r.app)}` ({v}): {r.runs[v].describe()}')
    lost = [(r, v) for r in started for v in ('safe', 'unsafe') if not r.runs[v].started]
    if lost:
        lines += ['', 'Started before, did not start after (see the reason: a crash of the app '
                      'on its own counts here too):']
        for r, v in lost:
            lines.append(f'- `{short(r.app)}` ({v}): {r.runs[v].describe()}')
    lines += ['', '### Every app', '',
              '| app | before | after fix | after --unsafe-fixes | findings before | fixed files |',
              '| --- | --- | --- | --- | --- | --- |']
    for r in records:
        if r.skipped:
            continue
        cells = [r.runs[v].describe() if v in r.runs else '-' for v in VARIANTS]
        fired = ', '.join(sorted(codes(r, 'before'))) or 'none'
        changed = ', '.join(sorted(set(r.changed.get('safe', [])) | set(r.changed.get('unsafe', []))))
        lines.append(f'| `{short(r.app)}` | {" | ".join(cells)} | {fired} | {changed or "-"} |')
    still = [r for r in started if not graceful(r.runs.get('unsafe'))]
    lines += ['', f'### Not graceful after `modcon fix --unsafe-fixes`: {len(still)}', '']
    for r in still:
        left = ', '.join(sorted(codes(r, 'unsafe'))) or 'no finding'
        step = r.explain.strip().splitlines()[-1].strip() if r.explain.strip() else ''
        lines.append(f'- `{short(r.app)}`: `{" ".join(r.command)}`; after the fix: {left}; '
                     f'resolution ends: {step}')
    lines += ['', '### Per rule: findings against behaviour (original files, started apps)', '',
              'Rules about stopping (property 1a, and the stop-signal rules). "Not graceful": '
              'hung, or stopped with a status other than 0 or 143.', '',
              '| rule | fired, not graceful | fired, graceful | silent, not graceful |',
              '| --- | ---: | ---: | ---: |']
    bad_before = [r for r in started if not graceful(r.runs['before'])]
    every = sorted(set().union(*(codes(r, 'before') for r in started)) if started else set())
    about_stopping = stopping_rules()
    for code in (c for c in every if c in about_stopping):
        fired_bad = sum(code in codes(r, 'before') for r in bad_before)
        fired_ok = sum(code in codes(r, 'before') for r in started if graceful(r.runs['before']))
        lines.append(f'| {code} | {fired_bad} | {fired_ok} | {len(bad_before) - fired_bad} |')
    unflagged = [r for r in bad_before if not codes(r, 'before') & about_stopping]
    lines += ['', f'Not graceful before, and no rule about stopping fired: {len(unflagged)}'
                  + (': ' + ', '.join(f'`{short(r.app)}`' for r in unflagged) if unflagged else '.'),
              '', 'Other rules that fired: '
              + ', '.join(c for c in every if c not in about_stopping) + '.']
    lines += ['', '### Did not start', '']
    for r in ran:
        if r not in started:
            lines.append(f'- `{short(r.app)}`: {r.runs["before"].reason if r.runs else "-"}')
    noted = [r for r in records if r.notes]
    if noted:
        lines += ['', '### Notes', '']
        lines += [f'- `{short(r.app)}`: {"; ".join(r.notes)}' for r in noted]
    if args.engine != 'namespace':
        lines += ways(ran, args.engine)
    lines += ['', '### Skipped', '']
    for r in records:
        if r.skipped:
            lines.append(f'- `{short(r.app)}`: {r.skipped}')
    lines += ['', f'Grace {args.grace:g} s, settle {args.settle:g} s; '
              f'wall time {wall / 60:.1f} min.']
    return '\n'.join(lines) + '\n'


def ways(ran: list[Record], engine: str) -> list[str]:
    """Which apps ran in real containers, and which in the emulation and why."""
    real = [r for r in ran if r.runs and all(run.way == 'podman' for run in r.runs.values())]
    lines = ['', f'### Which way each app ran (--engine {engine})', '',
             f'In real containers (built and stopped with `podman stop`): {len(real)}'
             + (': ' + ', '.join(f'`{short(r.app)}`' for r in real) if real else '.')]
    emulated = [r for r in ran if r not in real]
    if emulated:
        lines += ['', f'In the PID-namespace emulation: {len(emulated)}']
    for r in emulated:
        why: dict[str, list[str]] = {}
        for variant, run in r.runs.items():
            why.setdefault('a real container' if run.way == 'podman' else run.fallback,
                           []).append(variant)
        lines.append(f'- `{short(r.app)}`: ' + '; '.join(
            reason if len(why) == 1 else f'{", ".join(variants)}: {reason}'
            for reason, variants in why.items()))
    return lines


def stopping_rules() -> set[str]:
    """Codes of the rules about how the container stops (property 1a, stop signals)."""
    done = modcon('rules', '--format', 'json', cwd=ROOT)
    return {r['code'] for r in json.loads(done.stdout)
            if r.get('property') == '1a' or re.search(r'sig|stop|sleep', r.get('name', ''))}


def short(name: str) -> str:
    return name.replace('GoogleCloudPlatform+', '').replace('-docs-samples', '')


def machine() -> str:
    cpu = 'unknown CPU'
    try:
        for line in pathlib.Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    import modcon

    # The checkout modcon is imported from (PYTHONPATH can point at another one).
    where = pathlib.Path(modcon.__file__).resolve().parent
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=where, text=True,
                            capture_output=True).stdout.strip()
    node = subprocess.run(['node', '--version'], text=True, capture_output=True).stdout.strip()
    return (f'Machine: {cpu}, {os.cpu_count()} cores; Linux {os.uname().release}; '
            f'Python {sys.version.split()[0]}, Node {node}. modcon at commit {commit}. '
            f'Measured {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, '
            f'load average {os.getloadavg()[0]:.1f} at the start.')


def write_docs(section: str) -> None:
    text = DOCS.read_text()
    block = f'{START_MARK}\n{section}{END_MARK}'
    if START_MARK in text and END_MARK in text:
        before, rest = text.split(START_MARK, 1)
        _, after = rest.split(END_MARK, 1)
        text = before + block + after
    else:
        heading = '## Real apps: do they stop on `docker stop`?\n\n'
        where = text.find('\n## Reproduce')
        where = len(text) if where < 0 else where + 1
        text = text[:where] + heading + block + '\n\n' + text[where:]
    DOCS.write_text(text)


def load_previous(cache: pathlib.Path) -> dict[str, Record]:
    try:
        data = json.loads((cache / 'results.json').read_text())
        return {d['app']: Record.from_json(d) for d in data['records']}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def previous_wall(out: pathlib.Path, default: float) -> float:
    try:
        return float(json.loads((out / 'results.json').read_text())['wall'])
    except (OSError, ValueError, KeyError, TypeError):
        return default


def estimate(apps: Iterable[App], previous: dict[str, Record]) -> str:
    apps = list(apps)
    known = [previous[a.name].seconds - previous[a.name].deps_seconds
             for a in apps if a.name in previous]
    count = len(apps)
    if not known:
        return f'estimate: about {count * 15 / 60:.0f} min (no earlier run in the cache)'
    guess = sum(known) + (count - len(known)) * (sum(known) / len(known))
    return f'estimate: {guess / 60:.1f} min once dependencies are cached (from the last run)'


def prepare_all(apps: list[App], args: argparse.Namespace) -> list[Record]:
    """Prepare every app's dependencies, several at a time (mostly downloads)."""
    def one(app: App) -> Record:
        try:
            record = prepare(app, args)
        except Exception as exc:  # one broken app must not end the run
            record = Record(app.name, app.dockerfile, skipped=f'benchmark error: {exc!r}')
        if record.deps_seconds > 1:
            print(f'  dependencies of {short(app.name)}: {record.deps_seconds:.0f} s'
                  + (f' ({record.skipped[:120]})' if record.skipped else ''),
                  file=sys.stderr, flush=True)
        return record

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        return list(pool.map(one, apps))


def report_again(args: argparse.Namespace) -> int:
    try:
        data = json.loads((args.out / 'results.json').read_text())
    except (OSError, ValueError):
        print(f'real_apps: error: no results in {args.out}; run the benchmark first',
              file=sys.stderr)
        return 2
    records = [Record.from_json(d) for d in data['records']]
    if args.only:
        records = [r for r in records if any(o.lower() in r.app.lower() for o in args.only)]
    args.grace, args.settle = data.get('grace', args.grace), data.get('settle', args.settle)
    args.engine = data.get('engine', 'namespace')
    section = scrub(data['machine'] + '\n\n' + report(records, args, data.get('wall', 0.0)), args)
    print(section)
    if args.write_docs and not args.only:
        write_docs(section)
    return 0


def container_engine(choice: str) -> tuple[Any, str]:
    """The podman of the container tests (their CONTAINERS_CONF and local base images),
    or None and why every app runs in the emulation."""
    if choice == 'namespace':
        return None, '--engine namespace'
    sys.path.insert(0, str(ROOT))
    from tests import containerkit

    found = containerkit._engine_or_reason()
    return (None, found) if isinstance(found, str) else (found, '')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--apps', type=pathlib.Path, default=DEFAULT_APPS)
    parser.add_argument('--cache', type=pathlib.Path, default=DEFAULT_CACHE,
                        help='dependencies, and by default the copies and results '
                             '(default: ~/.cache/modcon-real-apps)')
    parser.add_argument('--out', type=pathlib.Path,
                        help='the copies and results.json of this run (default: --cache); '
                             'to compare two checkouts of modcon with shared dependencies')
    parser.add_argument('--only', action='append', default=[], metavar='TEXT',
                        help='only apps whose folder name contains TEXT (repeatable)')
    parser.add_argument('--grace', type=float, default=10.0,
                        help='seconds from SIGTERM to SIGKILL (docker stop: 10)')
    parser.add_argument('--settle', type=float, default=30.0,
                        help='seconds to wait for the app to listen on a port before '
                             'SIGTERM anyway (default: 30)')
    parser.add_argument('--jobs', type=int, default=4,
                        help='dependency installs at a time (default: 4); apps run one by one')
    parser.add_argument('--env', action='append', default=[], type=lambda kv: kv.split('=', 1),
                        metavar='KEY=VALUE', help='set in every container, as docker run -e')
    parser.add_argument('--hold', type=float, default=1.0,
                        help='seconds the app must stay up after it first answers (default: 1)')
    parser.add_argument('--retry-failed', action='store_true',
                        help='try again the dependency installs that failed before')
    parser.add_argument('--write-docs', action='store_true',
                        help='replace the real-apps section of docs/benchmarks.md')
    parser.add_argument('--json', type=pathlib.Path, help='also write the records here')
    parser.add_argument('--engine', choices=('namespace', 'podman', 'auto'), default='namespace',
                        help='namespace (default): every app in the PID-namespace emulation; '
                             'podman: apps whose base images can be stood in locally are '
                             'built and stopped in real containers, the others emulated; '
                             'auto: podman where it works')
    parser.add_argument('--report-only', action='store_true',
                        help='run nothing: print (and with --write-docs, write) the report of '
                             'the records in the cache')
    args = parser.parse_args()
    args.out = args.out or args.cache
    # A background job of a non-interactive shell starts with SIGINT and SIGQUIT ignored,
    # and an ignored signal stays ignored across exec: every app would then ignore the
    # SIGINT of `STOPSIGNAL SIGINT`. Containers start with the default dispositions.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    if args.report_only:
        return report_again(args)
    if not args.apps.is_dir():
        print(f'real_apps: error: no apps folder at {args.apps}', file=sys.stderr)
        return 2
    args.container_engine, args.engine_missing = container_engine(args.engine)
    if args.engine == 'podman' and args.container_engine is None:
        print(f'real_apps: error: --engine podman: {args.engine_missing}', file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    apps = discover(args.apps, args.only)
    previous = load_previous(args.out)
    print(f'{len(apps)} apps; cache {args.cache}; {estimate(apps, previous)}', file=sys.stderr)
    header = machine()
    start = time.monotonic()
    records = prepare_all(apps, args)
    print(f'dependencies ready in {(time.monotonic() - start) / 60:.1f} min', file=sys.stderr)
    for i, (app, record) in enumerate(zip(apps, records), 1):
        began = time.monotonic()
        if not record.skipped:
            try:
                measure(app, record, args)
            except Exception as exc:  # one broken app must not end the run
                record.skipped = f'benchmark error: {exc!r}'
        record.seconds = round(time.monotonic() - began + record.deps_seconds, 1)
        state = (record.skipped and f'skipped: {record.skipped[:100]}') or \
            ' -> '.join(record.runs[v].describe() for v in VARIANTS if v in record.runs)
        elapsed = time.monotonic() - start
        print(f'[{i}/{len(apps)} {elapsed / 60:.1f} min] {short(app.name)}: {state}',
              file=sys.stderr, flush=True)
    wall = time.monotonic() - start
    merged = {**previous, **{r.app: r for r in records}} if args.only else \
        {r.app: r for r in records}
    if args.only:  # merged into the last full run: its wall time stands
        wall = previous_wall(args.out, wall)
    payload = {'machine': header, 'wall': wall, 'grace': args.grace, 'settle': args.settle,
               'engine': args.engine,
               'records': [r.to_json() for r in merged.values()]}
    (args.out / 'results.json').write_text(json.dumps(payload, indent=1))
    if args.json:
        args.json.write_text(json.dumps(payload, indent=1))
    section = scrub(header + '\n\n' + report(records, args, wall), args)
    print(section)
    if args.write_docs:
        if args.only:
            print('real_apps: --write-docs needs the whole set; not written', file=sys.stderr)
        else:
            write_docs(section)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
