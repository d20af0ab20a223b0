"""`modcon verify`: prove how a container stops.

With a container engine (docker or podman, see ``engine.py``) the Dockerfile
is built and the image is run and stopped by the engine itself. Without one,
or when the engine cannot build it (``--engine auto`` only), the emulation
below is used, and every result says which way it was obtained (``method``).

The emulation builds nothing. The files the final stage copies from the build context are laid out in a
temporary root (``/srv/app/main.py`` becomes ``<root>/srv/app/main.py``); the
resolved command runs from ``<root><WORKDIR>`` with the image's environment,
image paths in its arguments and in ``PATH`` moved under the root, as PID 1
of a new PID namespace; then it is stopped as ``docker stop`` does. The
interpreters are the host's. Whatever cannot be reproduced this way (no
command, no namespace, a missing interpreter, files that only ``RUN``
creates) is reported as "not verified", never as a pass.

This runs the repository's own code: it is opt-in, and never part of a
comment command or of a run for a pull request from a fork.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from collections.abc import Mapping

from modcon.containers.engine import BuildResult
from modcon.containers.engine import ContainerRun
from modcon.containers.engine import Engine
from modcon.containers.engine import EngineError
from modcon.containers.pid1 import StopResult
from modcon.containers.pid1 import stop_like_docker
from modcon.engine.scope import FileInput
from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.entrypoints.resolve import Resolution
from modcon.entrypoints.resolve import resolve
from modcon.named_tuple import NamedTuple
from modcon.project import LocalProject
from modcon.project import OverlayProject
from modcon.project import Project
from modcon.source import SourceFile
from modcon.source import encode

METHOD_NAMESPACE = 'namespace'  # the emulation: PID 1 of a new PID namespace, host files


class Verification(NamedTuple):
    dockerfile: str
    command: tuple[str, ...]
    result: StopResult
    method: str = METHOD_NAMESPACE  # how it was obtained: 'docker', 'podman' or 'namespace'
    note: str = ''  # why the emulation stood in for the engine that was asked for

    def describe(self) -> str:
        how = self.method if self.method != METHOD_NAMESPACE else 'PID-namespace emulation'
        note = f'; {self.note}' if self.note else ''
        return f'{self.result.describe()} [{how}{note}]'

    def to_json(self) -> dict[str, object]:
        r = self.result
        return {
            'dockerfile': self.dockerfile, 'command': list(self.command),
            'method': self.method, 'note': self.note,
            'verified': r.verified, 'reason': r.reason,
            'stopped_in_grace': r.exited_in_grace, 'exit_code': r.exit_code,
            'seconds': round(r.seconds, 3), 'killed': r.killed,
            'summary': r.describe(),
            'output': r.output[-2000:],
        }


def _lay_out(resolution: Resolution, project: Project, root: str,
             overlay: Mapping[str, str]) -> int:
    """Copy every file the stage copies into ``root``; returns how many."""
    count = 0

    def put(source: str, image_path: str) -> None:
        nonlocal count
        text = overlay.get(source)
        if text is None:
            text = project.read(source)
        if text is None:
            return
        target = os.path.join(root, image_path.lstrip('/'))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _write(target, text)
        if text.startswith('#!') or source.endswith('.sh'):
            os.chmod(target, 0o755)
        count += 1

    def walk(source: str, image_dir: str) -> None:
        for name in project.list_dir(source):
            child = posixpath.join(source, name) if source not in ('', '.') else name
            if project.is_dir(child):
                walk(child, posixpath.join(image_dir, name))
            else:
                put(child, posixpath.join(image_dir, name))

    for copy in resolution.copies:
        for source in copy.sources:
            if project.is_dir(source):
                walk(source, copy.dest)
            elif copy.into_dir:
                put(source, posixpath.join(copy.dest, posixpath.basename(source)))
            else:
                put(source, copy.dest)
    return count


def _in_root(root: str, word: str, resolution: Resolution) -> str:
    """An absolute image path that was laid out moves under the root."""
    if word.startswith('/') and os.path.exists(os.path.join(root, word.lstrip('/'))):
        return os.path.join(root, word.lstrip('/'))
    return word


def verify(document: DockerfileDocument, dockerfile: str, project: Project, *,
           grace: float = 10.0, settle: float = 1.0,
           overlay: Mapping[str, str] | None = None,
           engine: Engine | None = None, fallback: bool = True) -> Verification:
    """Stop the final stage's command like ``docker stop``: with ``engine``, the
    built image itself; otherwise, or when the engine cannot build or start it
    and ``fallback``, the emulation (whose ``note`` then says why)."""
    argv = resolve(document, dockerfile, project).argv
    note = ''
    if engine is not None:
        context = _context_dir(project)
        if context is None:
            result = StopResult(False, 'the build context is not a directory on this machine')
        else:
            run = _build_and_stop(engine, document, context, overlay or {}, grace, settle)
            result = run.stop
            if run.started:  # the container's own behaviour, whatever it was
                return Verification(dockerfile, argv, result, engine.name)
        if not fallback:
            return Verification(dockerfile, argv, result, engine.name)
        note = f'{engine.name}: {result.reason}'
    emulated = emulate(document, dockerfile, project, grace=grace, settle=settle,
                       overlay=overlay)
    return emulated._replace(note=note)


def _context_dir(project: Project) -> str | None:
    while isinstance(project, OverlayProject):
        project = project.base  # the overlay's files are written over a copy
    return project.root if isinstance(project, LocalProject) else None


def _write(path: str, text: str) -> None:
    """``text`` as the file it was read from holds it: a byte that is not UTF-8 stays."""
    with open(path, 'wb') as f:
        f.write(encode(text))


def _build_and_stop(engine: Engine, document: DockerfileDocument, context: str,
                    overlay: Mapping[str, str], grace: float, settle: float) -> ContainerRun:
    """Build the document's text (fixed or not) in ``context`` with ``overlay``'s
    files written over a copy of it, then stop the image like ``docker stop``."""
    with tempfile.TemporaryDirectory(prefix='modcon-verify-') as scratch:
        dockerfile = os.path.join(scratch, 'Dockerfile')
        _write(dockerfile, document.source.text)
        if overlay:
            copy = os.path.join(scratch, 'context')
            shutil.copytree(context, copy, symlinks=True,
                            ignore=shutil.ignore_patterns('.git'))
            for path, text in overlay.items():
                target = os.path.join(copy, path.lstrip('/'))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                _write(target, text)
            context = copy
        try:
            return engine.build_and_stop(context, dockerfile=dockerfile, grace=grace,
                                         settle=settle)
        except EngineError as exc:  # refused (untrusted event) or the engine broke
            return ContainerRun(engine.name, BuildResult(None, 0.0, str(exc)),
                                StopResult(False, str(exc)), started=False)


def emulate(document: DockerfileDocument, dockerfile: str, project: Project, *,
            grace: float = 10.0, settle: float = 1.0,
            overlay: Mapping[str, str] | None = None) -> Verification:
    """Start the final stage's command as PID 1 of a new PID namespace, from the
    host's interpreters and the files laid out by hand, and stop it."""
    resolution = resolve(document, dockerfile, project)
    argv = resolution.argv
    if not argv:
        return Verification(dockerfile, argv, StopResult(False, 'no command to run'))
    if resolution.handled_by is None and resolution.server is None and not resolution.targets:
        return Verification(dockerfile, argv, StopResult(
            False, 'the command runs no file of the repository that modcon can lay out'))
    with tempfile.TemporaryDirectory(prefix='modcon-verify-') as root:
        _lay_out(resolution, project, root, overlay or {})
        env = dict(resolution.env)
        image_path = env.get('PATH', '')
        moved = [os.path.join(root, d.lstrip('/')) for d in image_path.split(':') if d]
        env['PATH'] = ':'.join([*moved, os.environ.get('PATH', '')])
        env.setdefault('HOME', root)
        command = [_in_root(root, word, resolution) for word in argv]
        program = shutil.which(command[0], path=env['PATH'])
        if program is None:
            return Verification(dockerfile, argv, StopResult(
                False, f'{command[0]} is not installed on this machine'))
        refused = _exec_format_error(program) if program.startswith(root + os.sep) else None
        if refused is not None:
            return Verification(dockerfile, argv, StopResult(
                False, f'the command cannot start: exec format error: {refused}'))
        stop = stop_signal_for(document, resolution)
        if isinstance(stop, str):
            return Verification(dockerfile, argv, StopResult(False, stop))
        cwd = os.path.join(root, resolution.workdir.lstrip('/'))
        os.makedirs(cwd, exist_ok=True)
        result = stop_like_docker(command, cwd=cwd, env=env, grace=grace, settle=settle,
                                  stop_signal=stop)
    return Verification(dockerfile, argv, result)


