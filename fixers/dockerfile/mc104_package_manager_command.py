"""MC104: the container runs `npm start` (or yarn, pnpm) instead of the program itself."""
from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator

from modcon.dockerfile.document import DockerfileDocument
from modcon.dockerfile.exec_form import Rewrite
from modcon.dockerfile.exec_form import json_array
from modcon.dockerfile.resolve import PACKAGE_RUNNERS
from modcon.dockerfile.syntax import Instruction
from modcon.model import Applicability
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Severity
from modcon.properties import Property
from modcon.registry import rule
from modcon.shell.command import analyze


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
    kind='dockerfile',
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
    `npm_*` variables npm sets (`npm_package_version`, ...). No fix when the
    script uses a program from `node_modules/.bin` (npm puts it on `PATH`), a
    shell feature, or several commands: the finding says what to run instead.
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
    analysis = analyze(command)
    start, end = instruction.start, instruction.end
    how = f'npm run {name}' if runner == 'npm' and name not in ('start', 'test') \
        else f'{runner} {name}'
    message = (f'`{instruction.name}` runs `{how}`, which starts `{command}` under '
               f'`sh -c` as a child of {runner}; SIGTERM never reaches the program, which '
               f'loses its cleanup, and {runner} exits with a failure status')
    argv = analysis.argv
    if argv is None or posixpath.basename(argv[0]) not in ('node', 'nodejs'):
        yield Hit(start, end, f'{message}; no automatic fix: run the program directly in '
                              f'exec form (for a program from node_modules/.bin, by its path)')
        return
    applicability, why = _safety(document, runner, name, argv)
    edits = Rewrite(document, instruction, instruction).argv(argv, (), None)
    title = f'Run the script\'s command directly: {instruction.name} {json_array(argv)}'
    if why:
        title += f' ({why})'
    fix = Fix.make(title, edits, applicability) if edits else None
    yield Hit(start, end, message, fix)


def _safety(document: DockerfileDocument, runner: str, name: str,
            argv: tuple[str, ...]) -> tuple[Applicability, str]:
    project = document.project
    resolution = document.resolution
    scripts: dict[str, str] = {}
    for copy in resolution.copies:
        for source in copy.sources:
            candidate = posixpath.join(source, 'package.json') if project and \
                project.is_dir(source) else source
            if posixpath.basename(candidate) == 'package.json' and project:
                try:
                    data = json.loads(project.read(candidate) or '{}')
                except ValueError:
                    continue
                scripts.update({k: v for k, v in (data.get('scripts') or {}).items()
                                if isinstance(v, str)})
    hooks = [hook for hook in (f'pre{name}', f'post{name}') if hook in scripts]
    if hooks:
        return Applicability.UNSAFE, f'the `{"`, `".join(hooks)}` script no longer runs'
    for target in resolution.targets:
        text = project.read(target.path) if project else None
        if text and 'npm_' in text:
            return Applicability.UNSAFE, f'`{target.path}` reads npm_* variables, which ' \
                                         f'{runner} no longer sets'
    return Applicability.SAFE, ''
