"""MC162: the build upgrades every distribution package to whatever the mirror has today."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._run_scripts import RunScript
from modcon.fixers.dockerfile._run_scripts import runs_of
from modcon.model import Applicability
from modcon.model import Edit
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import subcommand
from modcon.registry import rule

_UPGRADES = {
    'apt-get': frozenset(('upgrade', 'dist-upgrade', 'full-upgrade')),
    'apt': frozenset(('upgrade', 'dist-upgrade', 'full-upgrade')),
    'apk': frozenset(('upgrade',)),
    'yum': frozenset(('update', 'upgrade', 'distro-sync')),
    'dnf': frozenset(('update', 'upgrade', 'distro-sync')),
    'microdnf': frozenset(('update', 'upgrade')),
    'tdnf': frozenset(('update', 'upgrade', 'distro-sync')),
    'zypper': frozenset(('update', 'up', 'dist-upgrade', 'dup', 'patch')),
}
_KEYWORDS = ('upgrade', 'update', 'dup', 'patch', 'distro-sync', 'up ')
# Every apt and apk upgrade says `upgrade`; the managers that also upgrade with other
# words (`yum update`, `zypper dup`) are named (microdnf and tdnf contain `dnf`).
_UPGRADERS = ('upgrade', 'yum', 'dnf', 'zypper')
# Commands that only refresh the package index.
_REFRESH = {'apt-get': ('update',), 'apt': ('update',), 'apk': ('update',),
            'yum': ('makecache',), 'dnf': ('makecache',), 'zypper': ('refresh', 'ref')}
_WITH_VALUE = frozenset(('-o', '--option', '-c', '--config-file', '-t', '--target-release',
                         '-X', '--repository', '--setopt', '--installroot', '--releasever',
                         '--exclude', '-x', '--enablerepo', '--disablerepo'))


def upgrade(command: Command) -> str | None:
    """``apt-get upgrade``, ``yum update`` (of everything), ...: the words as shown."""
    name = command.name
    if name not in _UPGRADES:
        return None
    found = subcommand(command, _WITH_VALUE)
    if found is None or found[1] not in _UPGRADES[name]:
        return None
    index, sub = found
    rest = [w.value for w in command.args[index + 1:]]
    if name not in ('apt-get', 'apt') and any(v is None or not v.startswith('-') for v in rest):
        return None  # `yum update openssl`: one package, not the whole system
    return f'{name} {sub}'


def _removal(document: DockerfileDocument, run: RunScript, command: Command) -> Edit | None:
    """Delete ``command`` and the ``&&`` joining it to its chain, if it is a plain member."""
    script = run.script
    if not run.editable or command.member == -1 or command.nested or command.pipe_index != -1:
        return None
    members = script.statements[command.statement].members
    if len(members) < 2:
        return None
    m = command.member
    others = [c for c in script.commands if c.statement == command.statement and c.member not in
              (-1, m)]
    if all((_REFRESH.get(c.name or '') or ()) and (subcommand(c, _WITH_VALUE) or (0, ''))[1]
           in _REFRESH[c.name or ''] for c in others):
        return None  # only `apt-get update` would be left: the whole RUN is the upgrade
    if m > 0:
        start, end = run.after(members[m - 1][1]), run.after(members[m][1])
    else:
        start, end = run.at(members[0][0]), run.at(members[1][0])
    if '#' in document.source.text[start:end]:
        return None  # a comment line inside the continuation would go too
    return Edit(start, end, '')


@rule(
    code='MC162',
    name='package-upgrade-in-build',
    kind=Kind.DOCKERFILE,
    property=Property.IMMUTABLE,
    severity=Severity.WARNING,
    aliases=('hadolint:DL3005', 'hadolint:DL3035'),
    reads=('RUN',),
)
def package_upgrade_in_build(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `apt-get upgrade`, `dist-upgrade`, `full-upgrade`, `apk upgrade`,
    `yum`/`dnf`/`microdnf update` or `upgrade` of all packages and `zypper
    update`/`dist-upgrade` in any build stage.

    ## Why is this bad?
    An upgrade takes whatever the mirror offers on the day of the build, so
    the same commit builds different images on different days, and what was
    tested is not what ships. It also duplicates every upgraded file in a new
    layer. Security fixes belong in the base image: move to a newer (pinned)
    tag of it, which the whole team sees and reviews, and rebuild.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    RUN apt-get update && apt-get upgrade -y \\
     && apt-get install -y --no-install-recommends curl \\
     && rm -rf /var/lib/apt/lists/*
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12.7-slim
    RUN apt-get update \\
     && apt-get install -y --no-install-recommends curl \\
     && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    Unsafe: removing the upgrade means the image keeps the base image's
    package versions, which may miss security fixes the upgrade brought in
    until the base is moved forward. The fix deletes the upgrade and the `&&`
    joining it, and is offered only when the upgrade is a plain step of an
    `&&` chain with other steps; otherwise (a lone upgrade, one inside `if`
    or a pipeline, exec form) the finding has no fix. `yum update openssl`
    (named packages) is not an upgrade of the system and is not reported.
    """
    for stage in document.stages:
        for run in runs_of(document, stage):
            if not any(k in run.text for k in _KEYWORDS) or \
                    not any(k in run.text for k in _UPGRADERS):
                continue
            for command in run.script.commands:
                shown = upgrade(command)
                if shown is None:
                    continue
                ins = run.instruction
                edit = _removal(document, run, command)
                fix = Fix.make(f'Remove `{shown}` (the image keeps the base image\'s package '
                               f'versions until the base moves)', (edit,),
                               Applicability.UNSAFE) if edit else None
                yield Hit(ins.start, ins.end,
                          f'`{shown}` installs whatever the mirror has on the day of the build, '
                          f'so one commit builds different images; move to a newer pinned base '
                          f'image instead', fix)
