"""What the final image holds that matters for log files, read from the Dockerfile.

``ImageLogs(document)`` looks at the stages the final image is built from
(the final stage and the stages it names in ``FROM``, root first) and
answers, each on first use:

* ``installs``: packages installed with apt-get/apk/dnf/yum that
  ``knowledge.SOFTWARE`` knows, and the instruction that installs each;
* ``links``: paths that a ``RUN`` (or a shell entrypoint script, or the base
  image) already points at a stream, in any spelling (``ln -s``, ``ln -sf``,
  ``ln -sfT``, ``--symbolic``; ``/dev/stdout``, ``/proc/self/fd/1``, ...);
* ``dirs``: folders the image creates (``mkdir``, ``WORKDIR``, ``COPY``);
* ``users``: the ``USER`` instructions, to place links before a switch to a
  non-root user and to know who the program runs as;
* ``copied_file``/``copied_under``: files copied from the build context or
  written by a ``COPY`` heredoc, by image path, read only when a rule asks.

Everything is cheap until asked for: a Dockerfile without a known package, a
copied configuration file or a Python entrypoint never loads the shell
parser. One ``ImageLogs`` is kept per document, so the rules that share it
(MC131, MC133) compute it once.
"""
from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.knowledge import images
from modcon.knowledge import logs as knowledge
from modcon.knowledge.logs import STDERR
from modcon.knowledge.logs import STDOUT
from modcon.knowledge.logs import Software
from modcon.lazyregex import lazy_compile
from modcon.model import Kind
from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.syntax import Instruction
from modcon.readers.dockerfile.syntax import parse_json_array
from modcon.readers.shell.options import options
from modcon.readers.shell.simple_commands import Command
from modcon.readers.shell.simple_commands import Redirect
from modcon.readers.shell.simple_commands import read_commands

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing import Any

    from modcon.entrypoints.resolve import Copy
    from modcon.project import Project

# Link targets that are the container's streams, and which one.
LINK_TARGETS = {
    '/dev/stdout': STDOUT, '/proc/self/fd/1': STDOUT, '/dev/fd/1': STDOUT, '/proc/1/fd/1': STDOUT,
    '/dev/stderr': STDERR, '/proc/self/fd/2': STDERR, '/dev/fd/2': STDERR, '/proc/1/fd/2': STDERR,
}
_SHELLS = frozenset(('sh', 'bash', 'dash', 'ash'))
# Words that must appear in a RUN before it is worth parsing for installs.
_PACKAGE_STEMS = ('nginx', 'apache2', 'httpd', 'php', 'supervisor', 'squid', 'haproxy',
                  'logrotate', 'cron', 'filebeat', 'fluent', 'promtail', 'vector', 'td-agent')
_ROOT_USERS = frozenset(('root', '0'))


class Install(NamedTuple):
    software: Software
    version: dict[str, str]
    package: str
    instruction: Instruction

    def expand(self, template: str) -> str:
        return template.format(**self.version) if '{' in template else template


class Link(NamedTuple):
    path: str
    stream: str
    instruction: Instruction | None  # None: made by a script or the base image
    where: str  # for messages: 'line 7', 'entrypoint.sh', 'the nginx base image'


class Copied(NamedTuple):
    """A file the image gets from the build context (or a COPY heredoc)."""

    image_path: str
    origin: str  # the context path, or 'a COPY heredoc'
    instruction: Instruction
    read: Callable[[], str | None]


