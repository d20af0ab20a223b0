"""MC104: the container runs `npm start` (or yarn, pnpm) instead of the program itself."""
from __future__ import annotations

import posixpath
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.lazyregex import lazy_compile
from modcon.model import Applicability
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.javascript.package_scripts import PACKAGE_RUNNERS
from modcon.readers.javascript.package_scripts import package_binary
from modcon.readers.javascript.package_scripts import script_program
from modcon.readers.javascript.package_scripts import script_selection
from modcon.readers.shell.shell_form import analyze
from modcon.registry import rule

# What each runner does as PID 1 on SIGTERM (tests/test_package_scripts.py: npm 11,
# yarn 1.22, pnpm 9).
ON_SIGTERM = {
    'npm': 'SIGTERM never reaches the program, which loses its cleanup, and npm exits with '
           'a failure status',
    'yarn': 'SIGTERM never reaches the program, which loses its cleanup, and yarn exits with '
            'a failure status',
    'pnpm': 'pnpm passes SIGTERM on to the program (which, without a handler, dies at once, '
            'its cleanup skipped), then exits with a failure status for an ordinary stop',
}
# `npm ci`, `npm install`, `yarn`, `yarn install`, `pnpm install` (not `yarn build`).
_INSTALL = lazy_compile(r'\b(?:npm\s+(?:ci|install|i)\b|pnpm\s+(?:install|i)\b|'
                      r'yarn(?:\s+install\b|(?=\s*(?:$|&&|;|\|\||\\|--))))')
_GLOBAL = lazy_compile(r'\s(?:-g|--global)\b')


def _runner_argv(ins: Instruction) -> tuple[str, ...] | None:
    if ins.args.json is not None:
        return ins.args.json
    if not ins.args.text:
        return None
    analysis = analyze(ins.args.text)
    return analysis.argv


