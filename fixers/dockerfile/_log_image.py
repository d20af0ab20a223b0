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
from modcon.readers.shell.options import options
from modcon.readers.shell.simple_commands import Command
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
                found.setdefault(path, []).append(
                    Link(path, stream, None, f'the `{self.repository}` base image'))
        # `$APACHE_LOG_DIR/error.log` as the php image spells it: expand what
        # the image's ENV (and Debian's Apache envvars) define.
        variables = {'APACHE_LOG_DIR': '/var/log/apache2', **self.document.resolution.env}
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
        for ins in self.sequence:
            if ins.name == 'WORKDIR':
                path = ins.args.text.strip().strip('"\'')
                if path.startswith('/') and '$' not in path:
                    found.setdefault(posixpath.normpath(path), ins)
            elif ins.name == 'RUN' and 'mkdir' in self.script(ins):
                for command in self.commands_of(ins):
                    if command.name != 'mkdir':
                        continue
                    _, operands = options(command.arg_values)
                    for operand in operands:
                        if operand and operand.startswith('/'):
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