def _exec_format_error(path: str) -> str | None:
    """Why the kernel would refuse to execute the repository's file ``path`` itself,
    as the container runtime does with the command's program (None: it would run it).

    The runtime calls execve, which runs a script only by the `#!` at its first byte.
    The emulation starts the command through ``unshare``, whose ``execvp`` (glibc's)
    would hand such a file to ``/bin/sh`` instead and hide the failure.
    """
    try:
        with open(path, 'rb') as f:
            head = f.read(5)
    except OSError:
        return None
    if head.startswith((b'#!', b'\x7fELF')):
        return None
    where = 'after a byte order mark' if head.startswith(b'\xef\xbb\xbf#!') else 'at its first byte'
    return (f'{os.path.basename(path)} has no `#!` line {where}, so the runtime cannot '
            f'execute it (a shell would run it)')


def _build_args(document: DockerfileDocument) -> dict[str, str]:
    """The build arguments the final stage declares, with their defaults (an ``ARG NAME``
    without one takes the default of the ``ARG`` before the first ``FROM``)."""
    from modcon.readers.dockerfile.image_names import global_args
    from modcon.readers.dockerfile.syntax import arg_defaults

    known = global_args(document)
    args: dict[str, str] = {}
    for stage in document.stages.final_lineage:
        for ins in stage.instructions:
            if ins.name == 'ARG':
                for name, value in arg_defaults(ins.args.text).items():
                    args[name] = value if value is not None else known.get(name) or ''
    return args


