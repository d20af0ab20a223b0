"""Follow a Dockerfile's command into the repository: which files does the container run?

From the final stage's ENTRYPOINT and CMD (with Docker's rules: an ENTRYPOINT
set in a stage resets an inherited CMD; shell form means ``/bin/sh -c``), the
command is unwrapped (inits such as tini, ``gosu``, ``env``, ``sh -c``,
``npm start``) until a program is reached. Interpreters (``python``,
``node``, shells) lead to their script; a bare name is looked up in ``PATH``.
Image paths are mapped back to the repository through the stage's ``WORKDIR``
and ``COPY``/``ADD`` instructions, with the Dockerfile's folder as the build
context. Servers that handle SIGTERM themselves (gunicorn, uvicorn, nginx, ...)
are recognised and left alone. Every step is recorded, so
``modcon explain-entrypoint`` can show why a file was or was not touched.
"""
from __future__ import annotations

import posixpath
from collections import ChainMap
from collections.abc import Mapping
from collections.abc import Sequence

from modcon.entrypoints.code_document import kind_of_code
from modcon.entrypoints.invocation import Invocation
from modcon.knowledge.inits import INITS
from modcon.knowledge.interpreters import is_python
from modcon.knowledge.servers import Server
from modcon.knowledge.servers import server_for
from modcon.model import Kind
from modcon.named_tuple import NamedTuple
from modcon.project import Project
from modcon.readers.dockerfile import word_rules
from modcon.readers.dockerfile.image_names import global_args
from modcon.readers.dockerfile.stages import DEFAULT_SHELL
from modcon.readers.dockerfile.stages import SHELLS
from modcon.readers.dockerfile.stages import Stage
from modcon.readers.dockerfile.stages import command_argv
from modcon.readers.dockerfile.stages import shell_script
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.dockerfile.syntax import arg_defaults
from modcon.readers.dockerfile.syntax import copies_from_context
from modcon.readers.dockerfile.syntax import parse_json_array
from modcon.readers.javascript.package_scripts import PACKAGE_RUNNERS
from modcon.readers.javascript.package_scripts import script_argv
from modcon.readers.javascript.package_scripts import script_selection
from modcon.readers.shell.expand import is_known
from modcon.readers.shell.options import CHILD_KEEPING_SHELLS

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.entrypoints.dockerfile_document import DockerfileDocument

DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
DROPPERS = frozenset(('gosu', 'su-exec', 'chpst', 'setpriv'))
_NODE = frozenset(('node', 'nodejs'))
# Tools that run a command in a project's environment (`uv run server.py`), with
# their options that take a value.
ENV_RUNNERS = {
    'uv': frozenset(('--with', '--with-requirements', '--with-editable', '--python', '-p',
                     '--project', '--directory', '--env-file', '--extra', '--group',
                     '--package', '--index', '--index-url', '--cache-dir', '--config-file',
                     '--only-group', '--no-group', '--from')),
    'poetry': frozenset(('--directory', '-C', '--project', '-P')),
    'pipenv': frozenset(),
    'pdm': frozenset(('-p', '--project')),
    'hatch': frozenset(('-e', '--env')),
}
# The options that take a value (as the next word) of the programs that run
# the rest of their arguments: inits, `env` and the user switchers. Without
# them, `tini -e 143 app` would read `143` as the program. The inits' (tini's
# `-e CODE` and `-p SIGNAL`, dumb-init's `-r s:r`) mean the same wherever used.
_INIT_OPTIONS = frozenset(('-p', '-e', '-r', '--rewrite'))
WRAPPER_OPTIONS = {
    'env': frozenset(('-u', '--unset', '-C', '--chdir', '-S', '--split-string')),
    'chpst': frozenset(('-u', '-U', '-b', '-e', '-/', '-n', '-l', '-L', '-m', '-d', '-o',
                        '-p', '-f', '-c', '-r', '-t')),
    'setpriv': frozenset(('--ruid', '--euid', '--reuid', '--rgid', '--egid', '--regid',
                          '--groups', '--inh-caps', '--ambient-caps', '--bounding-set',
                          '--securebits', '--pdeathsig', '--selinux-label',
                          '--apparmor-profile', '--landlock-access', '--landlock-rule',
                          '--seccomp-filter')),
}


