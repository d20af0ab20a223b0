"""MC131: the container writes log files that nothing links to its standard streams."""
from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._log_image import ImageLogs
from modcon.fixers.dockerfile._log_image import image_logs
from modcon.fixers.dockerfile._log_targets import LogTarget
from modcon.fixers.dockerfile._log_targets import gather
from modcon.knowledge.logs import LOG_READERS
from modcon.model import Applicability
from modcon.model import Fix
from modcon.model import Hit
from modcon.model import Kind
from modcon.model import Severity
from modcon.properties import Property
from modcon.readers.dockerfile.syntax import Instruction
from modcon.registry import rule

# Programs that start as root and switch to another user. runc gives the
# container's streams to the image's USER; the user switched to afterwards
# cannot open them through /dev/stdout (measured: tests/test_container_logs.py).
PRIVILEGE_DROPPERS = ('gosu', 'su-exec', 'su', 'setpriv', 'runuser', 'chpst', 'setuidgid',
                      's6-setuidgid')


@rule(
    code='MC131',
    name='log-file-not-linked',
    kind=Kind.DOCKERFILE,
    property=Property.STANDARD_STREAMS,
    severity=Severity.WARNING,
    aliases=(),
)
def log_file_not_linked(document: DockerfileDocument) -> Iterator[Hit]:
    """## What it does
    Finds log files that the final image's programs write inside the
    container (from installed packages, copied configuration files and the
    Python entrypoint's `logging`) and links them to the container's
    standard streams in one new `RUN`: access and ordinary logs to
    `/dev/stdout`, error logs to `/dev/stderr`.

    The files come from packages installed with apt-get, apk, dnf or yum
    (nginx, Apache, PHP-FPM, squid's cache.log, with each distribution's
    default paths), from configuration files the Dockerfile copies in (nginx
    `access_log`/`error_log`, Apache `CustomLog`/`ErrorLog`, gunicorn's
    `accesslog`/`errorlog`), and from the Python entrypoint's `logging` setup
    when the path is a constant (`FileHandler`, `WatchedFileHandler`,
    `basicConfig(filename=...)`, `dictConfig`), relative paths taken from
    `WORKDIR`. The Python code is read with the standard library's `ast`, so
    checking a Dockerfile never loads libcst.

    ## Why is this bad?
    `docker logs`, Kubernetes and every log shipper read the container's
    stdout and stderr, nothing else. A log file inside the container is
    invisible to them, grows in the writable layer until the disk fills, and
    is gone with the container. The official nginx image solves this with two
    symlinks; images that install nginx themselves usually lack them.

    ## Example
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends nginx
    CMD ["nginx", "-g", "daemon off;"]
    ```

    ## Use instead
    ```dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends nginx
    RUN ln -sf /dev/stdout /var/log/nginx/access.log \\
     && ln -sf /dev/stderr /var/log/nginx/error.log
    CMD ["nginx", "-g", "daemon off;"]
    ```

    Better still, where the program can log to a stream itself, configure
    that (`error_log stderr;` in nginx, `accesslog = "-"` in gunicorn,
    `logging.StreamHandler` in Python).

    ## Fix safety
    The links go after the instruction that installs the package, copies the
    configuration or creates the folder (with `mkdir -p` when nothing in the
    image creates it), and before a `USER` switch to a non-root user, since
    making them needs root. Links that exist in any spelling (`ln -s`,
    `ln -sf`, `ln -sfT`, `/proc/self/fd/1`), in a `RUN`, in the entrypoint
    script or in the base image (official `nginx`, `httpd`, `php`) are
    recognised, so a second run changes nothing. A link that a later `COPY`
    replaces (measured with podman) or an `rm` removes does not count, and
    the new one goes after that instruction.

    No fix is offered, and the finding says why, when a `VOLUME` that holds
    the file comes before the place of the links (podman, buildah and
    Docker's legacy builder drop what a `RUN` writes in a volume; measured
    with podman), when the command's shell sends the writer's stream to a
    file (`>> out.log`, `| logger`; a link to /dev/stdout would write there),
    when a relative path's folder is not known (a `cd` in the command,
    `os.chdir` in the code), or when the code makes the log folder without
    `exist_ok=True` (it would fail once the folder exists).

    A link changes where the logs go, which is the point, and is safe when
    the container's command starts the program that writes the file and the
    image runs as root. The fix is unsafe, and the title says why, when:
    the command drops privileges itself (`gosu`, `su-exec`, `su`, `setpriv`,
    `runuser`, `chpst`): the runtime (runc) hands the container's stdout and
    stderr, pipes or the TTY of `docker run -t`, to the image's `USER`, so
    a non-root `USER` can open the links, with or without `-t`, but a
    process that starts as root and then switches user is denied them
    (measured with podman and runc: tests/test_container_logs.py); the command does not
    visibly start the writer (a process started by supervisord or cron has
    its own stdout, not the container's), or starts it as a daemon
    (`service nginx start`, `php-fpm -D`, `&`); or something in the image reads or
    rotates log files (logrotate, a shipper such as filebeat, `tail -f`),
    which the link breaks. Files a link cannot serve (supervisord's
    self-rotating log, squid's helper-written access.log, cron jobs'
    output) are MC133's; rotating Python handlers and computed paths are
    MC230's; gunicorn's `--access-logfile` flags are MC132's.
    """
    stages = document.stages
    if stages.is_windows(stages.final):
        return
    image = image_logs(document)
    targets = [_judged(image, t) for t in gather(document, image)
               if not t.unlinkable and t.path not in image.links]
    if not targets:
        return
    for target in targets:
        if target.unsure:
            anchor = target.anchor
            yield Hit(anchor.start, anchor.end,
                      f'{_message(image, [target])}; no automatic fix: {target.unsure}')
    targets = [t for t in targets if not t.unsure]
    if not targets:
        return
    from modcon.fixers.dockerfile._log_links import plan_links

    plan = plan_links(document, image, targets)
    message = _message(image, targets)
    if plan.edit is None:
        yield Hit(plan.start, plan.end, f'{message}; no automatic fix: {plan.reason}')
        return
    made = [t.makes_dir for t in targets
            if t.makes_dir and posixpath.dirname(t.path) in plan.made_dirs]
    if made:  # the link needs the folder, and the program fails when it is there
        yield Hit(plan.start, plan.end,
                  f'{message}; no automatic fix: {made[0]} makes a folder without '
                  f'`exist_ok=True` and fails when it exists, as the log folder would once '
                  f'a link is made in it')
        return
    why = _unsafe_reasons(document, image, targets)
    title = 'Link the log files to the container\'s streams: RUN ' + ' && '.join(plan.commands)
    if why:
        title += f' (unsafe: {"; ".join(why)})'
    fix = Fix.make(title, (plan.edit,), Applicability.UNSAFE if why else Applicability.SAFE)
    yield Hit(plan.start, plan.end, message, fix)