def stop_signal_for(document: DockerfileDocument, resolution: Resolution) -> int | str:
    """The signal ``docker stop`` sends to the container of ``document``, whose command
    ``resolution`` followed; or, as text, why there is none to send."""
    return _stop_signal(document, {**_build_args(document), **resolution.env})


def _stop_signal(document: DockerfileDocument, env: Mapping[str, str]) -> int | str:
    """The signal ``docker stop`` sends: the image's ``STOPSIGNAL``, else SIGTERM; or,
    as text, why there is none to send (Docker refuses the build, or the stop).

    ``STOPSIGNAL`` takes build arguments and ``ENV`` values (``STOPSIGNAL $SIGNAL``),
    as Docker substitutes them; ``env`` holds both as the final stage sees them.
    """
    import signal

    from modcon.knowledge.stop_signals import normalize
    from modcon.knowledge.stop_signals import stop_signal
    from modcon.readers.dockerfile import word_rules

    ins = stop_signal(document)
    if ins is None:
        return signal.SIGTERM
    text = ins.args.text.strip()
    if '$' in text:
        text = word_rules.util().WordSplitter(text, envs=dict(env)).dequote().strip()
    name = normalize(text) if text else None
    if name is not None and name.startswith('signal ') and 0 < int(name[7:]) < signal.NSIG:
        return int(name[7:])  # a number without a name in the table (SIGRTMIN+n, say)
    number = getattr(signal, name, None) if name is not None and name.isidentifier() else None
    if not isinstance(number, int) or not 0 < number < signal.NSIG:
        return (f'STOPSIGNAL {ins.args.text.strip() or "(empty)"} (line {ins.line}) names no '
                f'signal Docker can send')
    return number

def verify_fixes(item: FileInput, final: Mapping[str, str], *, grace: float = 10.0,
                 ) -> tuple[Verification, Verification] | None:
    """``verify`` on a Dockerfile the scope read, before and after the fixes in
    ``final`` (changed files by repository path); None when it is no Dockerfile,
    does not parse or runs nothing of the repository."""
    before_doc = item.dockerfile
    if before_doc is None or before_doc.error is not None \
            or item.project is None:  # the scope gives every Dockerfile its build context
        return None
    resolution = before_doc.resolution
    if not resolution.targets and resolution.handled_by is None:
        return None
    context = posixpath.dirname(item.path)
    overlay = {posixpath.relpath(path, context or '.'): text
               for path, text in final.items()
               if not context or path.startswith(context + '/')}
    after_project = OverlayProject(item.project, overlay)
    after_doc = DockerfileDocument(SourceFile(item.path, final.get(item.path, item.text)),
                                   after_project)
    before = verify(before_doc, item.path, item.project, grace=grace)
    after = verify(after_doc, item.path, after_project, grace=grace, overlay=overlay)
    return before, after
