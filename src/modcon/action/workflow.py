"""Talking to the Actions runner: outputs, the job summary, annotations.

Follows the runner's file commands and workflow commands: multi-line outputs
use a random delimiter that the value cannot contain, annotation data and
properties are escaped, and the per-step annotation limits (10 errors,
10 warnings, 10 notices are shown) are respected, with the rest summarised.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from collections.abc import Sequence

from modcon.errors import ModconError
from modcon.model import Finding
from modcon.model import Severity
from modcon.reporters.github import annotation
from modcon.source import lossy

ANNOTATIONS_PER_LEVEL = 10
SUMMARY_LIMIT = 1024 * 1024  # bytes per step summary


def write_outputs(path: str | None, values: Mapping[str, str]) -> None:
    if not path:
        return
    lines = []
    for name, value in values.items():
        delimiter = f'ghadelimiter_{uuid.uuid4()}'
        if delimiter in value or delimiter in name:
            raise ModconError(f'output {name} contains its own delimiter')
        lines.append(f'{name}<<{delimiter}\n{lossy(value)}\n{delimiter}\n')
    with open(path, 'a', encoding='utf-8') as f:
        f.write(''.join(lines))


def path_lines(paths: Sequence[str]) -> str:
    """Paths as a multi-line output value, one per line. A path that contains a
    line break or a control character, or starts with a double quote, is written
    as a JSON string (``"a\\nb/Dockerfile"``), as git quotes such paths, so
    every line is exactly one path."""
    import json

    return '\n'.join(json.dumps(path, ensure_ascii=False)
                     if path.startswith('"') or any(ord(c) < 32 or c == '\x7f' for c in path)
                     else path for path in paths)


def append_summary(path: str | None, markdown: str) -> None:
    if not path:
        return
    data = lossy(markdown).encode('utf-8')
    if len(data) > SUMMARY_LIMIT - 1024:
        note = '\n\n_The summary was cut short: GitHub shows at most 1 MiB per step._\n'
        data = data[:SUMMARY_LIMIT - 1024 - len(note)].rsplit(b'\n', 1)[0] + note.encode()
    with open(path, 'ab') as f:
        f.write(data)


def annotation_commands(findings: Sequence[Finding], docs_url: str,
                        per_level: int = ANNOTATIONS_PER_LEVEL) -> tuple[list[str], int]:
    """Workflow commands for the findings GitHub will show; and how many were left out.

    Errors first, then warnings, then notices, each in file order.
    """
    shown: list[str] = []
    left_out = 0
    for level in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        of_level = [f for f in findings if f.severity is level]
        shown.extend(annotation(f, docs_url) for f in of_level[:per_level])
        left_out += max(0, len(of_level) - per_level)
    return shown, left_out


def workspace_owner(workspace: str) -> tuple[int, int] | None:
    try:
        info = os.stat(workspace)
    except OSError:
        return None
    return info.st_uid, info.st_gid


def give_back(path: str, owner: tuple[int, int] | None) -> None:
    """Files the action writes into the workspace belong to the workspace's owner,
    so the runner (not root) can clean them up."""
    if owner is None or os.geteuid() != 0:
        return
    try:
        os.chown(path, *owner, follow_symlinks=False)  # never what a link points at
    except OSError:
        pass