def _judged(image: ImageLogs, target: LogTarget) -> LogTarget:
    """``target``, marked unsure when the command sends the writer's stream to a file:
    a link to /dev/stdout then reaches that file, not the container's stdout."""
    if target.unsure:
        return target
    sent = image.redirected(target.programs).get(target.stream)
    if sent is None:
        return target
    return target._replace(unsure=f'the command sends {target.writer}\'s {target.stream} to '
                                  f'{_shown(sent)}, so a link to /dev/{target.stream} would '
                                  f'write there too; remove that redirection first')


def _shown(where: str) -> str:
    return where if where.startswith('a ') else f'`{where}`'


def _message(image: ImageLogs, targets: list[LogTarget]) -> str:
    by_origin: dict[str, list[str]] = {}
    for t in targets:
        by_origin.setdefault(t.origin, []).append(f'`{t.path}`')
    parts = [f'{_join(paths)} ({origin})' for origin, paths in by_origin.items()]
    many = len(targets) > 1
    better = ''
    if any(not t.programs for t in targets):  # the entrypoint's own logging
        better = '; better still, log to a stream in the code (`logging.StreamHandler(sys.stdout)`)'
    undone = ''
    replaced = [image.replaced[t.path] for t in targets if t.path in image.replaced]
    if replaced:
        link, by = replaced[0]
        what = 'replaces' if by.name in ('COPY', 'ADD') else 'removes'
        made = f'made at {link.where}' if link.instruction is not None else f'of {link.where}'
        undone = f' (line {by.line} {what} the link {made})'
    return (f'{_join(parts)} {"are files" if many else "is a file"} inside the container'
            f'{undone}, where `docker logs` and log shippers never see '
            f'{"them" if many else "it"}: link access and ordinary logs to /dev/stdout, '
            f'error logs to /dev/stderr{better}')


def _join(items: list[str]) -> str:
    return ', '.join(items[:-1]) + f' and {items[-1]}' if len(items) > 1 else items[0]


def _unsafe_reasons(document: DockerfileDocument, image: ImageLogs,
                    targets: list[LogTarget]) -> list[str]:
    why = []
    if image.command_mentions(PRIVILEGE_DROPPERS):
        why.append('the command switches user after starting as root, and the new user may '
                   'not open the container\'s /dev/stdout')
    unstarted = sorted({t.writer for t in targets
                        if t.programs and not image.command_mentions(t.programs)})
    if unstarted:
        names = ', '.join(unstarted)
        why.append(f'the container\'s command does not visibly start {names}; a process '
                   f'started another way has its own stdout')
    daemons = sorted({t.writer for t in targets
                      if t.programs and image.command_backgrounds(t.programs)})
    if daemons:
        why.append(f'the command starts {", ".join(daemons)} as a daemon, whose stdout is not '
                   f'the container\'s')
    reader = image.installed(LOG_READERS)
    if reader is not None:
        why.append(f'line {reader.line} installs a program that reads or rotates log files, '
                   f'which the links break')
    elif image.copied_under(('/etc/logrotate.d/',)):
        why.append('a logrotate configuration is copied in; rotating a link breaks it')
    removed = [by for t in targets if t.path in image.replaced
               for by in (image.replaced[t.path][1],)
               if by.name == 'RUN' and _names(image, by, t.path)]
    if removed:
        why.append(f'line {removed[0].line} removes the link by name, perhaps on purpose')
    tails = [t.path for t in targets if _tailed(document, image, t.path)]
    if tails:
        why.append(f'`tail` reads {tails[0]}')
    return why


def _names(image: ImageLogs, ins: Instruction, path: str) -> bool:
    """Whether the RUN ``ins`` names ``path`` itself (not a folder or glob above it)."""
    return any(command.name in ('rm', 'unlink') and
               any(w.value and posixpath.normpath(w.value) == path for w in command.args)
               for command in image.commands_of(ins))


def _tailed(document: DockerfileDocument, image: ImageLogs, path: str) -> bool:
    words = ' '.join(document.resolution.argv)
    pattern = re.compile(rf'\btail\b[^\n;&|]*{re.escape(path)}')
    if pattern.search(words):
        return True
    return any(pattern.search(text) for _, text in image.shell_targets())
