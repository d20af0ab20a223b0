"""modcon's Dockerfile reading agrees with BuildKit's, on a corpus and on random files.

BuildKit's own Go parser (PyPI ``dockerfile``) is the oracle: the same
instructions, on the same lines, with the same arguments and the same idea of
what is exec form. Every fix of a corpus file parses again under BuildKit, and
a second fix changes nothing.
"""
from __future__ import annotations

import pathlib

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.model import Applicability
from modcon.readers.dockerfile.syntax import DockerfileSyntaxError
from modcon.readers.dockerfile.syntax import parse
from modcon.source import SourceFile
from tests.oracle import GoParseError
from tests.oracle import buildkit_instructions

CORPUS = sorted((pathlib.Path(__file__).parent / 'corpus').glob('*.Dockerfile'))


def assert_same_reading(text: str) -> None:
    try:
        theirs = buildkit_instructions(text)
    except GoParseError as exc:
        if 'arrays must be comprised of strings' in str(exc):
            return  # modcon reads these on purpose, to report them (MC103)
        with pytest.raises(DockerfileSyntaxError):
            parse(text)
        return
    try:
        ours = parse(text).instructions
    except DockerfileSyntaxError as exc:
        # BuildKit's parser keeps unknown instructions; its next stage refuses them.
        assert exc.message.startswith('unknown instruction: ')
        unknown = exc.message.split(': ', 1)[1].upper()
        assert unknown in [i.cmd.upper() for i in theirs]
        return
    assert [(i.cmd.upper(), i.start_line, i.end_line) for i in theirs] == \
           [(i.name, i.line, i.end_line) for i in ours]
    for bk, mine in zip(theirs, ours):
        runs = mine.command
        if bk.sub_cmd:
            assert bk.sub_cmd.upper() == runs.name
        if runs.flags and runs.name in ('CMD', 'ENTRYPOINT'):
            # `CMD --x`: BuildKit's flags, which modcon also keeps as arguments (MC101).
            # (The binding reports no flags for ONBUILD's instruction.)
            assert bk.flags == (() if bk.sub_cmd else runs.flags)
            continue
        if runs.name in ('CMD', 'ENTRYPOINT', 'RUN') and runs.args.json_error != 'trailing-text':
            # (BuildKit's PyPI build predates the change that made text after `]` shell form.)
            assert bk.json == runs.is_exec_form, bk.original
            if runs.is_exec_form:
                assert bk.value == runs.args.json
            elif runs.args.text:
                assert bk.value == (runs.args.text,)
        assert [h.name for h in bk.heredocs] == [h.name for h in mine.heredocs]


# What fixes may add to a Dockerfile, and the rules that add them.
ADDABLE = {
    'ENV': 'MC130 PYTHONUNBUFFERED',
    'SHELL': 'MC121 pipefail',
    'RUN': 'MC131 log links',
    'EXPOSE': 'MC140 ports',
    'STOPSIGNAL': 'MC141, MC142 stop signals',
    'LABEL': 'MC144 OCI labels',
}


def assert_instructions_kept(old: tuple, new: tuple) -> None:
    """Fixes keep every instruction, in order; they only add ones from ADDABLE."""
    import difflib

    matcher = difflib.SequenceMatcher(a=[i.cmd.upper() for i in old],
                                      b=[i.cmd.upper() for i in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        assert op in ('equal', 'insert'), (op, [i.original for i in old[i1:i2]])
        if op == 'insert':
            added = [i.original for i in new[j1:j2] if i.cmd.upper() not in ADDABLE]
            assert not added, f'a fix added {added}'


@pytest.mark.parametrize('path', CORPUS, ids=lambda p: p.name)
def test_corpus_reads_like_buildkit(path: pathlib.Path) -> None:
    assert_same_reading(path.read_bytes().decode())


@pytest.mark.parametrize('path', CORPUS, ids=lambda p: p.name)
def test_corpus_fixes_reparse_and_settle(path: pathlib.Path) -> None:
    text = path.read_bytes().decode()
    source = SourceFile(path.name, text)
    check_source(source, 'dockerfile', Config())  # no crash
    fixed = fix_source(source, 'dockerfile', Config(), Applicability.UNSAFE)
    assert_instructions_kept(buildkit_instructions(text), buildkit_instructions(fixed.fixed))
    again = fix_source(SourceFile(path.name, fixed.fixed), 'dockerfile', Config(),
                       Applicability.UNSAFE)
    assert again.fixed == fixed.fixed
    assert_same_reading(fixed.fixed)


# -- random Dockerfiles built from tricky pieces -------------------------------

_WORDS = st.sampled_from([
    'python app.py', 'echo "a b"', "echo 'x'", 'a\\ b', '$HOME', 'x && y', 'x | y', '#notcomment',
    '["a", "b"]', "['a']", '["a",]', '[ -f x ]', 'exec app', 'C:\\path', '--flag=1', 'é ✓',
    '""', '\\\\', '"\\""', '`tick`', 'a;b', '>log',
])
_KEYWORDS = st.sampled_from(['CMD', 'cmd', 'ENTRYPOINT', 'RUN', 'HEALTHCHECK CMD', 'LABEL a=',
                             'ENV', 'ONBUILD CMD', 'ONBUILD RUN', 'COPY', 'WORKDIR', 'SHELL'])
_BREAK = st.sampled_from([' ', ' ', '  ', '\t', ' \\\n', '\\\n  ', ' \\\n# c\n ', ' \\\n\n '])


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    lines = ['FROM alpine:3.20']
    for _ in range(draw(st.integers(1, 6))):
        keyword = draw(_KEYWORDS)
        words = draw(st.lists(_WORDS, min_size=1, max_size=4))
        body = words[0]
        for word in words[1:]:
            body += draw(_BREAK) + word
        line = f'{keyword} {body}'
        if draw(st.booleans()):
            line = '# a comment\n' + line
        lines.append(line)
    newline = draw(st.sampled_from(['\n', '\r\n']))
    text = newline.join(lines) + draw(st.sampled_from(['', newline]))
    if draw(st.booleans()):
        text = text.replace('\\\n', '`\n').replace('\\\r\n', '`\r\n')
        text = '# escape=`' + newline + text
    return text


@settings(max_examples=300, deadline=None)
@given(dockerfiles())
def test_random_files_read_like_buildkit(text: str) -> None:
    assert_same_reading(text)


@settings(max_examples=150, deadline=None)
@given(dockerfiles())
def test_random_files_fix_cleanly(text: str) -> None:
    try:
        buildkit_instructions(text)
        parse(text)
    except (GoParseError, DockerfileSyntaxError):
        return
    source = SourceFile('Dockerfile', text)
    fixed = fix_source(source, 'dockerfile', Config(), Applicability.UNSAFE)
    assert_instructions_kept(buildkit_instructions(text), buildkit_instructions(fixed.fixed))
    again = fix_source(SourceFile('Dockerfile', fixed.fixed), 'dockerfile', Config(),
                       Applicability.UNSAFE)
    assert again.fixed == fixed.fixed