def after_wrapper_options(program: str, words: list[str]) -> list[str]:
    """The command a wrapper (init, ``env``, user switcher) runs: ``words``, its
    arguments, without its options and their values, ``VAR=x`` for ``env``, and
    the user that ``gosu``/``su-exec`` take first."""
    if program in ('gosu', 'su-exec'):
        words = words[1:]
    options = _INIT_OPTIONS if program in INITS else WRAPPER_OPTIONS.get(program, frozenset())
    rest = _after_options(words, options)
    if program == 'env':
        while rest and '=' in rest[0]:
            rest = rest[1:]
    return rest


_PYTHON_FLAGS_WITH_ARG = frozenset(('-W', '-X', '-Q'))
_NODE_FLAGS_WITH_ARG = frozenset(('-r', '--require', '--import', '--loader', '-e', '--eval',
                                  '-p', '--print', '--input-type', '--title', '--env-file'))


class Step(NamedTuple):
    text: str
    line: int = 0


class Target(NamedTuple):
    """A file of the repository that the container runs."""

    path: str  # relative to the build context
    kind: Kind  # python, shell or javascript
    invocation: Invocation


class Copy(NamedTuple):
    dest: str  # absolute image path
    sources: tuple[str, ...]  # context-relative paths (files or folders)
    into_dir: bool  # dest is a folder that receives the sources
    line: int


class Resolution(NamedTuple):
    dockerfile: str
    argv: tuple[str, ...]  # the container's command as Docker runs it
    steps: list[Step]
    targets: list[Target]
    handled_by: str | None  # a server that handles SIGTERM itself
    workdir: str
    env: dict[str, str]
    copies: list[Copy]
    stage: Stage | None
    package_script: tuple[str, str, str] | None  # (runner, script name, command) for npm start
    server: Server | None = None  # the server the command starts (servers.SERVERS)
    # A shell that stays in front of the program, its parent (`sh -c` under dash, or a
    # script file that does not `exec` it), as the steps name it; None: none stays.
    behind_shell: str | None = None


def _plain(text: str) -> bool:
    return not any(c in text for c in '$\'"\\')


def _words(ins: Instruction, env: Mapping[str, str]) -> list[str]:
    """A COPY/ADD's words with Docker's variable substitution (``syntax.copy_words``
    without it)."""
    strings, _ = parse_json_array(ins.args.text)
    if strings is not None:
        return list(strings)
    if _plain(ins.args.text):  # nothing to substitute or unquote
        return ins.args.text.split()
    # Docker's own word rules and variable substitution, from dockerfile-parse.
    splitter = word_rules.util().WordSplitter(ins.args.text, envs=env)
    # split() yields only whole words; its stub says `str | None` for the word it builds.
    return [word for word in splitter.split() if word is not None]


def _substitute(text: str, env: Mapping[str, str]) -> str:
    if _plain(text):
        return text.strip()
    dequoted: str = word_rules.util().WordSplitter(text, envs=env).dequote()
    return dequoted


# Each stage a `COPY --from=` reads is laid out from its first stage: a chain of
# thousands of stages, each copying from the one before, would cost their number
# squared. Real Dockerfiles copy from a few; past this many, the copies are not followed.
MAX_STAGE_IMAGES = 64
# An ENV value that substitution makes longer than this is not kept, and the command
# is not followed: `ENV A1=$A0$A0`, `ENV A2=$A1$A1`, ... forty lines on would take a
# terabyte. A literal value is bounded by the file and always kept.
MAX_SUBSTITUTED = 64 * 1024


