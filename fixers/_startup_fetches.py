"""Installs and downloads that a container would do every time it starts.

Reads the commands of a ``CMD``/``ENTRYPOINT`` or an entrypoint script and
names each one that fetches software or data from the network: package
installs (``pip install``, ``npm install``, ``apt-get install``, ...),
repository clones and pulls, downloads to files, ``curl | sh`` and model
downloads. Each comes with what to move into the build instead.

Not counted: ``curl`` or ``wget`` that only print a response (health or
readiness checks such as ``until curl -sf http://db:5432``), ``npx`` or
``uvx`` of a tool that may already be installed (they download only when it
is missing; ``npx -y`` and ``npx name@version`` are counted), and
``uv run`` (it only syncs what the build already installed).
"""
from __future__ import annotations

from modcon.fixers._piped_downloads import piped_downloads
from modcon.fixers._piped_downloads import to_stdout
from modcon.knowledge.packages import pip_install
from modcon.named_tuple import NamedTuple
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import Script

_NPM = frozenset(('install', 'i', 'in', 'ins', 'inst', 'insta', 'instal', 'isnt', 'isnta',
                  'isntal', 'isntall', 'add', 'ci', 'clean-install', 'ic', 'install-clean',
                  'update', 'up', 'upgrade'))
# (program, subcommands) -> what it does; an empty set means "any use".
_INSTALLERS: dict[str, tuple[frozenset[str], str]] = {
    'apt-get': (frozenset(('install', 'update', 'upgrade', 'dist-upgrade')), 'distribution packages'),
    'apt': (frozenset(('install', 'update', 'upgrade')), 'distribution packages'),
    'apk': (frozenset(('add', 'update', 'upgrade')), 'distribution packages'),
    'yum': (frozenset(('install', 'update', 'upgrade')), 'distribution packages'),
    'dnf': (frozenset(('install', 'update', 'upgrade')), 'distribution packages'),
    'microdnf': (frozenset(('install', 'update', 'upgrade')), 'distribution packages'),
    'zypper': (frozenset(('install', 'in', 'update', 'up')), 'distribution packages'),
    'pnpm': (frozenset(('install', 'i', 'add')), 'Node packages'),
    'poetry': (frozenset(('install', 'add', 'update')), 'Python packages'),
    'pipenv': (frozenset(('install', 'sync')), 'Python packages'),
    'pipx': (frozenset(('install',)), 'Python packages'),
    'conda': (frozenset(('install', 'create', 'update')), 'conda packages'),
    'mamba': (frozenset(('install', 'create', 'update')), 'conda packages'),
    'micromamba': (frozenset(('install', 'create', 'update')), 'conda packages'),
    'gem': (frozenset(('install',)), 'Ruby gems'),
    'bundle': (frozenset(('install', 'update')), 'Ruby gems'),
    'composer': (frozenset(('install', 'require', 'update')), 'PHP packages'),
    'go': (frozenset(('install', 'get', 'mod')), 'Go modules'),
    'cargo': (frozenset(('install',)), 'Rust crates'),
    'git': (frozenset(('clone', 'pull', 'fetch')), 'code from a git repository'),
    'huggingface-cli': (frozenset(('download',)), 'model files'),
}


class Fetch(NamedTuple):
    """One start-up fetch; offsets index the script's text."""

    start: int
    end: int
    shown: str  # `pip install -r requirements.txt`
    what: str  # 'Python packages'
    nested: bool  # inside a condition, loop or function: maybe not on every start


def _shown(command: Command, words: int = 4) -> str:
    parts = [w.text for w in command.words[:words]]
    if len(command.words) > words:
        parts.append('...')
    return ' '.join(parts)


def _sub(command: Command) -> str | None:
    for word in command.args:
        value = word.value
        if value is None:
            return None
        if not value.startswith('-'):
            return value
    return None


def _classify(command: Command) -> str | None:
    name = command.name
    if name is None:
        return None
    if pip_install(command) is not None:
        return 'Python packages'
    if name == 'uv':
        written = [w.value for w in command.args]
        if written[:2] == ['pip', 'install'] or written[:1] == ['add'] or \
                written[:2] == ['tool', 'install']:
            return 'Python packages'
        return None
    if name == 'npm':
        return 'Node packages' if _sub(command) in _NPM else None
    if name == 'yarn':
        sub = _sub(command)
        return 'Node packages' if sub in (None, 'install', 'add', 'global') and all(
            w.value is not None for w in command.args) else None
    if name in ('npx', 'pnpx'):
        values = [w.value or '' for w in command.args]
        if any(v in ('-y', '--yes', '-p', '--package') or v.startswith('--package=')
               for v in values):
            return 'a Node package'
        package = next((v for v in values if not v.startswith('-')), '')
        return 'a Node package' if package.find('@', 1) != -1 else None
    if name in ('curl', 'wget'):
        values = [w.value or '' for w in command.args]
        if name == 'wget' and '--spider' in values:
            return None
        return None if to_stdout(command) else 'files'
    if name == 'hf':
        return 'model files' if _sub(command) == 'download' else None
    known = _INSTALLERS.get(name)
    if known is None:
        return None
    subs, what = known
    return what if _sub(command) in subs else None


def startup_fetches(script: Script) -> list[Fetch]:
    """Every install or download in ``script``, in order."""
    found: list[Fetch] = []
    for command in script.commands:
        what = _classify(command)
        if what is None:
            continue
        found.append(Fetch(command.start, command.end, _shown(command), what, command.nested))
    for start, end, shown in piped_downloads(script):
        found.append(Fetch(start, end, shown, 'a script from a URL, and runs it', False))
    found.sort()
    return found
