"""What an npm, yarn or pnpm package script runs, down to the program.

`npm start` runs the script's text with `sh -c`, in an environment of its
own: `PATH` starts with the `node_modules/.bin` folders of the package and of
every folder above it (yarn adds a folder of `node`/`yarn` shims too), and
about twenty `npm_*` variables are set (`npm_lifecycle_event`,
`npm_package_name`, `npm_package_version`, `npm_config_*`, ...), with
`INIT_CWD` and `NODE` (measured with npm 11 and yarn 1.22). So
`vue-cli-service serve` in a script is the program that `@vue/cli-service`
installs in `node_modules/.bin`, and `cross-env NODE_ENV=production node
server.js` runs `node server.js`.

``script_argv`` is what ``modcon.entrypoints.resolve`` follows for a script
(the program itself, past the wrappers that only set variables), and
``script_program`` tells MC104 what a direct command would lose.
"""
from __future__ import annotations

import posixpath
from collections.abc import Sequence

from modcon.named_tuple import NamedTuple
from modcon.readers.shell.shell_form import analyze

# Programs from node_modules/.bin that set variables (or load a .env file)
# and then run the rest of their arguments: name -> options that take a value.
ENV_WRAPPERS: dict[str, frozenset[str]] = {
    'cross-env': frozenset(),
    'env-cmd': frozenset(('-f', '--file', '-e', '--environments', '-r', '--rc-file')),
    'dotenv': frozenset(('-e', '-c', '-v')),
}
# `npx X` runs X from node_modules/.bin (or downloads it): the program is X.
# The programs whose `run`/script names this module reads.
PACKAGE_RUNNERS = frozenset(('npm', 'yarn', 'pnpm'))
NPX_FLAGS_WITH_ARG = frozenset(('-p', '--package', '-c', '--call'))
# Package programs whose name differs from their package's (package.json `bin`).
BINARIES: dict[str, str] = {
    'vue-cli-service': '@vue/cli-service',
    'react-scripts': 'react-scripts',
    'nest': '@nestjs/cli',
    'ng': '@angular/cli',
    'pm2-runtime': 'pm2',
    'remix-serve': '@remix-run/serve',
    'ts-node': 'ts-node',
    'webpack-dev-server': 'webpack-dev-server',
    'http-server': 'http-server',
}
_NODE = frozenset(('node', 'nodejs'))


class ScriptProgram(NamedTuple):
    """The program a script runs, and what running it directly would drop."""

    argv: tuple[str, ...]
    dropped: tuple[str, ...] = ()  # variables set by wrappers or `VAR=x` prefixes, as written
    whole: bool = True  # the script is this one command (no `&&` list before it)


class ScriptSelection(NamedTuple):
    name: str  # the package script ('' for `npm run` without one)
    end: int  # where the words after its name start in the runner's argv


def script_selection(argv: Sequence[str]) -> ScriptSelection | None:
    """The package script a runner's command runs (`npm start`, `npm run serve`,
    `yarn dev`) and where the words after its name start; None when the command runs
    none (`npm install`, `npm` alone). The runner's own options before the name are
    skipped (`npm --silent run serve`), up to a ``--``."""
    named: list[int] = []  # where the first two words that are not options stand
    for i in range(1, len(argv)):
        if argv[i] == '--' or len(named) == 2:
            break
        if not argv[i].startswith('-'):
            named.append(i)
    if not named:
        return None
    first = argv[named[0]]
    if first in ('run', 'run-script'):
        if len(named) < 2:
            return ScriptSelection('', len(argv))
        return ScriptSelection(argv[named[1]], named[1] + 1)
    if first in ('start', 'test') or posixpath.basename(argv[0]) in ('yarn', 'pnpm'):
        return ScriptSelection(first, named[0] + 1)
    return None


def script_program(command: str) -> ScriptProgram | None:
    """The final program of a script's text, past ``cross-env``-style wrappers
    and ``npx``; None when the shell is needed to tell (variables in the
    program's words, a pipeline, a `cd`)."""
    analysis = analyze(command)
    if analysis.argv is not None:
        words, whole, dropped = list(analysis.argv), True, []
    elif analysis.program is not None and None not in analysis.final_args and \
            not analysis.builtin and analysis.exec_at is not None:
        words = [analysis.program, *(a for a in analysis.final_args if a is not None)]
        prefix = command[:analysis.exec_at].strip()
        whole = not any(op in prefix for op in ('&&', ';', '||', '|', '\n'))
        dropped = [prefix] if prefix and whole else []
        if any(w == 'cd' for w in prefix.replace('&&', ' ').replace(';', ' ').split()):
            return None  # the program runs somewhere else: the shell must say where
    else:
        return None
    for _ in range(4):
        if not words:
            return None
        name = posixpath.basename(words[0])
        if name in ENV_WRAPPERS:
            rest = _after_options(words[1:], ENV_WRAPPERS[name], assignments=name == 'cross-env')
            dropped.append(' '.join(words[:len(words) - len(rest)]))
            words = rest
        elif name == 'npx':  # finds the program in node_modules/.bin; adds nothing else
            words = _after_options(words[1:], NPX_FLAGS_WITH_ARG, assignments=False)
        else:
            break
    if not words:
        return None
    return ScriptProgram(tuple(words), tuple(dropped), whole)


def script_argv(command: str) -> list[str]:
    """What the container runs for a package script: its program, when the
    script's text names one plainly, else the script under ``sh -c``."""
    program = script_program(command)
    return list(program.argv) if program is not None else ['/bin/sh', '-c', command]


def package_binary(name: str, package_json: str | None) -> str | None:
    """The package that installs the program ``name`` in node_modules/.bin:
    a dependency of that name (``next``, ``nodemon``), or a known program of
    a dependency (``vue-cli-service`` of ``@vue/cli-service``)."""
    if name in _NODE or package_json is None:
        return None
    import json  # few commands need it: not loaded at start-up

    try:
        data = json.loads(package_json)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    dependencies: set[str] = set()
    for key in ('dependencies', 'devDependencies', 'optionalDependencies'):
        value = data.get(key)
        if isinstance(value, dict):
            dependencies.update(value)
    package = BINARIES.get(name, name)
    return package if package in dependencies else None


def _after_options(words: list[str], with_arg: frozenset[str], *,
                   assignments: bool) -> list[str]:
    i = 0
    while i < len(words):
        word = words[i]
        if word == '--':
            return words[i + 1:]
        if word in with_arg:
            i += 2
        elif word.startswith('-') or (assignments and '=' in word and not word.startswith('=')):
            i += 1
        else:
            break
    return words[i:]