class _Image:
    """What the final stage's image looks like: env, workdir, copied files, command."""

    def __init__(self, document: DockerfileDocument, project: Project,
                 stage: Stage | None = None, depth: int = 0,
                 stage_images: dict[int, _Image] | None = None) -> None:
        self.document = document
        self.project = project
        self.depth = depth  # how many `COPY --from` stages deep this image is read
        # the stages read for `COPY --from`, each once (shared by the nested images)
        self.stage_images: dict[int, _Image] = {} if stage_images is None else stage_images
        self.env: dict[str, str] = {'PATH': DEFAULT_PATH}
        self.workdir = '/'
        self.dirs = {'/'}  # folders known to exist in the image
        self.copies: list[Copy] = []
        self.via: dict[int, str] = {}  # COPY --from lines: the stage they copy from
        self.overgrown: str | None = None  # an ENV that substitution made too long to keep
        stages = document.stages
        self.final = stage or stages.final
        self.shell = stages.shell(self.final) or DEFAULT_SHELL
        entrypoint, self.cmd = stages.final_commands(self.final)
        # `ENTRYPOINT []` stays: it is shown, and its CMD is appended to nothing.
        self.entrypoint = entrypoint if entrypoint is not None and entrypoint.args.text else None
        args = {name: value or '' for name, value in global_args(document).items()}
        for stage in stages.lineage(self.final):
            for ins in stage.instructions:
                self._apply(ins, args)

    def _apply(self, ins: Instruction, args: dict[str, str]) -> None:
        name = ins.name
        scope = ChainMap(self.env, args)  # a view: copying the env for each line was quadratic
        if name == 'ARG':
            args.update((key, value or '') for key, value in arg_defaults(ins.args.text).items())
        elif name == 'ENV':
            text = ins.args.text
            if not text.strip():
                return
            if _plain(text) and '=' in text.split(None, 1)[0]:
                pairs = [word.split('=', 1) for word in text.split()]
            elif _plain(text):
                key, _, value = text.partition(' ')
                pairs = [[key, value.strip()]]
            else:
                pairs = [list(kv) for kv in
                         word_rules.util().extract_key_values(True, args, self.env, text)]
                overgrown = [key for key, value in pairs if len(value) > MAX_SUBSTITUTED]
                if overgrown:
                    self.overgrown = self.overgrown or overgrown[0]
                    pairs = [[key, value] for key, value in pairs if key not in overgrown]
                    for key in overgrown:
                        self.env.pop(key, None)
            for key, value in pairs:
                self.env[key] = value
        elif name == 'WORKDIR':
            path = _substitute(ins.args.text, scope)
            self.workdir = posixpath.normpath(posixpath.join(self.workdir, path))
            self.dirs.add(self.workdir)
        elif name in ('COPY', 'ADD'):
            if not copies_from_context(ins):
                source_stage = self._from_stage(ins)
                if source_stage is not None:
                    self._copy_from_stage(ins, source_stage, scope)
                return
            words = _words(ins, scope)
            if len(words) < 2:
                return
            *sources, dest = words
            if any('://' in s for s in sources):
                return
            target = posixpath.normpath(posixpath.join(self.workdir, dest))
            expanded: list[str] = []
            for source in sources:
                expanded.extend(self._glob(source))
            # Docker copies into a folder when the destination ends with '/',
            # names an existing folder (WORKDIR creates one), or several
            # sources go to it.
            into_dir = dest.endswith('/') or len(expanded) != 1 or target in self.dirs or \
                any(self.project.is_dir(s) for s in expanded)
            self.copies.append(Copy(target, tuple(expanded), into_dir, ins.line))
            if into_dir:
                self.dirs.add(target)

    def _from_stage(self, ins: Instruction) -> Stage | None:
        """The stage of this file a ``COPY --from=`` names (None: an image, too deep, or
        one stage too many to lay out)."""
        if ins.name != 'COPY' or ins.heredocs or self.depth >= 4:
            return None
        ref = next((f.split('=', 1)[1] for f in ins.flags if f.startswith('--from=')), '')
        by_name, by_index = self.document.derived(_stage_references)
        # The first stage of the file that the name or the number names.
        stage = min((s for s in (by_name.get(ref.lower()), by_index.get(ref)) if s is not None),
                    key=lambda s: s.index, default=None)
        if stage is None or stage.index >= self.final.index:
            return None  # an image, or not a stage before this one: it cannot copy from it
        if stage.index not in self.stage_images and len(self.stage_images) >= MAX_STAGE_IMAGES:
            return None
        return stage

    def _copy_from_stage(self, ins: Instruction, stage: Stage, scope: Mapping[str, str]) -> None:
        """``COPY --from=STAGE``: the files of the build context that STAGE copied
        in, and where they land in this image (paths in STAGE are from its root)."""
        words = _words(ins, scope)
        if len(words) < 2:
            return
        *sources, dest = words
        target = posixpath.normpath(posixpath.join(self.workdir, dest))
        other = self.stage_images.get(stage.index)
        if other is None:
            other = self.stage_images[stage.index] = _Image(
                self.document, self.project, stage, self.depth + 1, self.stage_images)
        self.via[ins.line] = stage.name or str(stage.index)
        into_dir = dest.endswith('/') or len(sources) != 1 or target in self.dirs
        for source in sources:
            if any(c in source for c in '*?['):
                continue
            wanted = posixpath.normpath(posixpath.join('/', source))
            for context_path, image_path, is_dir in other.placed():
                if image_path == wanted or image_path.startswith(wanted.rstrip('/') + '/'):
                    # what STAGE copied lies in the folder (or is the file) copied here
                    if image_path == wanted and not is_dir:
                        landed = posixpath.join(target, posixpath.basename(wanted)) \
                            if into_dir else target
                    else:
                        landed = posixpath.normpath(posixpath.join(
                            target, posixpath.relpath(image_path, wanted)))
                        self.dirs.add(target)
                elif is_dir and wanted.startswith(image_path.rstrip('/') + '/'):
                    # the path copied here lies inside a folder STAGE copied
                    context_path = posixpath.normpath(posixpath.join(
                        context_path, posixpath.relpath(wanted, image_path)))
                    is_dir = self.project.is_dir(context_path)
                    if not is_dir and not self.project.is_file(context_path):
                        continue
                    landed = posixpath.join(target, posixpath.basename(wanted)) \
                        if into_dir and not is_dir else target
                else:
                    continue
                self.copies.append(Copy(landed, (context_path,), is_dir, ins.line))
                if is_dir:
                    self.dirs.add(landed)

    def placed(self) -> list[tuple[str, str, bool]]:
        """Each context path this image copies, where it is, and whether it is a folder."""
        out = []
        for copy in self.copies:
            for source in copy.sources:
                is_dir = self.project.is_dir(source)
                if is_dir or not copy.into_dir:
                    out.append((source, copy.dest, is_dir))
                else:
                    out.append((source, posixpath.join(copy.dest, posixpath.basename(source)),
                                False))
        return out

    def _glob(self, source: str) -> list[str]:
        clean = posixpath.normpath(source.lstrip('/'))
        if not any(c in clean for c in '*?['):
            return [clean]
        from modcon.readers import globs  # most COPY lines name no glob

        directory, pattern = posixpath.split(clean)
        matches = globs.matcher(pattern)
        matched = [name for name in self.project.list_dir(directory or '.') if matches(name)]
        return [posixpath.join(directory, name) if directory else name for name in matched]

    def locate(self, image_path: str) -> tuple[str, int] | None:
        """The context path a file of the image comes from, and the COPY line."""
        wanted = posixpath.normpath(image_path)
        for copy in reversed(self.copies):  # the last copy to a path wins
            for source in copy.sources:
                if copy.into_dir:
                    base = source if self.project.is_dir(source) else posixpath.dirname(source)
                    inner = copy.dest if self.project.is_dir(source) else \
                        posixpath.join(copy.dest, posixpath.basename(source))
                    if self.project.is_dir(source):
                        if wanted == inner or wanted.startswith(inner.rstrip('/') + '/'):
                            rel = posixpath.relpath(wanted, inner)
                            candidate = posixpath.normpath(posixpath.join(base, rel))
                            if self.project.is_file(candidate):
                                return candidate, copy.line
                    elif wanted == inner and self.project.is_file(source):
                        return source, copy.line
                elif wanted == copy.dest and self.project.is_file(source):
                    return source, copy.line
        return None

    def argv_of(self, ins: Instruction) -> tuple[str, ...]:
        return command_argv(ins, self.shell)