@rule(
    code='MC104',
    name='package-manager-command',
    kind=Kind.DOCKERFILE,
    property=Property.SIGNALS,
    severity=Severity.WARNING,
    aliases=(),
)
def package_manager_command(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds a container command that starts the application through a package
    manager (`npm start`, `npm run serve`, `yarn start`, `pnpm start`) and,
    when the package script is one plain `node` command, runs that command
    directly instead.

    ## Why is this bad?
    `npm start` runs the script under `sh -c`, as a child of npm, and npm is
    PID 1. Older npm versions swallowed SIGTERM (the Node.js Docker guide says
    to start `node` directly "instead of npm swallowing" the signals). npm 11
    passes it only to the `sh -c` it started: the application never sees it,
    so its SIGTERM handler and cleanup never run, and npm exits with status 1,
    reporting a failure for an ordinary stop (measured with `modcon verify`).
    It also adds two processes and npm's start-up time.

    ## Example
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY . .
    CMD ["npm", "start"]
    ```
    with `"scripts": {"start": "node server.js --port 3000"}` in `package.json`.

    ## Use instead
    ```dockerfile
    FROM node:20-slim
    WORKDIR /app
    COPY . .
    CMD ["node", "server.js", "--port", "3000"]
    ```

    ## Fix safety
    Safe when the script is a single `node` command with literal arguments and
    nothing else npm does is lost. Unsafe (the title says why) when a
    `prestart`/`poststart` script would no longer run, or the code reads the
    `npm_*` variables npm sets (`npm_package_version`, ...).

    Arguments after `--` (`npm start -- --port 80`) are what npm, yarn and
    pnpm append to the script's command: the program gets them after the
    script's own. An `ENTRYPOINT ["npm", "start", "--"]` passes its `CMD`
    on, and the rewrite keeps the `CMD`. Other words after the script's name
    (`npm start --if-present`, or a `CMD` after an `ENTRYPOINT` without `--`)
    may be the runner's own options: no fix.

    A program from `node_modules/.bin` (`vue-cli-service serve`, `next
    start`, `npx next start`), of a package the `package.json` depends on, is
    run by its path in the image (`/app/node_modules/.bin/next`) when the
    Dockerfile installs the packages there (`npm ci`, `yarn install`, a COPY
    of `node_modules`). That fix is always unsafe: the script's environment
    had `node_modules/.bin` first on `PATH` and about twenty `npm_*`
    variables (`npm_lifecycle_event`, `npm_package_name`, ...; measured with
    npm 11 and yarn 1), which the program, or what it starts, may read; modcon
    cannot see inside the package.

    No fix when the script sets variables (`cross-env NODE_ENV=production`,
    `VAR=x node ...`; the finding says to move them to `ENV`), needs the
    shell (`cd`, `$VAR`, pipes), runs several commands, or its program's
    package is not installed in the image: the finding says what to run
    instead.
    """
    resolution = document.resolution
    if resolution.package_script is None:
        return
    runner, name, command = resolution.package_script
    stage = document.stages.final
    instruction = None
    for ins in reversed(stage.instructions):
        if ins.name in ('CMD', 'ENTRYPOINT'):
            argv = _runner_argv(ins)
            if argv and posixpath.basename(argv[0]) in PACKAGE_RUNNERS:
                instruction = ins
                break
    if instruction is None:
        return  # npm is reached through a script or a base image: nothing to rewrite here
    start, end = instruction.start, instruction.end
    how = f'npm run {name}' if runner == 'npm' and name not in ('start', 'test') \
        else f'{runner} {name}'
    message = (f'`{instruction.name}` runs `{how}`, which starts `{command}` under '
               f'`sh -c` as a child of {runner}; {ON_SIGTERM.get(runner, ON_SIGTERM["npm"])}')
    program = script_program(command)
    if program is None or not program.whole:
        yield Hit(start, end, f'{message}; no automatic fix: run the program directly in '
                              f'exec form (for a program from node_modules/.bin, by its path)')
        return
    argv = program.argv
    if program.dropped:
        yield Hit(start, end, f'{message}; no automatic fix: the script sets variables '
                              f'(`{"`, `".join(program.dropped)}`); set them with `ENV` and '
                              f'run `{" ".join(argv)}` directly in exec form')
        return
    passed = _passed_arguments(document, instruction)
    if passed is None:
        words = resolution.argv or _runner_argv(instruction) or ()
        yield Hit(start, end, f'{message}; no automatic fix: `{" ".join(words)}` gives {runner} '
                              f'arguments beyond the script\'s name, which it may read itself or '
                              f'pass on; run the program directly in exec form with the '
                              f'arguments it should get')
        return
    argv = (*argv, *passed)
    package_json = _package_json(document)
    applicability, why = _safety(document, runner, name, argv, package_json)
    binary = posixpath.basename(argv[0])
    if binary not in ('node', 'nodejs'):
        package = package_binary(binary, package_json)
        path = posixpath.join(resolution.workdir, 'node_modules', '.bin', binary)
        if package is None or not _installs_node_modules(document):
            yield Hit(start, end, f'{message}; no automatic fix: run the program directly in '
                                  f'exec form (for a program from node_modules/.bin, by its '
                                  f'path, such as `{path}`)')
            return
        argv = (path, *argv[1:])
        applicability = Applicability.UNSAFE
        source = f' (from `{package}`)' if package != binary else ''
        lost = (f'`{binary}`{source} no longer has node_modules/.bin on PATH nor the npm_* '
                f'variables {runner} sets')
        why = f'{why}; {lost}' if why else lost
    from modcon.fixers.dockerfile._exec_form import Rewrite  # fixes only
    from modcon.fixers.dockerfile._exec_form import json_array

    edits = Rewrite(document, instruction, instruction).argv(argv, (), None)
    title = f'Run the script\'s command directly: {instruction.name} {json_array(argv)}'
    if why:
        title += f' ({why})'
    fix = Fix.make(title, edits, applicability) if edits else None
    yield Hit(start, end, message, fix)


def _passed_arguments(document: DockerfileDocument,
                      instruction: Instruction) -> tuple[str, ...] | None:
    """The arguments the runner appends to the script's command, to append to the
    program's argv in turn; None when modcon cannot tell what the runner does with them.

    npm, yarn and pnpm pass the words after ``--`` to the script (npm appends them to
    its command line); other words after the script's name may be the runner's own
    options (`--if-present`, `--silent`: npm reads them as its configuration), so they
    get no fix. An ENTRYPOINT that ends in ``--`` passes its CMD on: the rewrite keeps
    the CMD, which the program then gets.
    """
    words = list(_runner_argv(instruction) or ())
    selected = script_selection(words) if words else None
    if selected is None:
        return None
    extra = words[selected.end:]
    entrypoint, cmd = document.stages.final_commands()
    appended = instruction is entrypoint and cmd is not None and bool(
        cmd.args.json if cmd.args.json is not None else cmd.args.text.strip())
    if appended:
        return () if extra == ['--'] else None
    if not extra:
        return ()
    return tuple(extra[1:]) if extra[0] == '--' else None


def _package_json(document: DockerfileDocument) -> str | None:
    """The text of the package.json the image gets from the build context."""
    project = document.project
    if project is None:
        return None
    for copy in document.resolution.copies:
        for source in copy.sources:
            candidate = posixpath.join(source, 'package.json') if project.is_dir(source) \
                else source
            if posixpath.basename(candidate) == 'package.json':
                text = project.read(candidate)
                if text is not None:
                    return text
    return None


def _installs_node_modules(document: DockerfileDocument) -> bool:
    """Whether the image gets a node_modules folder: a local `npm ci`/`npm
    install`/`yarn`/`pnpm install`, or a COPY of node_modules."""
    for stage in document.stages.final_lineage:
        for ins in stage.instructions:
            text = ins.args.text
            if ins.name == 'RUN' and _INSTALL.search(text) and not _GLOBAL.search(text):
                return True
            if ins.name == 'COPY' and 'node_modules' in text:
                return True
    return False


def _safety(document: DockerfileDocument, runner: str, name: str, argv: tuple[str, ...],
            package_json: str | None) -> tuple[Applicability, str]:
    project = document.project
    resolution = document.resolution
    scripts: dict[str, str] = {}
    import json  # only a package manager's command gets here: not loaded at start-up

    try:
        data = json.loads(package_json or '{}')
    except ValueError:
        data = {}
    if isinstance(data, dict) and isinstance(data.get('scripts'), dict):
        scripts = {k: v for k, v in data['scripts'].items() if isinstance(v, str)}
    hooks = [hook for hook in (f'pre{name}', f'post{name}') if hook in scripts]
    if hooks:
        return Applicability.UNSAFE, f'the `{"`, `".join(hooks)}` script no longer runs'
    for target in resolution.targets:
        text = project.read(target.path) if project else None
        if text and 'npm_' in text:
            return Applicability.UNSAFE, f'`{target.path}` reads npm_* variables, which ' \
                                         f'{runner} no longer sets'
    return Applicability.SAFE, ''
