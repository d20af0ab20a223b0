"""Plan the one ``RUN`` that links log files to the container's streams.

The links go in a single new ``RUN``, written in the style of the official
nginx image::

    RUN mkdir -p /var/log/app \\
     && ln -sf /dev/stdout /var/log/nginx/access.log \\
     && ln -sf /dev/stderr /var/log/nginx/error.log

Where it goes:

* after the last instruction that makes a linked file's folder exist or
  tells where the file is (the package install, the COPY of a configuration
  or of the code), so the folder is there when ``ln`` runs; a folder that
  nothing in the image creates gets ``mkdir -p`` first;
* after the last instruction that would undo a link: a COPY that brings a
  file to the path (it replaces the link) or an ``rm`` of it or its folder;
* before a ``USER`` switch to a non-root user when one is in effect there:
  making links in root's folders needs root. If a folder is only created
  after that switch, no fix is offered;
* never after a ``VOLUME`` that holds the file: podman, buildah and Docker's
  legacy builder drop what a RUN writes in a volume (measured with podman),
  so no fix is offered then.

The text uses the file's escape character and line endings, and the case of
the keyword next to it (``run`` in a lower-case file). Paths are quoted for
the shell when they need it.
"""
from __future__ import annotations

import posixpath
import shlex

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._log_image import ImageLogs
from modcon.fixers.dockerfile._log_image import is_root
from modcon.fixers.dockerfile._log_targets import LogTarget
from modcon.model import Edit
from modcon.named_tuple import NamedTuple
from modcon.readers.dockerfile.stages import is_posix_shell
from modcon.readers.dockerfile.syntax import Instruction

_NO_SHELL_IMAGES = ('scratch', 'distroless', 'chainguard/static')


class LinkPlan(NamedTuple):
    edit: Edit | None  # None: no fix, ``reason`` says why
    start: int  # the range a finding covers: the instruction next to the new RUN
    end: int
    commands: tuple[str, ...]  # mkdir/ln commands, for the fix title
    reason: str = ''
    made_dirs: tuple[str, ...] = ()  # the folders its `mkdir -p` makes


def plan_links(document: DockerfileDocument, image: ImageLogs,
               targets: list[LogTarget]) -> LinkPlan:
    """Where the RUN goes and what it says; see the module doc."""
    sequence = image.sequence
    position = image.position
    mkdirs: list[str] = []
    hard = 0  # the last instruction a folder depends on
    soft = 0  # the last instruction that reveals a file
    for target in targets:
        soft = max(soft, position[id(target.anchor)])
        directory = posixpath.dirname(target.path)
        exists, creator = image.dir_creator(directory)
        clobbers = image.clobbers(target.path)
        if clobbers:  # a link before a COPY to the path or an `rm` of it would be undone
            last = clobbers[-1]
            hard = max(hard, position[id(last)])
            if last.name == 'RUN' and image.removes(last, directory):
                exists = False  # the folder itself is gone (`rm -rf /var/log/app`)
        if not exists:
            if directory not in mkdirs:
                mkdirs.append(directory)
        elif creator is not None and id(creator) in position:
            hard = max(hard, position[id(creator)])
    commands = tuple([f'mkdir -p {_quote(d)}' for d in mkdirs] +
                     [f'ln -sf /dev/{t.stream} {_quote(t.path)}' for t in targets])
    after = sequence[max(hard, soft)]
    start, end = after.start, after.end

    def no_fix(reason: str) -> LinkPlan:
        return LinkPlan(None, start, end, commands, reason, tuple(mkdirs))

    if any(marker in image.repository for marker in _NO_SHELL_IMAGES):
        return no_fix(f'the image is built on `{image.root_image}`, which has no shell '
                      f'to run `ln`')
    user_ins, user = image.user_at(after)
    before: Instruction | None = None
    if user_ins is not None and not is_root(user):
        if position[id(user_ins)] <= hard:
            return no_fix(f'a log folder is created after `USER {user}` (line '
                          f'{user_ins.line}), and links in it need root')
        before = user_ins
    runs_after = position[id(before)] - 1 if before is not None else position[id(after)]
    for target in targets:
        volume = image.volume_over(target.path, runs_after)
        if volume is not None:
            ins, folder = volume
            return no_fix(f'`VOLUME {folder}` (line {ins.line}) comes first, and podman, '
                          f'buildah and Docker\'s legacy builder drop what a later RUN '
                          f'writes in a volume, so the links would be lost (or `ln` would '
                          f'fail); make them before the VOLUME, or configure the program '
                          f'to log to a stream')
    stage = document.stages.stage_of(before or after)
    shell = document.stages.shell(stage, before=before or _next(sequence, after))
    if shell is not None and not is_posix_shell(shell):
        return no_fix('the stage\'s SHELL is not a POSIX shell')
    source = document.source
    text = source.text
    keyword_case_from = before or after
    keyword = 'run' if keyword_case_from.keyword.islower() else 'RUN'
    newline = source.newline_at(keyword_case_from.start)
    escape = document.syntax.escape
    block = _render(keyword, commands, escape, newline)
    if before is not None:
        # Before the USER and the comments that belong to it; the finding runs
        # from the instruction above the new RUN to the USER.
        first_line = min([before.line, *(c.line for c in before.comments)])
        at = source.offset(first_line)
        above = sequence[position[id(before)] - 1]
        return LinkPlan(Edit.insert(at, block + newline), above.start, before.end, commands,
                        made_dirs=tuple(mkdirs))
    at = after.end
    if text.startswith('\r\n', at):
        return LinkPlan(Edit.insert(at + 2, block + newline), start, end, commands,
                        made_dirs=tuple(mkdirs))
    if text.startswith('\n', at):
        return LinkPlan(Edit.insert(at + 1, block + newline), start, end, commands,
                        made_dirs=tuple(mkdirs))
    return LinkPlan(Edit.insert(at, newline + block), start, end, commands,
                    made_dirs=tuple(mkdirs))


def _next(sequence: list[Instruction], ins: Instruction) -> Instruction | None:
    for i, other in enumerate(sequence):
        if other is ins:
            return sequence[i + 1] if i + 1 < len(sequence) else None
    return None


def _render(keyword: str, commands: tuple[str, ...], escape: str, newline: str) -> str:
    lines = [f'{keyword} {commands[0]}']
    lines.extend(f' && {c}' for c in commands[1:])
    return f' {escape}{newline}'.join(lines)


def _quote(path: str) -> str:
    return shlex.quote(path)