def _stage_references(document: DockerfileDocument) -> tuple[dict[str, Stage], dict[str, Stage]]:
    """The stages a ``COPY --from=`` can name, by name and by number (the first of a name):
    looked up once per copy instead of scanning the stages (cubic over a chain of them)."""
    by_name: dict[str, Stage] = {}
    by_index: dict[str, Stage] = {}
    for stage in document.stages:
        if stage.name:
            by_name.setdefault(stage.name, stage)
        by_index[str(stage.index)] = stage
    return by_name, by_index


def _interpreter_target(argv: list[str], flags_with_arg: frozenset[str]) -> tuple[str, int] | None:
    """The script argument after an interpreter's options, and its index."""
    i = 1
    while i < len(argv):
        word = argv[i]
        if word == '--':
            return (argv[i + 1], i + 1) if i + 1 < len(argv) else None
        if word in flags_with_arg:
            i += 2
            continue
        if word.startswith('-'):
            i += 1
            continue
        return word, i
    return None


def _shown(argv: Sequence[str]) -> str:
    """``json.dumps(list(argv))``; for words of printable ASCII without quotes or
    backslashes, which it writes as they are, without loading ``json``."""
    if all(w.isascii() and w.isprintable() and '"' not in w and '\\' not in w for w in argv):
        return '[' + ', '.join(f'"{w}"' for w in argv) + ']'
    import json

    return json.dumps(list(argv))


