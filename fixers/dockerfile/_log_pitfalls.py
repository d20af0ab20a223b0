"""Log files that a symlink to the container's streams cannot serve (MC133).

A link to ``/dev/stdout`` works only for a process whose own stdout is the
container's, that opens the path and writes, and that never renames or seeks
it. These do not:

* **supervisord** rotates its activity log and its programs' logs
  (``logfile_maxbytes``, 50MB by default) and seeks them; on ``/dev/stdout``
  that fails with "Illegal seek" (Supervisor/supervisor#935). Its programs'
  output goes to files under ``childlogdir`` unless ``stdout_logfile`` says
  otherwise. The fix is configuration: ``logfile=/dev/stdout`` /
  ``stdout_logfile=/dev/stdout`` with ``..._maxbytes=0``.
* **squid** writes ``access.log`` through its ``daemon:`` helper, whose
  stdout is a pipe to squid (``access_log stdio:/dev/stdout`` instead).
* **cron jobs** run as children of cron, with cron's stdout: a job's
  ``>> /var/log/cron.log`` linked to ``/dev/stdout`` reaches cron, not
  ``docker logs`` (moby/moby#19616). ``/proc/1/fd/1`` is PID 1's stdout.
* **one path linked to both streams**: the second ``ln -sf`` replaces the
  first (mitre/heimdall#124).
* **a link made inside a volume**: after ``VOLUME /var/log``, podman, buildah
  and Docker's legacy builder drop what a ``RUN`` writes there (measured with
  podman: the link is gone, or ``ln`` fails when the folder was made after the
  ``VOLUME`` too); only BuildKit keeps it.

Each pitfall is reported at the link that does not help when there is one,
else where the file becomes known (the install, the COPY of the config).
"""
from __future__ import annotations

import posixpath

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._log_image import ImageLogs
from modcon.fixers.dockerfile._log_targets import gather
from modcon.knowledge.logs import CRON_PACKAGES
from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.syntax import Instruction

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - typing only
    from modcon.fixers.dockerfile._log_configs import Setting

SUPERVISOR_CONFIGS = ('/etc/supervisor/', '/etc/supervisord.conf', '/etc/supervisor.d/',
                      '/etc/supervisord.d/')
CRON_FILES = ('/etc/crontab', '/etc/cron.d/', '/etc/crontabs/')
_PROC1 = '/proc/1/fd/1'


class Pitfall(NamedTuple):
    instruction: Instruction
    message: str


def pitfalls(document: DockerfileDocument, image: ImageLogs) -> list[Pitfall]:
    found: list[Pitfall] = []
    found.extend(_unlinkable_defaults(document, image))
    found.extend(_supervisord(document, image))
    found.extend(_cron(document, image))
    found.extend(_both_streams(image))
    found.extend(_links_in_volumes(image))
    found.sort(key=lambda p: p.instruction.start)
    return found


def _link_instruction(image: ImageLogs, path: str) -> Instruction | None:
    return next((link.instruction for link in image.links.get(path, ())
                 if link.instruction is not None), None)


def _unlinkable_defaults(document: DockerfileDocument, image: ImageLogs) -> list[Pitfall]:
    if not image.installs:
        return []
    out = []
    for target in gather(document, image):
        if not target.unlinkable or not image.command_mentions(target.programs):
            continue
        link = _link_instruction(image, target.path)
        if link is not None:
            out.append(Pitfall(link, f'the link of `{target.path}` to the container\'s '
                                     f'stream does not work: {target.unlinkable}'))
        else:
            out.append(Pitfall(target.anchor, f'`{target.path}` ({target.origin}) is a file '
                                              f'inside the container, and a link to the '
                                              f'stream cannot fix it: {target.unlinkable}'))
    return out


# -- supervisord ------------------------------------------------------------

def _supervisord_config_paths(document: DockerfileDocument) -> tuple[str | None, bool]:
    """The config supervisord reads when it is the command (-c), and whether it runs."""
    argv = list(document.resolution.argv)
    runs = document.resolution.handled_by == 'supervisord' or any(
        posixpath.basename(w) == 'supervisord' for w in argv)
    config = None
    for i, word in enumerate(argv):
        if word in ('-c', '--configuration') and i + 1 < len(argv):
            config = posixpath.normpath(posixpath.join(document.resolution.workdir, argv[i + 1]))
        elif word.startswith('--configuration='):
            config = word.split('=', 1)[1]
    return config, runs


def _supervisord(document: DockerfileDocument, image: ImageLogs) -> list[Pitfall]:
    config, runs = _supervisord_config_paths(document)
    if not runs:
        return []
    from modcon.fixers.dockerfile import _log_configs as configs  # supervisord runs

    prefixes = SUPERVISOR_CONFIGS + ((config,) if config else ())
    out: list[Pitfall] = []
    for copied in image.copied_under(prefixes):
        if not copied.image_path.endswith(('.conf', '.ini')):
            continue
        text = copied.read()
        if not text:
            continue
        sections = configs.ini_sections(text)
        where = (copied.origin, copied.instruction.line)
        main = sections.get('supervisord')
        if main is not None:
            out.extend(Pitfall(copied.instruction, m)
                       for m in _check_log(main, 'logfile', where, 'supervisord\'s own log',
                                           '$CWD/supervisord.log', 'logfile=/dev/stdout'))
        for name, section in sections.items():
            if not name.startswith('program:'):
                continue
            program = name.split(':', 1)[1]
            streams = ['stdout']
            if section.get('redirect_stderr', configs.Setting('false', 0)).value.lower() \
                    not in ('true', '1', 'yes', 'on'):
                streams.append('stderr')
            for stream in streams:
                out.extend(Pitfall(copied.instruction, m) for m in _check_log(
                    section, f'{stream}_logfile', where, f'the {stream} of program `{program}`',
                    'AUTO', f'{stream}_logfile=/dev/{stream}'))
    return out