class ImageLogs:
    """Facts about the final image's log files; see the module doc."""

    def __init__(self, document: DockerfileDocument) -> None:
        self.document = document
        self.stages = list(document.stages.final_lineage)
        # Instructions in build order: FROM, then the stage's own, root stage first.
        self.sequence: list[Instruction] = []
        for s in self.stages:
            self.sequence.append(s.from_instruction)
            self.sequence.extend(s.instructions)
        self.position = {id(ins): i for i, ins in enumerate(self.sequence)}
        self.root_image = self.stages[0].image
        self.repository = images.repository(self.root_image)
        self.base = knowledge.LINKED_BY_BASE.get(self.repository)
        self._parsed: dict[int, tuple[Command, ...]] = {}
        self.memo: dict[str, Any] = {}  # results other modules compute once per image
        # Links a later instruction undoes: path -> (the link, what replaces or removes it).
        self.replaced: dict[str, tuple[Link, Instruction]] = {}

    # -- RUN scripts ----------------------------------------------------------

    def script(self, ins: Instruction) -> str:
        """The shell code a RUN executes (heredoc bodies included)."""
        if ins.args.json is not None:
            argv = ins.args.json
            if len(argv) >= 3 and posixpath.basename(argv[0]) in _SHELLS and argv[1] == '-c':
                return argv[2]
            import shlex  # exec-form RUNs only

            return shlex.join(argv)
        text = ins.args.text
        if ins.heredocs:
            # `RUN <<EOF` or `RUN bash <<EOF`: the body is the script; otherwise
            # (`RUN cat <<EOF > file`) it is data.
            head = re.sub(r'\d*<<-?\S+', '', text).strip()
            if head == '' or head.split()[0].rsplit('/', 1)[-1] in _SHELLS:
                source = self.document.source.text
                return '\n'.join(source[h.body_start:h.body_end] for h in ins.heredocs)
        return text

    @functools.cached_property
    def runs(self) -> list[Instruction]:
        return [ins for ins in self.sequence if ins.name == 'RUN']

    def commands_of(self, ins: Instruction) -> tuple[Command, ...]:
        found = self._parsed.get(id(ins))
        if found is None:
            found = self._parsed[id(ins)] = read_commands(self.script(ins)).commands
        return found

    # -- packages -------------------------------------------------------------

    @functools.cached_property
    def packages(self) -> list[tuple[str, str, Instruction]]:
        """Every package installed in the image: (family, name, instruction)."""
        found = []
        for ins in self.runs:
            text = self.script(ins)
            if not any(stem in text for stem in _PACKAGE_STEMS):
                continue
            for command in self.commands_of(ins):
                name = command.name
                if name not in knowledge.INSTALLERS:
                    continue
                family, verbs = knowledge.INSTALLERS[name]
                words = command.words[1:]
                verb_at = next((i for i, w in enumerate(words) if w.value in verbs), None)
                if verb_at is None:
                    continue
                skip_next = False
                for word in words[verb_at + 1:]:
                    value = word.value
                    if skip_next:
                        skip_next = False
                        continue
                    if value is None:
                        # `nginx=1.24*`: a glob in the version only
                        match = re.match(r'^([a-z0-9][a-z0-9.+-]*)=', word.raw)
                        if match is None:
                            continue
                        value = match[1]
                    if value.startswith('-'):
                        # apk's `--virtual NAME` and `-t NAME` take a value
                        skip_next = value in ('--virtual', '-t', '--repository', '-X')
                        continue
                    package = re.split(r'[=<>~]', value, maxsplit=1)[0]
                    if name in ('dnf', 'yum', 'microdnf', 'tdnf'):
                        package = re.sub(r'-\d[\w.:-]*$', '', package)  # nginx-1.24.0
                    found.append((family, package, ins))
        return found

    @functools.cached_property
    def installs(self) -> list[Install]:
        found = []
        seen: set[tuple[str, str, str]] = set()
        for family, package, ins in self.packages:
            if family == 'debian' and package == 'php-fpm':
                version = self._debian_php()
                if version is None:
                    continue  # the version, and so the file name, depends on the release
                package = f'php{version}-fpm'
            known = knowledge.software_for(family, package)
            if known is None:
                continue
            key = (known[0].name, family, repr(sorted(known[1].items())))
            if key not in seen:  # the first install is when the files appear
                seen.add(key)
                found.append(Install(known[0], known[1], package, ins))
        return found

    def _debian_php(self) -> str | None:
        tag = self.root_image.rsplit(':', 1)[-1] if ':' in self.root_image.rsplit('/', 1)[-1] \
            else ''
        for word in re.split(r'[-_]', tag):
            if word in knowledge.DEBIAN_PHP:
                return knowledge.DEBIAN_PHP[word]
        return None

    def installed(self, pattern: re.Pattern[str]) -> Instruction | None:
        """The first instruction installing a package whose name matches ``pattern``."""
        return next((ins for _, package, ins in self.packages if pattern.fullmatch(package)),
                    None)

    # -- links, folders, users ------------------------------------------------

    @functools.cached_property
    def links(self) -> dict[str, list[Link]]:
        found: dict[str, list[Link]] = {}
        if self.base is not None:
            for path, stream in self.base.paths.items():
                inherited = Link(path, stream, None, f'the `{self.repository}` base image')
                clobbers = self.clobbers(path)
                if clobbers:  # `RUN unlink /var/log/nginx/access.log`: a file again
                    self.replaced.setdefault(path, (inherited, clobbers[0]))
                else:
                    found.setdefault(path, []).append(inherited)
        variables = self.variables
        for ins in self.runs:
            text = self.script(ins)
            if not _may_link(text):
                continue
            for command in self.commands_of(ins):
                link = _link_of(command, variables)
                if link is not None:
                    found.setdefault(link[0], []).append(
                        Link(link[0], link[1], ins, f'line {ins.line}'))
        for path, text in self.shell_targets():
            if not _may_link(text):
                continue
            for command in read_commands(text).commands:
                link = _link_of(command, variables)
                if link is not None:
                    found.setdefault(link[0], []).append(Link(link[0], link[1], None, path))
        # A link that a later COPY replaces or an `rm` removes is no link.
        for path, made in list(found.items()):
            kept = []
            for one in made:
                clobber = self.undone(one)
                if clobber is None:
                    kept.append(one)
                else:
                    self.replaced.setdefault(path, (one, clobber))
            if kept:
                found[path] = kept
            else:
                del found[path]
        return found

    @functools.cached_property
    def variables(self) -> dict[str, str]:
        """What `$NAME` means in the image's RUNs: the final image's ENV, over the
        literal defaults of its ARGs, over Debian's Apache envvars (`$APACHE_LOG_DIR`
        as the php image spells it)."""
        found = {'APACHE_LOG_DIR': '/var/log/apache2'}
        for ins in self.sequence:
            if ins.name == 'ARG':
                for word in ins.args.text.split():
                    name, equals, value = word.partition('=')
                    if equals and re.fullmatch(r'\w+', name) and \
                            re.fullmatch(r'[\w./:@%+-]*', value):
                        found[name] = value
        found.update(self.document.resolution.env)
        return found

    def shell_targets(self) -> Iterator[tuple[str, str]]:
        project = self.document.project
        if project is None:
            return
        for target in self.document.resolution.targets:
            if target.kind == Kind.SHELL:
                text = project.read(target.path)
                if text:
                    yield target.path, text

    def command_mentions(self, programs: tuple[str, ...]) -> bool:
        """Whether the container's command, or a shell script it runs, starts one of
        ``programs`` (a program name is matched as a prefix: `php-fpm` matches
        `php-fpm8.2`)."""
        resolution = self.document.resolution
        words = [posixpath.basename(w) for w in resolution.argv]
        if resolution.handled_by:
            words.append(resolution.handled_by)
        if not resolution.argv and self.base is not None:
            words.extend(self.base.runs)  # no command here: the base image's runs
        for word in words:
            for program in programs:
                if word == program or (word.startswith(program) and
                                       re.fullmatch(r'[\d.]*', word[len(program):])):
                    return True
        for _, text in self.shell_targets():
            for program in programs:
                if re.search(rf'(^|[\s/;&|(]){re.escape(program)}[\d.]*(\s|$)', text, re.M):
                    return True
        return False

    def command_backgrounds(self, programs: tuple[str, ...]) -> bool:
        """Whether the command (or its script) starts one of ``programs`` as a
        daemon: `service nginx start`, `php-fpm -D`, `nginx &`. A daemon's stdout
        is /dev/null or its parent's, not the container's."""
        texts = [' '.join(self.document.resolution.argv)]
        texts.extend(text for _, text in self.shell_targets())
        for program in programs:
            name = re.escape(program) + r'[\d.]*'
            # php-fpm's -D is --daemonize (Apache's -D defines a name: -D FOREGROUND)
            flag = r'\s-D\b|--daemonize\b|' if program == 'php-fpm' else ''
            daemon = re.compile(rf'\bservice\s+{name}\s+(re)?start\b|'
                                rf'(^|[\s/;&|(]){name}\b[^\n;&|]*({flag}[^&]&\s*($|[^&]))',
                                re.M)
            if any(daemon.search(text) for text in texts):
                return True
        return False

    def clobbers(self, path: str) -> list[Instruction]:
        """Instructions that replace or remove the file ``path``, in build order: a
        COPY/ADD that brings a file there (a link made before it is replaced by the
        file; measured with podman), or a RUN whose ``rm`` removes it or a folder
        above it."""
        key = f'clobbers:{path}'
        if key not in self.memo:
            self.memo[key] = self._clobbers(posixpath.normpath(path))
        found: list[Instruction] = self.memo[key]
        return found

    def _clobbers(self, path: str) -> list[Instruction]:
        found = [copied.instruction for copied in self._heredoc_files
                 if copied.image_path == path]
        project = self.document.project
        found.extend(ins for ins, copy in self._copies
                     if self._locate(ins, copy, path, project) is not None)
        found.extend(ins for ins in self.runs if self.removes(ins, path))
        found.sort(key=lambda ins: self.position.get(id(ins), 0))
        return found

    def removes(self, ins: Instruction, path: str) -> bool:
        """Whether the RUN ``ins`` runs an ``rm`` (or ``unlink``) of ``path`` or of a
        folder above it (globs included: ``rm -rf /var/log/nginx/*``)."""
        text = self.script(ins)
        if 'rm' not in text and 'unlink' not in text:
            return False
        for command in self.commands_of(ins):
            if command.name not in ('rm', 'unlink'):
                continue
            for word in command.args:
                operand = word.plain
                if operand is None or not operand.startswith('/'):
                    continue
                operand = posixpath.normpath(operand)
                if path == operand or path.startswith(operand.rstrip('/') + '/') or \
                        _glob_covers(operand, path):
                    return True
        return False

    def undone(self, link: Link) -> Instruction | None:
        """The instruction after ``link`` that replaces or removes its file, if any."""
        if link.instruction is None:
            return None
        at = self.position.get(id(link.instruction), 0)
        return next((ins for ins in self.clobbers(link.path)
                     if self.position.get(id(ins), 0) > at), None)

    @functools.cached_property
    def volumes(self) -> list[tuple[Instruction, str]]:
        """(VOLUME instruction, folder) for each literal folder the final image's
        stages declare a volume at."""
        found = []
        for ins in self.sequence:
            if ins.name != 'VOLUME':
                continue
            strings, _ = parse_json_array(ins.args.text)
            paths = strings if strings is not None else ins.args.text.split()
            for path in paths:
                path = path.strip('"\'')
                if path.startswith('/') and '$' not in path:
                    found.append((ins, posixpath.normpath(path)))
        return found

    def volume_over(self, path: str, before: int) -> tuple[Instruction, str] | None:
        """A VOLUME declared at a position up to ``before`` whose folder holds ``path``."""
        for ins, folder in self.volumes:
            if self.position[id(ins)] <= before and (
                    path == folder or path.startswith(folder.rstrip('/') + '/')):
                return ins, folder
        return None

    def redirected(self, programs: tuple[str, ...]) -> dict[str, str]:
        """Where the command sends the stdout and stderr of the program it runs, when
        a shell redirects them to something other than the container's streams:
        ``{'stdout': '/var/log/out.log'}`` for ``exec gunicorn app >> /var/log/out.log``.

        The commands read are the container's ``sh -c`` script and the shell scripts
        it runs: a command that starts one of ``programs`` (the script's last command
        when ``programs`` is empty), and an ``exec`` that only redirects (``exec >>
        log 2>&1``), which sends everything after it there. A pipe counts (``| logger``),
        unless into ``tee``, which passes the lines on."""
        found: dict[str, str] = {}
        for text in self.command_scripts():
            if '>' not in text and '|' not in text:
                continue
            for command in read_commands(text).commands:
                words = [w.value or '' for w in command.words]
                if words[:1] == ['exec']:
                    words = words[1:]
                if not words:
                    if command.name == 'exec':  # `exec >> file`: the rest of the script
                        found.update(_sent_to_files(command.redirects))
                    continue
                name = posixpath.basename(words[0])
                if name.startswith('python') and '-m' in words[1:-1]:
                    name = words[words.index('-m') + 1]  # `python -m gunicorn`
                runs = (command.final if not programs else
                        any(name == p or (name.startswith(p) and
                                          re.fullmatch(r'[\d.]*', name[len(p):]))
                            for p in programs))
                if not runs:
                    continue
                found.update(_sent_to_files(command.redirects))
                if command.pipe_index != -1 and command.pipe_index < command.pipe_length - 1:
                    # its stdout feeds the next command (tee passes lines on)
                    following = [c for c in read_commands(text).commands
                                 if c.pipeline == command.pipeline and
                                 c.pipe_index == command.pipe_index + 1]
                    if not following or following[0].name != 'tee':
                        found.setdefault(STDOUT, f'a pipe to `{following[0].name}`'
                                         if following and following[0].name else 'a pipe')
        return found

    def command_scripts(self) -> Iterator[str]:
        """The container's ``sh -c`` script, then the shell scripts it runs."""
        argv = self.document.resolution.argv
        for i, word in enumerate(argv[:-1]):
            if posixpath.basename(word) in _SHELLS and argv[i + 1] == '-c' and i + 2 < len(argv):
                yield argv[i + 2]
                break
        for _, text in self.shell_targets():
            yield text

    @functools.cached_property
    def dirs(self) -> dict[str, Instruction | None]:
        """Folders that exist in the image, with the instruction that makes each."""
        found: dict[str, Instruction | None] = {'/': None, '/var': None, '/var/log': None,
                                                '/tmp': None}
        if self.base is not None:
            found.update(dict.fromkeys(self.base.dirs))
        for install in self.installs:
            directory = install.expand(install.software.log_dir)
            if directory:
                found.setdefault(directory, install.instruction)
        variables = self.variables
        workdir: str | None = '/'  # None: computed at build time
        for ins in self.sequence:
            if ins.name == 'WORKDIR':
                path = _expand(ins.args.text.strip(), variables)
                workdir = None if path is None or workdir is None else \
                    posixpath.normpath(posixpath.join(workdir, path))
                if workdir is not None:
                    found.setdefault(workdir, ins)
            elif ins.name == 'RUN' and 'mkdir' in self.script(ins):
                commands = self.commands_of(ins)
                moves = any(c.name in ('cd', 'pushd') for c in commands)  # `cd x && mkdir y`
                for command in commands:
                    if command.name != 'mkdir':
                        continue
                    _, operands = options([w.value if w.value is not None
                                           else _expand(w.raw, variables)
                                           for w in command.args])
                    for operand in operands:
                        if not operand:
                            continue
                        if not operand.startswith('/'):
                            if moves or workdir is None:
                                continue
                            operand = posixpath.join(workdir, operand)
                        found.setdefault(posixpath.normpath(operand), ins)
        for copy in self.document.resolution.copies:
            if copy.into_dir:
                found.setdefault(copy.dest, self.instruction_at_line(copy.line))
        return found

    def dir_creator(self, directory: str) -> tuple[bool, Instruction | None]:
        """(exists, the instruction that creates it) for a folder of the image.

        A folder counts as existing when it or a folder below it is created.
        """
        directory = posixpath.normpath(directory)
        if directory in self.dirs:
            return True, self.dirs[directory]
        prefix = directory.rstrip('/') + '/'
        for path, ins in self.dirs.items():
            if path.startswith(prefix):
                return True, ins
        return False, None

    @functools.cached_property
    def users(self) -> list[tuple[Instruction, str]]:
        return [(ins, ins.args.text.strip().split(':', 1)[0]) for ins in self.sequence
                if ins.name == 'USER']

    def user_at(self, ins: Instruction) -> tuple[Instruction | None, str]:
        """The USER in effect just after ``ins`` (root when none is set)."""
        at = self.position[id(ins)]
        current: tuple[Instruction | None, str] = (None, 'root')
        for user_ins, name in self.users:
            if self.position[id(user_ins)] <= at:
                current = (user_ins, name)
        return current

    @property
    def final_user(self) -> str:
        return self.users[-1][1] if self.users else 'root'

    def instruction_at_line(self, line: int) -> Instruction | None:
        return self._instructions_by_line.get(line)

    @functools.cached_property
    def _instructions_by_line(self) -> dict[int, Instruction]:
        return {ins.line: ins for ins in self.sequence}

    # -- copied files ---------------------------------------------------------

    @functools.cached_property
    def _copies(self) -> list[tuple[Instruction, Copy]]:
        """COPY/ADD instructions (from the context) with the resolved copy, last first."""
        found = []
        for copy in self.document.resolution.copies:
            ins = self.instruction_at_line(copy.line)
            if ins is not None:
                found.append((ins, copy))
        found.sort(key=lambda pair: -self.position.get(id(pair[0]), 0))
        return found

    @functools.cached_property
    def _heredoc_files(self) -> list[Copied]:
        """Files written by `COPY <<EOF /path` heredocs, last first."""
        text = self.document.source.text
        found = []
        for ins in reversed(self.sequence):
            if ins.name not in ('COPY', 'ADD') or not ins.heredocs:
                continue
            words = ins.args.text.split()
            if not words:
                continue
            dest = words[-1]
            for heredoc in ins.heredocs:
                image = posixpath.join(dest, heredoc.name) if dest.endswith('/') else dest
                body = text[heredoc.body_start:heredoc.body_end]
                found.append(Copied(posixpath.normpath(image), 'a COPY heredoc', ins,
                                    functools.partial(str, body)))
        return found

    def copied_file(self, image_path: str) -> Copied | None:
        """The file the image has at ``image_path``, if a COPY brings it (the last
        COPY to a path wins)."""
        wanted = posixpath.normpath(image_path)
        key = f'copied:{wanted}'
        if key not in self.memo:
            self.memo[key] = self._copied_file(wanted)
        copied: Copied | None = self.memo[key]
        return copied

    def _is_dir(self, source: str) -> bool:
        key = f'is_dir:{source}'
        if key not in self.memo:
            project = self.document.project
            self.memo[key] = project is not None and project.is_dir(source)
        return bool(self.memo[key])

    def _copied_file(self, wanted: str) -> Copied | None:
        project = self.document.project
        candidates: list[tuple[int, Copied]] = []
        for copied in self._heredoc_files:
            if copied.image_path == wanted:
                candidates.append((self.position.get(id(copied.instruction), 0), copied))
                break
        for ins, copy in self._copies:
            found = self._locate(ins, copy, wanted, project)
            if found is not None:
                candidates.append((self.position.get(id(ins), 0), found))
                break
        return max(candidates, key=lambda c: c[0])[1] if candidates else None

    def _locate(self, ins: Instruction, copy: Copy, wanted: str,
                project: Project | None) -> Copied | None:
        dest = copy.dest
        for source in copy.sources:
            if project is not None and self._is_dir(source):
                if wanted.startswith(dest.rstrip('/') + '/'):
                    inner = posixpath.normpath(
                        posixpath.join(source, posixpath.relpath(wanted, dest)))
                    if project.is_file(inner):
                        return Copied(wanted, inner, ins, _reader(project, inner))
                continue
            image = posixpath.join(dest, posixpath.basename(source)) if copy.into_dir else dest
            if posixpath.normpath(image) == wanted:
                return Copied(wanted, posixpath.normpath(source), ins,
                              _reader(project, source) if project is not None else _nothing)
        return None

    def copy_of(self, context_path: str) -> Instruction | None:
        """The (last) COPY that brings the build-context file ``context_path``."""
        wanted = posixpath.normpath(context_path)
        for ins, copy in self._copies:
            for source in copy.sources:
                source = posixpath.normpath(source)
                if source in (wanted, '.') or wanted.startswith(source + '/'):
                    return ins
        return None

    def copied_under(self, prefixes: tuple[str, ...]) -> list[Copied]:
        """Files copied to paths under ``prefixes`` (folders ending in '/'), last
        copy first. Copied folders are walked only where they reach a prefix."""
        project = self.document.project
        found = [c for c in self._heredoc_files if c.image_path.startswith(prefixes)]
        for ins, copy in self._copies:
            dest = copy.dest.rstrip('/') + '/'
            for source in copy.sources:
                if project is not None and self._is_dir(source):
                    for prefix in prefixes:
                        if prefix.startswith(dest):  # the folder reaches into the prefix
                            inner = posixpath.join(source, prefix[len(dest):])
                            base = prefix
                        elif dest.startswith(prefix):
                            inner, base = source, dest
                        else:
                            continue
                        for path in _walk(project, posixpath.normpath(inner)):
                            rel = posixpath.relpath(path, posixpath.normpath(inner))
                            found.append(Copied(posixpath.normpath(posixpath.join(base, rel)),
                                                path, ins, _reader(project, path)))
                else:
                    image = posixpath.join(copy.dest, posixpath.basename(source)) \
                        if copy.into_dir else copy.dest
                    image = posixpath.normpath(image)
                    if image.startswith(prefixes):
                        found.append(Copied(image, posixpath.normpath(source), ins,
                                            _reader(project, source) if project is not None
                                            else _nothing))
        found.sort(key=lambda c: -self.position.get(id(c.instruction), 0))
        return found