def unfollowed(dockerfile: str, why: str) -> Resolution:
    """A command that was not followed, and why: it leads to no file."""
    return Resolution(dockerfile, (), [Step(why)], [], None, '/', {}, [], None, None)


def resolve(document: DockerfileDocument, dockerfile: str, project: Project) -> Resolution:
    """Follow ``dockerfile``'s command (paths relative to its build context)."""
    steps: list[Step] = []
    if document.error is not None:
        return unfollowed(dockerfile, 'the Dockerfile does not parse')
    target = None
    if project.compose is not None:
        compose = project.compose
        steps.append(Step(f'build context from {posixpath.basename(compose.compose_file)} '
                          f'(service {compose.service})'
                          + (f', target stage {compose.target}' if compose.target else '')))
        target = next((s for s in document.stages if compose.target and
                       s.name == compose.target.lower()), None)
        if compose.target and target is None:
            steps.append(Step(f'no stage is named {compose.target}: the final stage is read'))
    image = _Image(document, project, target)
    if image.overgrown is not None:
        return unfollowed(dockerfile, f'not followed: substitution makes ${image.overgrown} '
                                      f'longer than {MAX_SUBSTITUTED // 1024} KiB')
    final = image.final
    steps.append(Step(f'{"target" if target else "final"} stage: FROM {final.image}',
                      final.from_instruction.line))
    ep, cmd = image.entrypoint, image.cmd
    argv: tuple[str, ...] = ()
    line = 0
    if ep is not None:
        argv = image.argv_of(ep)
        line = ep.line
        form = 'exec' if ep.is_exec_form else 'shell'
        steps.append(Step(f'ENTRYPOINT ({form} form): {_shown(argv)}', ep.line))
        if cmd is not None:
            if ep.is_exec_form:
                argv = argv + image.argv_of(cmd)
                steps.append(Step(f'CMD appended: {_shown(image.argv_of(cmd))}',
                                  cmd.line))
            else:
                steps.append(Step('CMD is ignored: the ENTRYPOINT is in shell form', cmd.line))
    elif cmd is not None:
        argv = image.argv_of(cmd)
        line = cmd.line
        steps.append(Step(f'CMD: {_shown(argv)}', cmd.line))
    else:
        steps.append(Step('no ENTRYPOINT or CMD in this Dockerfile: the base image decides'))
        return Resolution(dockerfile, (), steps, [], None, image.workdir, image.env, image.copies,
                          final, None)
    return _Follow(image, dockerfile, argv, line, steps).run()


