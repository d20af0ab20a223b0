"""The self-check every exec-form rewrite passes before it is offered: the
edited lines must parse, under the file's escape character, to the intended
instruction, and end where the original ended."""
from __future__ import annotations

import pytest

from modcon.entrypoints.dockerfile_document import DockerfileDocument
from modcon.fixers.dockerfile._exec_form import Rewrite
from modcon.model import Edit
from modcon.source import SourceFile


def _rewrite(text: str) -> Rewrite:
    document = DockerfileDocument(SourceFile('Dockerfile', text))
    cmd = next(i for i in document.instructions if i.command.name == 'CMD')
    return Rewrite(document, cmd, cmd.command)


TEXT = 'FROM alpine:3.20\nCMD app --serve\nEXPOSE 80\n'


def test_the_intended_rewrite_passes() -> None:
    rewrite = _rewrite(TEXT)
    edit = Edit(rewrite.src_start, rewrite.src_end, '["app", "--serve"]')
    assert rewrite.reparses_as([edit], ('app', '--serve'))


@pytest.mark.parametrize('content', [
    '["app", "--serve"] \\',        # a continuation would swallow the next instruction
    '["app", "--serve"]\nEXPOSE 1',  # an instruction added
    "['app', '--serve']",            # not JSON: shell form again
    '["app"]',                       # another argv
])
def test_a_rewrite_that_reads_differently_is_refused(content: str) -> None:
    rewrite = _rewrite(TEXT)
    edit = Edit(rewrite.src_start, rewrite.src_end, content)
    assert not rewrite.reparses_as([edit], ('app', '--serve'))


def test_the_escape_directive_is_respected() -> None:
    # With `escape=\``, a trailing backslash is an ordinary character; a backtick continues.
    text = '# escape=`\nFROM alpine:3.20\nCMD app --serve\nEXPOSE 80\n'
    rewrite = _rewrite(text)
    plain = Edit(rewrite.src_start, rewrite.src_end, '["app", "C:\\\\"]')
    assert rewrite.reparses_as([plain], ('app', 'C:\\'))
    continued = Edit(rewrite.src_start, rewrite.src_end, '["app", "--serve"] `')
    assert not rewrite.reparses_as([continued], ('app', '--serve'))


def test_an_inserted_comment_line_above_is_allowed_but_not_an_instruction() -> None:
    rewrite = _rewrite(TEXT)
    line_start = TEXT.index('CMD')
    edit = Edit(rewrite.src_start, rewrite.src_end, '["app", "--serve"]')
    comment = Edit(line_start, line_start, '# serve\n')
    assert rewrite.reparses_as([comment, edit], ('app', '--serve'))
    instruction = Edit(line_start, line_start, 'USER app\n')
    assert not rewrite.reparses_as([instruction, edit], ('app', '--serve'))