def _nothing() -> str | None:
    return None


def _glob_covers(pattern: str, path: str) -> bool:
    """Whether the glob ``pattern`` matches ``path`` or a folder above it."""
    if not any(c in pattern for c in '*?['):
        return False
    import fnmatch  # a glob in an `rm`

    while path not in ('/', ''):
        if fnmatch.fnmatchcase(path, pattern):
            return True
        path = posixpath.dirname(path)
    return False


_DUPLICATE = lazy_compile(r'^(\d*)>&$')
_TO_FILE = lazy_compile(r'^(\d*|&)>[>|]?$')


def _sent_to_files(redirects: tuple[Redirect, ...]) -> dict[str, str]:
    """Which of fd 1 and 2 ``redirects`` send to a file, in the shell's order
    (``> f 2>&1`` sends both, ``2>&1 > f`` only stdout)."""
    fds: dict[str, str] = {'1': STDOUT, '2': STDERR}
    for redirect in redirects:
        operator, target = redirect.operator, redirect.target
        duplicate = _DUPLICATE.match(operator)
        if duplicate is not None:
            fd = duplicate[1] or '1'
            if fd in fds and target in fds:
                fds[fd] = fds[target]
            continue
        to_file = _TO_FILE.match(operator)
        if to_file is None:
            continue
        where = '?' if target is None else LINK_TARGETS.get(posixpath.normpath(target), target)
        for fd in (('1', '2') if to_file[1] == '&' else (to_file[1] or '1',)):
            if fd in fds:
                fds[fd] = where
    out = {}
    for fd, stream in (('1', STDOUT), ('2', STDERR)):
        if fds[fd] not in (STDOUT, STDERR):
            out[stream] = fds[fd] if fds[fd] != '?' else 'a file the shell computes'
    return out


