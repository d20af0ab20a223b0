"""Check a large batch of Dockerfiles on every core, as ``flake8 --jobs`` does.

Checking is read-only and each Dockerfile is independent, so the batch is
split across worker processes forked from this one: the rules and the shell
grammar are loaded already and the workers start in milliseconds. Results
come back in the order of the batch. Fixing stays in one process: fixes write
files, and two Dockerfiles of one folder may both create its ``.dockerignore``.

Forking needs a POSIX system; elsewhere, and for small batches where starting
workers costs more than it saves, the check runs in this process.
"""
from __future__ import annotations

import gc
import os
from collections.abc import Iterator

from modcon.engine.check import check_file
from modcon.engine.config import Config
from modcon.engine.discover import Target
from modcon.engine.scope import Scope
from modcon.errors import ModconError
from modcon.errors import RuleCrashed
from modcon.model import Finding
from modcon.model import Kind
from modcon.named_tuple import NamedTuple
from modcon.readers.shell.grammar import bash_parser
from modcon.registry import rules_of_kind
from modcon.source import SourceFile

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.entrypoints.resolve import Resolution

# Below this many Dockerfiles per worker, forking costs more than it saves.
FILES_PER_WORKER = 64


class Checked(NamedTuple):
    """One Dockerfile checked: what the run needs to report and to go on."""

    target: Target
    source: SourceFile | None  # None when it could not be read
    findings: list[Finding]
    resolution: Resolution | None  # where its command leads (None: does not parse)
    error: ModconError | None


def check_dockerfile(target: Target, config: Config, scope: Scope) -> Checked:
    """Read, parse, follow the command of and check one Dockerfile."""
    try:
        item = scope.read(target)
    except ModconError as exc:
        return Checked(target, None, [], None, exc)
    document = item.dockerfile
    resolution = document.resolution if document is not None and document.error is None else None
    try:
        findings = check_file(item, config)
    except RuleCrashed as exc:
        return Checked(target, item.source, [], resolution, exc)
    return Checked(target, item.source, findings, resolution, None)


def usable_cpus() -> int:
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def jobs_for(requested: int | None, files: int) -> int:
    """How many processes to check ``files`` Dockerfiles with (``None``: automatic).

    Never more than the files or the CPUs, whatever ``-j`` asks for.
    """
    if requested is not None:
        wanted = max(1, min(requested, files, usable_cpus()))
    else:
        wanted = min(usable_cpus(), files // FILES_PER_WORKER)
    if wanted <= 1 or os.name != 'posix':
        return 1
    import multiprocessing

    if 'fork' not in multiprocessing.get_all_start_methods():
        return 1
    return wanted


# Set in the parent before forking; each worker inherits them.
_config: Config | None = None
_scope: Scope | None = None


def _check_in_worker(target: Target) -> Checked:
    assert _config is not None and _scope is not None
    checked = check_dockerfile(target, _config, _scope)
    if checked.resolution is not None:
        # The run needs only the code files it leads to; the rest is costly to send.
        checked = checked._replace(resolution=checked.resolution._replace(
            steps=[], copies=[], stage=None))
    if checked.error is not None:
        # Only the message crosses back: an exception's own arguments may not pickle.
        checked = checked._replace(error=ModconError(str(checked.error)))
    return checked


def check_dockerfiles(targets: list[Target], config: Config, jobs: int) -> Iterator[Checked]:
    """Check ``targets`` with ``jobs`` worker processes; results in ``targets`` order."""
    import multiprocessing

    global _config, _scope
    _config, _scope = config, Scope()
    # Load once here what every worker needs, so that each inherits it.
    rules_of_kind(Kind.DOCKERFILE)
    if len(targets) >= FILES_PER_WORKER:  # some RUN line will need the shell grammar
        bash_parser()
    chunk = max(1, min(32, len(targets) // (jobs * 4)))
    context = multiprocessing.get_context('fork')
    # What exists now (modules, rules, the grammar) lives as long as the workers:
    # frozen, the collector never walks it again, and its pages stay shared.
    gc.freeze()
    try:
        with context.Pool(jobs) as pool:
            yield from pool.imap(_check_in_worker, targets, chunksize=chunk)
    finally:
        gc.unfreeze()
        _config = _scope = None
