"""MC183: `npm install` / `yarn install` keep their package cache in the image's layer."""
from __future__ import annotations

from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._caches import append_step
from modcon.fixers.dockerfile._caches import later_runs
from modcon.fixers.dockerfile._caches import program_word
from modcon.fixers.dockerfile._caches import removes
from modcon.fixers.dockerfile._caches import runs_later
from modcon.fixers.dockerfile._caches import shipped_runs
from modcon.fixers.dockerfile._run_scripts import RunScript
from modcon.fixers.dockerfile._run_scripts import build_env
from modcon.fixers.dockerfile._run_scripts import mounts
from modcon.model import Applicability
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import subcommand
from modcon.registry import rule

# npm's own aliases (`npm help install`, `npm help ci`, `npm help update`).
NPM_INSTALLS = frozenset((
    'install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta', 'isntal',
    'isntall', 'add', 'ci', 'clean-install', 'ic', 'install-clean', 'isntall-clean',
    'install-test', 'it', 'update', 'up', 'upgrade', 'udpate',
))
YARN_INSTALLS = frozenset(('install', 'add', 'global'))
# Options with which a plain `yarn` prints and installs nothing (`yarn --version`).
_YARN_ONLY_PRINTS = frozenset(('--version', '-v', '--help', '-h'))
_NPM_CACHES = ('/root/.npm',)
_YARN_CACHES = ('/usr/local/share/.cache/yarn', '/root/.cache/yarn', '/root/.yarn/berry/cache')
_WITH_VALUE = frozenset(('--prefix', '-C', '--workspace', '-w', '--cache', '--userconfig'))


def _installer(command: Command) -> str | None:
    """'npm' or 'yarn' when the command installs packages (and may cache them)."""
    if command.name == 'npm':
        found = subcommand(command, _WITH_VALUE)
        if found is not None and found[1] in NPM_INSTALLS:
            if any((w.value or '').split('=')[0] == '--cache' for w in command.args):
                return None  # a cache folder of the author's choosing
            return 'npm'
    if command.name == 'yarn':
        found = subcommand(command, _WITH_VALUE)
        if found is None and all(w.value is not None for w in command.args) \
                and not any(w.value in _YARN_ONLY_PRINTS for w in command.args):
            return 'yarn'  # plain `yarn` (or `yarn --frozen-lockfile`) installs
        if found is not None and found[1] in YARN_INSTALLS:
            return 'yarn'
    return None


def _offline_later(runs: list[RunScript], run: RunScript) -> RunScript | None:
    for later in later_runs(runs, run):
        if 'offline' not in later.text:
            continue
        for command in later.script.commands:
            if command.name in ('npm', 'yarn') and any(
                    w.value in ('--offline', '--prefer-offline') for w in command.args):
                return later
    return None


@rule(
    code='MC183',
    name='node-package-cache-left-in-layer',
    kind=Kind.DOCKERFILE,
    property=Property.SMALL,
    severity=Severity.WARNING,
    aliases=('hadolint:DL3060',),
    reads=('RUN',),
)
def node_package_cache_left_in_layer(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds `npm install`, `npm ci` (and their aliases) and `yarn install` in
    the shipped stages whose `RUN` does not clean the package cache, and
    appends `&& npm cache clean --force` (or `&& yarn cache clean`) as the
    last step of that `RUN`.

    ## Why is this bad?
    npm keeps a copy of every package tarball it downloaded in `~/.npm`, and
    Yarn 1 in `/usr/local/share/.cache/yarn`. The installed `node_modules`
    are what the program uses; the cache is a second copy, often as large,
    left in the layer for every node to pull.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY package*.json ./
    RUN npm ci --omit=dev
    ```

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY package*.json ./
    RUN npm ci --omit=dev && npm cache clean --force
    ```

    ## Fix safety
    Safe for npm: the cleanup runs last, joined with `&&`, so the status of
    the `RUN` is kept, and nothing the install produced is touched;
    `--force` is how npm 5 and later accept a manual clean. It is not offered
    when a later `RUN` of the stage installs `--offline` or
    `--prefer-offline` (it reads the cache). Unsafe for Yarn: under Yarn 2+
    with Plug'n'Play the project cache *is* the installed packages, and
    `yarn cache clean` would delete them; with Yarn 1 it is safe. No finding
    with a `RUN --mount=type=cache` on the cache folder, a `--cache` or
    `npm_config_cache` of the author's choosing, or in build stages the
    final image only copies files from.
    """
    runs = list(shipped_runs(document))
    for run in runs:
        if 'npm' not in run.text and 'yarn' not in run.text:
            continue
        found: dict[str, Command] = {}
        for command in run.script.commands:
            tool = _installer(command)
            if tool is not None:
                found[tool] = command
        if not found:
            continue
        ins = run.instruction
        env = {k.lower() for k in build_env(document.stages, run.stage, ins)}
        targets = [m.get('target', '').rstrip('/') for m in mounts(ins)
                   if m['type'] in ('cache', 'tmpfs')]
        for tool, command in sorted(found.items()):
            caches = _NPM_CACHES if tool == 'npm' else _YARN_CACHES
            if tool == 'npm' and 'npm_config_cache' in env:
                continue
            if any(t.endswith(('.npm', '.cache', 'yarn', '.cache/yarn')) for t in targets):
                continue
            if removes(run.script, command.end, caches) or \
                    runs_later(run.script, command.end, tool, 'cache'):
                continue
            step = f'{program_word(command)} cache clean' + (' --force' if tool == 'npm' else '')
            message = (f'`{tool}` keeps a copy of every downloaded package in its cache in this '
                       f'layer; run `{tool} cache clean` in the same `RUN`')
            offline = _offline_later(runs, run)
            if offline is not None:
                yield Hit(ins.start, ins.end,
                          f'{message}; no automatic fix: the `RUN` on line '
                          f'{offline.instruction.line} installs from this cache offline')
                continue
            edit = append_step(document, run, step)
            fix = None
            if edit is not None:
                if tool == 'npm':
                    fix = Fix.safe(f'Append `{step}` to the `RUN`', edit)
                else:
                    fix = Fix.make(f'Append `{step}` to the `RUN` (under Yarn 2+ with '
                                   f'Plug\'n\'Play the cache holds the installed packages)',
                                   (edit,), Applicability.UNSAFE)
            yield Hit(ins.start, ins.end, message, fix)