_LN = lazy_compile(r'(^|[\s;&|(])ln\s')
_VARIABLE = lazy_compile(r'\$(?:\{(\w+)\}|(\w+))')


def _may_link(text: str) -> bool:
    """Cheap test before parsing: an `ln` command and a stream path."""
    return bool(_LN.search(text)) and any(target in text for target in LINK_TARGETS)


def _expand(raw: str, variables: dict[str, str]) -> str | None:
    """A word's value with `$NAME`/`${NAME}` taken from ``variables``; None when
    anything else would need the shell (other quoting, unknown names)."""
    word = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if any(c in word for c in '"\'\\`*?[]{}') and not _VARIABLE.search(word):
        return None
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match[1] or match[2]
        if name not in variables:
            missing = True
            return ''
        return variables[name]

    expanded = _VARIABLE.sub(value, word)
    if missing or any(c in expanded for c in '$"\'\\`*?[]{}'):
        return None
    return expanded


def _link_of(command: Command,
             variables: dict[str, str] | None = None) -> tuple[str, str] | None:
    """(link path, stream) for `ln -s <stream> <path>`, in any spelling."""
    if command.name != 'ln':
        return None
    args = [w.value if w.value is not None or variables is None else _expand(w.raw, variables)
            for w in command.words[1:]]
    flags, operands = options(args)
    if not ('s' in flags or '--symbolic' in flags) or len(operands) != 2:
        return None
    target, path = operands
    if target is None or path is None or target not in LINK_TARGETS or not path.startswith('/'):
        return None
    return posixpath.normpath(path), LINK_TARGETS[target]


def _walk(project: Project, folder: str, limit: int = 400) -> list[str]:
    """Files under a context folder (bounded: a copied tree can be huge)."""
    out: list[str] = []
    pending = [folder]
    while pending and len(out) < limit:
        current = pending.pop()
        for name in project.list_dir(current):
            if name.startswith('.git'):
                continue
            path = posixpath.normpath(posixpath.join(current, name))
            if project.is_dir(path):
                if path.count('/') - folder.count('/') < 6:
                    pending.append(path)
            else:
                out.append(path)
    return out


def _reader(project: Project, path: str) -> Callable[[], str | None]:
    return functools.partial(project.read, path)


def image_logs(document: DockerfileDocument) -> ImageLogs:
    """The one ``ImageLogs`` of ``document``."""
    return document.derived(ImageLogs)


def is_root(user: str) -> bool:
    return user in _ROOT_USERS
