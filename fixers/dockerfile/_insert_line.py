"""Insert a whole instruction line next to another one, in the file's own style.

Comment lines directly above an instruction belong to it: BuildKit's
``# check=skip=...`` and the ``# hadolint ignore=...`` / ``# modcon:
ignore=...`` pragmas apply to the instruction that follows them. A new line
must never come between such comments and their instruction, or the pragma
would silently move to the new line. So ``insert_beside`` puts the new line
above the instruction when no comment sits there, and below it otherwise.
The new line takes the instruction's indentation and line ending.
"""
from __future__ import annotations

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.model import Edit
from modcon.readers.dockerfile.syntax import Instruction

_PRAGMA_PREFIXES = ('modcon:', 'hadolint', 'tally', 'check=', 'check =', 'checkov', 'trivy')


def _line_start(text: str, offset: int) -> int:
    return text.rfind('\n', 0, offset) + 1


def insert_before(document: DockerfileDocument, ins: Instruction, line: str) -> Edit:
    """``line`` as a new line right above ``ins`` (below its comment lines, if any)."""
    text = document.source.text
    start = _line_start(text, ins.start)
    indent = text[start:ins.start]
    return Edit.insert(start, f'{indent}{line}{document.source.newline_at(ins.start)}')


def insert_after(document: DockerfileDocument, ins: Instruction, line: str) -> Edit:
    """``line`` as a new line right below ``ins`` (after its last line).

    An instruction that ends the file with a line continuation would swallow
    a line below it, so there the new line goes above it (above its comments
    when they hold a pragma, which must stay with it).
    """
    text = document.source.text
    if text[ins.start:ins.end].rstrip().endswith(document.syntax.escape):
        if not has_pragma(ins):
            return insert_before(document, ins, line)
        above = ins.comments[0].start
        start = _line_start(text, above)
        return Edit.insert(start, f'{text[start:above]}{line}{document.source.newline_at(above)}')
    start = _line_start(text, ins.start)
    indent = text[start:ins.start]
    return Edit.insert(ins.end, f'{document.source.newline_at(ins.start)}{indent}{line}')


def insert_beside(document: DockerfileDocument, ins: Instruction, line: str) -> Edit:
    """Above ``ins`` when nothing is written above it, else below it."""
    if ins.comments:
        return insert_after(document, ins, line)
    return insert_before(document, ins, line)


def has_pragma(ins: Instruction) -> bool:
    """Whether a comment line above ``ins`` looks like a linter pragma."""
    return any(c.text.lower().startswith(_PRAGMA_PREFIXES) for c in ins.comments)