def _check_log(section: dict[str, Setting], key: str, where: tuple[str, int],
               what: str, default: str, better: str) -> list[str]:
    from modcon.fixers.dockerfile import _log_configs as configs

    setting = section.get(key)
    value = setting.value if setting is not None else default
    origin, line = where
    at = f'{origin}:{setting.line}, copied at line {line}' if setting is not None else \
        f'no `{key}` in {origin}, copied at line {line}'
    maxbytes = section.get(key.replace('logfile', 'logfile_maxbytes'))
    if configs.is_stream(value) and value != '/dev/null':
        if maxbytes is None or maxbytes.value not in ('0', '0MB', '0KB', '0GB'):
            return [f'{what} goes to `{value}` ({at}) with rotation on: supervisord fails '
                    f'to seek a stream ("Illegal seek"); add '
                    f'`{key.replace("logfile", "logfile_maxbytes")}=0`']
        return []
    if value.lower() in ('syslog', '/dev/null') or (key == 'logfile' and value == 'syslog'):
        return []
    if value.upper() == 'NONE':
        return [f'{what} is discarded (`{key}=NONE`, {at}); send it to the container\'s '
                f'stream with `{better}` and `{key.replace("logfile", "logfile_maxbytes")}=0`']
    shown = 'files under `childlogdir`' if value.upper() == 'AUTO' else f'`{value}`'
    return [f'{what} goes to {shown} ({at}), inside the container, and supervisord rotates '
            f'it, so a link to the stream cannot help: set `{better}` and '
            f'`{key.replace("logfile", "logfile_maxbytes")}=0`']


# -- cron -------------------------------------------------------------------

def _cron(document: DockerfileDocument, image: ImageLogs) -> list[Pitfall]:
    if image.installed(CRON_PACKAGES) is None and not image.command_mentions(
            ('cron', 'crond', 'busybox')):
        return []
    crontabs: list[tuple[str, str, Instruction, bool]] = []  # (text, where, instruction, system)
    for copied in image.copied_under(CRON_FILES):
        text = copied.read()
        if text:
            system = not copied.image_path.startswith('/etc/crontabs/')
            crontabs.append((text, copied.origin, copied.instruction, system))
    for ins in image.runs:  # `crontab /etc/app.cron`
        if 'crontab' not in image.script(ins):
            continue
        for command in image.commands_of(ins):
            args = [a for a in command.arg_values if a and not a.startswith('-')]
            if command.name == 'crontab' and args and args[0].startswith('/'):
                named = image.copied_file(args[0])
                text = named.read() if named is not None else None
                if named is not None and text:
                    crontabs.append((text, named.origin, named.instruction, False))
    if not crontabs:
        return []
    from modcon.fixers.dockerfile import _log_configs as configs  # crontabs to read

    out = []
    for text, where, ins, system in crontabs:
        for write in configs.cron_writes(text, system):
            if 'log' not in write.path.lower():
                continue  # a job's data file (`date > /tmp/stamp`), not its log
            link = _link_instruction(image, write.path)
            problem = (f'a cron job writes `{write.path}` ({where}:{write.line}); a job\'s '
                       f'stdout is cron\'s, not the container\'s')
            if link is not None:
                out.append(Pitfall(link, f'{problem}, so linking `{write.path}` to '
                                         f'/dev/stdout does not reach `docker logs`: redirect '
                                         f'the job to `{_PROC1}` (PID 1\'s stdout) instead'))
            else:
                out.append(Pitfall(ins, f'{problem}, so a link to /dev/stdout would not reach '
                                        f'`docker logs` either: redirect the job to `{_PROC1}` '
                                        f'(PID 1\'s stdout) instead'))
    return out


# -- one path, two links ----------------------------------------------------

def _both_streams(image: ImageLogs) -> list[Pitfall]:
    out = []
    for path, links in image.links.items():
        made = [link for link in links if link.instruction is not None]
        streams = {link.stream for link in made}
        if len(streams) > 1:
            first, last = made[0], made[-1]
            out.append(Pitfall(last.instruction,  # type: ignore[arg-type]
                               f'`{path}` is linked to /dev/{first.stream} ({first.where}) and '
                               f'to /dev/{last.stream} ({last.where}): the second link '
                               f'replaces the first, so only {last.stream} gets it'))
    return out


# -- a link made in a volume ------------------------------------------------

def _links_in_volumes(image: ImageLogs) -> list[Pitfall]:
    """Links made by a RUN after a VOLUME that holds them, one pitfall per RUN."""
    by_run: dict[int, tuple[Instruction, Instruction, str, list[str]]] = {}
    for path, links in image.links.items():
        for link in links:
            if link.instruction is None:
                continue
            volume = image.volume_over(path, image.position[id(link.instruction)] - 1)
            if volume is not None:
                entry = by_run.setdefault(id(link.instruction),
                                          (link.instruction, *volume, []))
                entry[3].append(f'`{path}`')
    out = []
    for run, declared, folder, paths in by_run.values():
        shown = ', '.join(paths[:-1]) + f' and {paths[-1]}' if len(paths) > 1 else paths[0]
        out.append(Pitfall(run, f'{shown} {"are" if len(paths) > 1 else "is"} linked to the '
                                f'container\'s streams after `VOLUME {folder}` (line '
                                f'{declared.line}): podman, buildah and Docker\'s legacy builder '
                                f'drop what a RUN writes in a volume, so there the links are '
                                f'lost (or `ln` fails); make them before the VOLUME'))
    return out