class _Follow:
    def __init__(self, image: _Image, dockerfile: str, argv: tuple[str, ...], line: int,
                 steps: list[Step]) -> None:
        self.image = image
        self.dockerfile = dockerfile
        self.full = argv
        self.line = line
        self.steps = steps
        self.targets: list[Target] = []
        self.handled_by: str | None = None
        self.cwd = image.workdir  # `sh -c "cd /app && ..."` moves it
        self.package_script: tuple[str, str, str] | None = None
        self.server: Server | None = None
        self.behind_shell: str | None = None

    def done(self) -> Resolution:
        image = self.image
        return Resolution(self.dockerfile, self.full, self.steps, self.targets, self.handled_by,
                          image.workdir, image.env, image.copies, image.final, self.package_script,
                          self.server, self.behind_shell)

    def serve(self, shown: str, key: str, server: Server) -> Resolution:
        """The command starts a known server: note what it does with SIGTERM."""
        self.server = server
        if server.graceful:
            self.handled_by = key
            self.note(f'{shown}: {server.behaviour}; modcon leaves it alone')
        else:
            self.note(f'{shown}: {server.behaviour}')
        return self.done()

    def note(self, text: str) -> None:
        self.steps.append(Step(text))

    def run(self) -> Resolution:
        return self.follow(list(self.full), direct=True)

    def follow(self, argv: list[str], direct: bool = False) -> Resolution:
        """Where ``argv`` leads; ``direct``: it is the container's own command, whose
        program the runtime executes itself (until a wrapper takes over)."""
        for turn in range(12):
            direct = direct and turn == 0
            if not argv:
                self.note('the command is empty')
                return self.done()
            if not is_known(argv[0]):
                self.note(f'the program is `{argv[0]}`, which only the container\'s '
                          f'environment decides')
                return self.done()
            program = posixpath.basename(argv[0])
            init = INITS.get(program)
            if init is not None and not init.runs_command:
                self.note(f'{program} is an init whose arguments are not a command: '
                          f'{init.what}; modcon does not follow it further')
                return self.done()
            if init is not None:
                rest = after_wrapper_options(program, argv[1:])
                self.note(f'{program} is an init: it forwards signals to {" ".join(rest[:1])}')
                argv = rest
                continue
            if program in DROPPERS:
                self.note(f'{program} changes the user and runs the rest')
                argv = after_wrapper_options(program, argv[1:])
                continue
            if program == 'env':
                argv = after_wrapper_options(program, argv[1:])
                continue
            if program == 'exec':
                argv = argv[1:]
                continue
            if program in ENV_RUNNERS and argv[1:2] == ['run']:
                rest = _after_options(argv[2:], ENV_RUNNERS[program])
                if rest and program == 'uv' and rest[0].endswith('.py'):
                    rest = ['python', *rest]  # `uv run server.py` runs it with python
                self.note(f'{program} run runs {" ".join(rest[:1]) or "nothing"} in the '
                          f'project\'s environment')
                argv = rest
                continue
            if program in SHELLS:
                text = shell_script(argv)
                if text is not None:
                    # `sh -c 'script' NAME ARGS...`: $0 is NAME, "$@" the ARGS.
                    words = self.shell_command(f'{program} -c', text, argv[4:])
                    if words is None:
                        return self.done()
                    argv = words
                    continue
                script = _interpreter_target(argv, frozenset(('-o', '+o')))
                if script is None:
                    self.note(f'{program} without a script')
                    return self.done()
                return self.file(script[0], Kind.SHELL, program, rest=argv[script[1] + 1:])
            if is_python(program):
                return self.python(argv)
            if program in _NODE:
                script = _interpreter_target(argv, _NODE_FLAGS_WITH_ARG)
                if script is None:
                    self.note('node without a script (a REPL or -e code)')
                    return self.done()
                return self.file(script[0], Kind.JAVASCRIPT, program, node=True)
            if program in PACKAGE_RUNNERS:
                # npm/yarn/pnpm: the package script's command, then read like `sh -c`
                # (its words expanded, its final program followed, servers looked up)
                command = self.package_command(argv)
                if command is None:
                    return self.done()
                argv = script_argv(command)  # past cross-env/npx, or `sh -c` as npm runs it
                continue
            found = server_for(argv, self.image.env)
            if found is not None:
                return self.serve(found[0], *found)
            return self.program(argv, direct)
        self.note('gave up after too many wrappers')
        return self.done()

    def python(self, argv: list[str]) -> Resolution:
        i = 1
        while i < len(argv):
            word = argv[i]
            if word.startswith('-m') and (len(word) > 2 or i + 1 < len(argv)):
                module, rest = (word[2:], argv[i + 1:]) if len(word) > 2 else \
                    (argv[i + 1], argv[i + 2:])
                found = server_for([module, *rest], self.image.env) \
                    if is_known(module) else None
                if found is not None:  # python -m gunicorn ..., python -m flask run
                    return self.serve(f'python -m {module}', *found)
                return self.module(module)
            if word in ('-c',) or word.startswith('-c'):
                self.note('python -c runs inline code, not a file')
                return self.done()
            if word in _PYTHON_FLAGS_WITH_ARG:
                i += 2
                continue
            if word.startswith('-'):
                i += 1
                continue
            return self.file(word, Kind.PYTHON, argv[0])
        self.note('python without a script (a REPL)')
        return self.done()

    def module(self, module: str) -> Resolution:
        if not is_known(module):
            self.note(f'python -m `{module}`: a module that only the container\'s '
                      f'environment names')
            return self.done()
        parts = module.split('.')
        roots = [self.cwd] + [p for p in self.image.env.get('PYTHONPATH', '').split(':')
                                        if p]
        # The src layout: `python -m pkg` finds pkg only if it is installed
        # (`pip install .`), and the code installed is the copy under src/.
        layouts = [(root, '') for root in roots] + \
            [(posixpath.join(self.cwd, 'src'), ' (installed from the src/ folder)')]
        for root, how in layouts:
            for candidate in (posixpath.join(root, *parts) + '.py',
                              posixpath.join(root, *parts, '__main__.py')):
                found = self.image.locate(candidate)
                if found:
                    self.note(f'python -m {module} runs {candidate}{how}')
                    return self.target(found, Kind.PYTHON, candidate)
        self.note(f'python -m {module}: no {"/".join(parts)}.py or {"/".join(parts)}/__main__.py '
                  f'copied from the repository (an installed package?)')
        return self.done()

    def file(self, path: str, kind: Kind, interpreter: str, node: bool = False,
             rest: list[str] | None = None) -> Resolution:
        if not is_known(path):
            self.note(f'{interpreter} runs `{path}`, a script that only the container\'s '
                      f'environment names')
            return self.done()
        image_path = posixpath.normpath(posixpath.join(self.cwd, path))
        candidates = [image_path]
        if node and not posixpath.splitext(image_path)[1]:
            candidates += [image_path + '.js', posixpath.join(image_path, 'index.js')]
        for candidate in candidates:
            found = self.image.locate(candidate)
            if found:
                self.note(f'{interpreter} runs {candidate}')
                return self.target(found, kind, candidate, rest)
        self.note(f'{interpreter} runs {image_path}, which no COPY brings from the repository')
        return self.done()

    def program(self, argv: list[str], direct: bool = False) -> Resolution:
        name = argv[0]
        if '/' in name:
            candidates = [posixpath.normpath(posixpath.join(self.cwd, name))]
        else:
            candidates = [posixpath.join(d, name)
                          for d in self.image.env.get('PATH', DEFAULT_PATH).split(':') if d]
        for candidate in candidates:
            found = self.image.locate(candidate)
            if found is None:
                continue
            text = self.image.project.read(found[0]) or ''
            kind = _kind_by_content(found[0], text)
            if kind is None:
                self.note(f'{candidate} (from the repository) is not a script modcon reads')
                return self.done()
            self.note(f'{name} is {candidate}, a {kind} script')
            return self.target(found, kind, candidate, argv[1:], direct)
        self.note(f'{name} is not a file of the repository (a program of the image)')
        return self.done()

    def target(self, found: tuple[str, int], kind: Kind, image_path: str,
               rest: list[str] | None = None, direct: bool = False) -> Resolution:
        path, copy_line = found
        if any(t.path == path for t in self.targets):
            self.note(f'{image_path} runs again: a loop, not followed further')
            return self.done()
        via = self.image.via.get(copy_line)
        through = f', through stage {via} (COPY --from)' if via else ''
        self.steps.append(Step(f'{image_path} comes from {path} in the build context{through}',
                               copy_line))
        self.targets.append(Target(path, kind, Invocation(self.dockerfile, self.line, self.full,
                                                          direct=direct)))
        if kind == Kind.SHELL and len(self.targets) > 8:
            self.note('gave up after too many scripts')
        elif kind == Kind.SHELL:
            # An entrypoint script ends by running its program (`exec "$@"`,
            # the CMD; or `exec python /app/server.py`): follow it, as the
            # program that stays running (MC301 says when it is not `exec`ed).
            text = self.image.project.read(path)
            if text is None:
                self.note(f'{path} cannot be read (unreadable, binary or over 1 MiB): '
                          f'not followed further')
                return self.done()
            words = self.shell_command(path, text, rest or [])
            if words:
                return self.follow(words)
        return self.done()

    def shell_command(self, what: str, text: str, args: list[str]) -> list[str] | None:
        """The argv a shell script or ``-c`` string ends by running, expanded with
        the image's environment and the script's arguments, or None (noted why)."""
        from modcon.readers.shell.shell_form import literal_words

        literal = literal_words(text)
        if literal is not None:  # plain words: no parser needed (and none loaded)
            self.note(f'{what} runs: {" ".join(literal)}')
            return list(literal[1:] if literal[0] == 'exec' else literal)
        from modcon.readers.shell.expand import command_words
        from modcon.readers.shell.expand import expand
        from modcon.readers.shell.script import final_command

        final = final_command(text)
        if isinstance(final, str):
            self.note(f'{what}: the program it runs last cannot be followed: {final}')
            return None
        env = {k: v for k, v in self.image.env.items() if k not in final.assigned}
        known_args = None if '*' in final.assigned else args
        for setting in final.settings:  # NAME=value at the script's top level
            name, value = setting.child_by_field_name('name'), setting.child_by_field_name('value')
            if name is None:
                continue
            fields = [] if value is None else expand(value, final.source, env, known_args)
            if all(is_known(f) for f in fields):
                env[final.source.raw(name)] = ' '.join(fields)
        for cd in final.cds:
            target = command_words(cd, final.source, env, known_args)[1:]
            if len(target) != 1 or not is_known(target[0]):
                self.note(f'{what} changes to a folder only known at run time')
                return None
            self.cwd = posixpath.normpath(posixpath.join(self.cwd, target[0]))
            self.note(f'{what}: cd {target[0]} (now in {self.cwd})')
        words = command_words(final.command, final.source, env, known_args)
        if words[:1] == ['exec']:
            words = words[1:]
            shown = 'execs'
        elif what.endswith(' -c') and what[:-3] not in CHILD_KEEPING_SHELLS:
            shown = 'runs last'  # bash execs a last simple command of `-c` itself
        else:
            # A script file keeps the shell as the parent (MC301 reports it); so does
            # `sh -c` under dash, Debian's and Ubuntu's sh, even for one command (MC105).
            shown = 'runs last, as a child of the shell'
            self.behind_shell = self.behind_shell or what
        written = ' '.join(final.source.raw(final.command).split())
        expanded = ' '.join(words)
        line = f'{what} {shown}: {written}'
        if expanded != ' '.join(written.split()[1 if shown == 'execs' else 0:]):
            line += f' -> {expanded}' if words else ' -> nothing (no arguments)'
        self.note(line)
        unknown = [w for w in words if not is_known(w)]
        if unknown:
            self.note(f'known only at run time: {", ".join(unknown)}')
        return words

    def package_command(self, argv: list[str]) -> str | None:
        runner = posixpath.basename(argv[0])
        args = [a for a in argv[1:] if not a.startswith('-')]
        if not args:
            self.note(f'{runner} without a script')
            return None
        selection = script_selection(argv)
        if selection is None:
            self.note(f'{runner} {args[0]} is not a package script')
            return None
        name = selection.name
        found = self.image.locate(posixpath.join(self.cwd, 'package.json'))
        scripts: dict[str, str] = {}
        if found:
            import json  # few commands need it: not loaded at start-up

            try:
                data = json.loads(self.image.project.read(found[0]) or '{}')
                scripts = {k: v for k, v in (data.get('scripts') or {}).items()
                           if isinstance(v, str)}
            except ValueError:
                self.note(f'{found[0]} is not valid JSON')
                return None
        command = scripts.get(name)
        if command is None and name == 'start' and \
                self.image.locate(posixpath.join(self.cwd, 'server.js')):
            command = 'node server.js'  # npm's default start script
        if command is None:
            self.note(f'{runner} runs the package script {name!r}, which is not in package.json')
            return None
        self.package_script = (runner, name, command)
        self.note(f'{runner} runs the package script {name!r}: {command} (under sh -c, as a '
                  f'child of {runner}, which does not pass SIGTERM on reliably)')
        return command


