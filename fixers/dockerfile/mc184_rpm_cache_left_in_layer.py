"""MC184: yum, dnf, microdnf or zypper leave their metadata and package cache in the layer."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._caches import append_step
from modcon.fixers.dockerfile._caches import later_runs
from modcon.fixers.dockerfile._caches import program_word
from modcon.fixers.dockerfile._caches import removes
from modcon.fixers.dockerfile._caches import shipped_runs
from modcon.fixers.dockerfile._run_scripts import mounted
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import subcommand
from modcon.registry import rule

# The subcommands that download metadata or packages, per tool.
_FILLS = {
    'yum': frozenset(('install', 'update', 'upgrade', 'groupinstall', 'reinstall', 'makecache',
                      'localinstall', 'downgrade')),
    'dnf': frozenset(('install', 'update', 'upgrade', 'groupinstall', 'reinstall', 'makecache',
                      'downgrade', 'distro-sync', 'group')),
    'microdnf': frozenset(('install', 'update', 'upgrade', 'reinstall', 'makecache')),
    'tdnf': frozenset(('install', 'update', 'upgrade', 'reinstall', 'makecache')),
    'zypper': frozenset(('install', 'in', 'update', 'up', 'dist-upgrade', 'dup', 'patch',
                         'refresh', 'ref')),
}
_CACHES = {
    'yum': ('/var/cache/yum',), 'dnf': ('/var/cache/dnf', '/var/cache/libdnf5'),
    'microdnf': ('/var/cache/yum', '/var/cache/dnf', '/var/cache/libdnf5'),
    'tdnf': ('/var/cache/tdnf',), 'zypper': ('/var/cache/zypp',),
}
_KEYWORDS = ('yum', 'dnf', 'zypper')
_ALIASES = {'dnf5': 'dnf', 'dnf-3': 'dnf'}
_WITH_VALUE = frozenset(('-c', '--config', '--installroot', '--releasever', '--setopt',
                         '--repo', '--repoid', '--enablerepo', '--disablerepo', '-x',
                         '--exclude', '--root', '-R', '--repo-timeout'))


def _tool(command: Command) -> str | None:
    name = command.name
    return _ALIASES.get(name, name) if name is not None else None


def _cleanup(tool: str, command: Command) -> str:
    program = program_word(command)
    return f'{program} clean --all' if tool == 'zypper' else f'{program} clean all'


@rule(
    code='MC184',
    name='rpm-cache-left-in-layer',
    kind=Kind.DOCKERFILE,
    property=Property.SMALL,
    severity=Severity.WARNING,
    aliases=('hadolint:DL3032', 'hadolint:DL3040', 'hadolint:DL3036'),
    reads=('RUN',),
)
def rpm_cache_left_in_layer(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `yum`, `dnf`, `microdnf`, `tdnf` and `zypper` installs or updates
    in the shipped stages whose `RUN` does not clean up, and appends
    `&& yum clean all` (`dnf clean all`, `zypper clean --all`, ...) as the
    last step of that `RUN`.

    ## Why is this bad?
    These package managers keep the repositories' metadata (and, depending
    on `keepcache`, the downloaded packages) under `/var/cache`: tens to
    hundreds of megabytes that stay in the layer and are pulled by every
    node, though the container never installs anything at run time.

    ## Example
    ```dockerfile
    FROM rockylinux:9
    RUN dnf install -y python3.11
    ```

    ## Use instead
    ```dockerfile
    FROM rockylinux:9
    RUN dnf install -y python3.11 && dnf clean all
    ```

    ## Fix safety
    Safe: the cleanup runs last, joined with `&&`, so the status of the
    `RUN` is kept, and it removes only caches; a later install downloads
    fresh metadata by itself. Not fixed when a later `RUN` of the stage
    installs with `-C`/`--cacheonly`, which reads this cache. No finding with
    a `RUN --mount=type=cache` on the cache folder or a `rm -rf /var/cache/...`
    in the same `RUN`, or in build stages the final image only copies files
    from.
    """
    runs = list(shipped_runs(document))
    for run in runs:
        if not any(tool in run.text for tool in _KEYWORDS):
            continue
        found: dict[str, Command] = {}
        for command in run.script.commands:
            tool = _tool(command)
            if tool not in _FILLS:
                continue
            sub = subcommand(command, _WITH_VALUE)
            if sub is not None and sub[1] in _FILLS[tool]:
                found[tool] = command
        ins = run.instruction
        for tool, command in sorted(found.items()):
            caches = _CACHES[tool]
            if any(mounted(ins, path) for path in caches):
                continue
            if removes(run.script, command.end, caches + ('/var/cache',)):
                continue
            if any(_tool(c) == tool and c.start > command.start and
                   (subcommand(c, _WITH_VALUE) or (0, ''))[1] in ('clean', 'cc')
                   for c in run.script.commands):
                continue
            message = (f'`{tool}` leaves its repository metadata and package cache under '
                       f'/var/cache in this layer; clean up in the same `RUN`')
            cacheonly = next((later for later in later_runs(runs, run)
                              if tool in later.text and any(
                                  _tool(c) == tool and
                                  any(w.value in ('-C', '--cacheonly') for w in c.args)
                                  for c in later.script.commands)), None)
            if cacheonly is not None:
                yield Hit(ins.start, ins.end,
                          f'{message}; no automatic fix: the `RUN` on line '
                          f'{cacheonly.instruction.line} installs from this cache (`--cacheonly`)')
                continue
            step = _cleanup(tool, command)
            edit = append_step(document, run, step)
            fix = Fix.safe(f'Append `{step}` to the `RUN`', edit) if edit else None
            yield Hit(ins.start, ins.end, message, fix)