def _after_options(words: list[str], with_value: frozenset[str]) -> list[str]:
    """``words`` without the leading options (and their values) and a ``--``."""
    i = 0
    while i < len(words) and words[i].startswith('-'):
        if words[i] == '--':
            return words[i + 1:]
        i += 2 if words[i] in with_value else 1
    return words[i:]


def _kind_by_content(path: str, text: str) -> Kind | None:
    first = text.split('\n', 1)[0] if text.startswith('#!') else ''
    interpreter = first[2:].strip().split()
    if interpreter:
        program = posixpath.basename(interpreter[0])
        if program == 'env' and len(interpreter) > 1:
            program = interpreter[1 if not interpreter[1].startswith('-') else -1]
        if program in SHELLS:
            return Kind.SHELL
        if is_python(program):
            return Kind.PYTHON
        if program in _NODE:
            return Kind.JAVASCRIPT
        return None
    return kind_of_code(path)


def explain(resolution: Resolution) -> str:
    """The resolution as lines a person can follow."""
    lines = [f'{resolution.dockerfile}:']
    for step in resolution.steps:
        where = f' (line {step.line})' if step.line else ''
        lines.append(f'  - {step.text}{where}')
    if resolution.targets:
        for target in resolution.targets:
            lines.append(f'  => runs {target.path} ({target.kind}) as the main program')
    elif resolution.handled_by and resolution.behind_shell:
        lines.append(f'  => {resolution.handled_by} handles SIGTERM itself, but {resolution.behind_shell} '
                     f'stays in front of it and gets SIGTERM instead: it must `exec` the program')
    elif resolution.handled_by:
        lines.append(f'  => {resolution.handled_by} handles SIGTERM itself: nothing to change')
    elif resolution.server is not None:
        server = resolution.server
        lines.append(f'  => {server.name} is the main program; it stops cleanly on '
                     f'{server.stops_on} only')
    else:
        lines.append('  => no file of the repository is run as the main program')
    return '\n'.join(lines) + '\n'
