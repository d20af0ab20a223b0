"""The diffs of `modcon fix --diff`, the bot's patch and its suggestions.

A diff must apply: ``git apply`` is the judge, on files whose lines hold
characters that ``str.splitlines`` would take for line breaks. The alignment is
difflib's, anchored on large inputs so that the work stays linear; the
properties below hold on both paths.
"""
from __future__ import annotations

import os
import pathlib
import random
import re
import shutil
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from modcon import diffs
from modcon.github import suggestions
from modcon.github.prbody import _snippet
from modcon.source import encode
from tests.linecount import lines_executed

# Each is a line break to str.splitlines, and an ordinary character to git,
# patch, GitHub, BuildKit, the shell and Python.
NOT_LINE_BREAKS = ['\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029']


def apply(diff: str, before: str) -> str:
    """``diff`` applied to ``before`` as patch would, strictly: every context and
    removed line must match, and each hunk header must count its lines."""
    old = diffs.lines(before)
    out: list[str] = []
    at = 0
    rows = diff.split('\n')[:-1]
    assert rows[0].startswith('--- ') and rows[1].startswith('+++ '), diff
    index = 2
    while index < len(rows):
        header = re.fullmatch(r'@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@', rows[index])
        assert header, rows[index]
        start, length = int(header[1]), int(header[2] or 1)
        added_length = int(header[4] or 1)
        first = start - 1 if length else start
        out.extend(old[at:first])
        at = first
        index += 1
        seen_old = seen_new = 0
        while index < len(rows) and not rows[index].startswith('@@'):
            row = rows[index]
            index += 1
            no_newline = index < len(rows) and rows[index] == '\\ No newline at end of file'
            if no_newline:
                index += 1
            text = row[1:] + ('' if no_newline else '\n')
            if row[0] in ' -':
                assert old[at] == text, (old[at], text)
                at += 1
                seen_old += 1
            if row[0] in ' +':
                out.append(text)
                seen_new += 1
            assert row[0] in ' -+', row
        assert (seen_old, seen_new) == (length, added_length), rows
    return ''.join(out + old[at:])


@pytest.mark.parametrize('character', NOT_LINE_BREAKS, ids=lambda c: f'U+{ord(c):04X}')
def test_a_character_that_splitlines_breaks_at_stays_inside_its_line(character: str) -> None:
    before = f'FROM python:3.12\n# one{character}comment\nCMD python app.py\n'
    after = f'FROM python:3.12\n# one{character}comment\nCMD ["python", "app.py"]\n'
    diff = diffs.unified_diff('Dockerfile', before, after)
    assert '@@ -1,3 +1,3 @@' in diff
    assert f' # one{character}comment\n' in diff
    assert apply(diff, before) == after


@pytest.mark.skipif(shutil.which('git') is None, reason='git is not installed')
def test_git_applies_the_diff_of_a_file_full_of_such_characters(tmp_path) -> None:  # type: ignore[no-untyped-def]
    weird = ''.join(NOT_LINE_BREAKS)
    before = f'FROM python:3.12\n# {weird} top\nRUN echo "a{weird}b"\r\nCMD python app.py\n# end{weird}'
    after = before.replace('CMD python app.py', 'CMD ["python", "app.py"]').replace(
        'FROM python:3.12\n', 'FROM python:3.12\nENV PYTHONUNBUFFERED=1\n')
    (tmp_path / 'Dockerfile').write_bytes(before.encode())
    (tmp_path / 'fix.diff').write_bytes(diffs.unified_diff('Dockerfile', before, after).encode())
    subprocess.run(['git', 'init', '-q'], cwd=tmp_path, check=True)
    subprocess.run(['git', 'apply', 'fix.diff'], cwd=tmp_path, check=True)
    assert (tmp_path / 'Dockerfile').read_bytes() == after.encode()


def test_suggestions_count_lines_as_github_does() -> None:
    before = 'FROM python:3.12\n# a\x0cb\nCMD python app.py\n'
    after = 'FROM python:3.12\n# a\x0cb\nCMD ["python", "app.py"]\n'
    patch = diffs.unified_diff('Dockerfile', before, after)
    split = suggestions.suggest('Dockerfile', before, after, patch)
    assert not split.patched
    [comment] = split.comments
    assert comment['line'] == 3
    assert 'CMD ["python", "app.py"]' in comment['body']


def test_the_hunks_of_githubs_patch_count_lines_as_git_does() -> None:
    patch = '@@ -1,3 +1,3 @@\n FROM x\n # a\x0cb\n-CMD run\n+CMD ["run"]'  # GitHub's: no last newline
    [hunk] = suggestions.hunks(patch)
    assert (hunk.start, hunk.end, hunk.lines) == (1, 3, frozenset({1, 2, 3}))


def test_the_pull_request_excerpt_keeps_removed_lines_that_start_with_dashes() -> None:
    before = 'FROM x\n-- a line of a heredoc\n++ another\nCMD run\n'
    after = 'FROM x\nCMD ["run"]\n'
    assert _snippet(before, after).split('\n') == [
        '--- a line of a heredoc', '-++ another', '-CMD run', '+CMD ["run"]']


LINES = st.sampled_from(['FROM a\n', 'CMD b\n', 'RUN c\n', '\n', '# d\x0ce\n', 'RUN f\r\n', 'x'])


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=40), st.lists(LINES, max_size=40),
       st.sampled_from([1_000_000, 0, 6]))
def test_every_diff_turns_before_into_after(old, new, limit) -> None:  # type: ignore[no-untyped-def]
    """On difflib's path (a large limit) and on the anchored one (a limit of 0
    or 6 sends every stretch through the anchors or shows it replaced whole)."""
    before, after = ''.join(old), ''.join(new)
    saved = diffs._COMPARED_AT_MOST
    diffs._COMPARED_AT_MOST = limit
    try:
        diff = diffs.unified_diff('f', before, after)
        blocks = diffs.matching_blocks(diffs.lines(before), diffs.lines(after))
    finally:
        diffs._COMPARED_AT_MOST = saved
    assert (diff == '') == (before == after)
    if diff:
        assert apply(diff, before) == after
    a, b = diffs.lines(before), diffs.lines(after)
    assert blocks[-1] == (len(a), len(b), 0)
    for (i, j, size), (next_i, next_j, _) in zip(blocks, blocks[1:]):
        assert size > 0 and a[i:i + size] == b[j:j + size]
        assert i + size <= next_i and j + size <= next_j
        assert (i + size, j + size) != (next_i, next_j) or blocks[-1] == (next_i, next_j, 0)


def test_a_small_diff_is_difflibs() -> None:
    import difflib

    rng = random.Random(7)
    old = [f'RUN step {rng.randrange(60)}\n' for _ in range(300)]
    new = [line for line in old if rng.random() > 0.1]
    for _ in range(30):
        new.insert(rng.randrange(len(new)), f'RUN new {rng.randrange(60)}\n')
    expected = ''.join(difflib.unified_diff(old, new, 'a/f', 'b/f'))
    assert diffs.unified_diff('f', ''.join(old), ''.join(new)) == expected


def test_the_work_grows_linearly_with_the_number_of_changed_places() -> None:
    """difflib alone looked at every line again for each changed place: 8,000
    fixed stages took 35 s."""

    def work(stages: int) -> int:
        before = ''.join(f'FROM alpine AS s{i}\nCMD run{i} --flag\n' for i in range(stages))
        after = ''.join(f'FROM alpine AS s{i}\nCMD ["run{i}", "--flag"]\n' for i in range(stages))
        diff, count = lines_executed(lambda: diffs.unified_diff('f', before, after), where=None)
        assert diff.count('\n+CMD') == stages
        return count

    small, large = work(1_000), work(4_000)
    assert large < 5 * small, (small, large)


def test_past_its_budget_the_diff_shows_the_rest_replaced_whole(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Anchoring re-reads a stretch for each level of anchors; lines out of order
    could make that quadratic, so the lines it may look at are counted. Without
    any budget left, a large stretch is one hunk: still a diff that applies."""
    before = ''.join(f'FROM alpine AS s{i}\nCMD run{i}\n' for i in range(300))
    after = before.replace('CMD run1\n', 'CMD ["run1"]\n').replace('CMD run299\n', 'CMD ["run299"]\n')
    monkeypatch.setattr(diffs, '_COMPARED_AT_MOST', 0)
    assert diffs.unified_diff('f', before, after).count('\n@@') == 2
    monkeypatch.setattr(diffs, '_LOOKS_PER_LINE', 0)
    diff = diffs.unified_diff('f', before, after)
    assert diff.count('@@ -') == 1 and apply(diff, before) == after


# -- file names in the headers: quoted as git quotes them ---------------------------

needs_git = pytest.mark.skipif(shutil.which('git') is None, reason='git is not installed')
NOT_UTF8 = b'Dockerfile.\xff'.decode('utf-8', 'surrogateescape')  # as modcon holds the name
# name -> the file a raw name in the headers would make `git apply` patch (or None)
ODD_NAMES = {
    'Dockerfile.tab\tx': 'Dockerfile.tab',
    'sub\tdir/Dockerfile': 'sub/Dockerfile',
    'Dockerfile.nl\nx': 'Dockerfile.nl',
    'Dockerfile.q"x': None,
    'Dockerfile.back\\x': None,
    'Dockerfile.sp x': 'Dockerfile.sp',
    'Dockerfile.é': None,
    NOT_UTF8: None,
    'Dockerfile': None,
}
BEFORE = 'FROM alpine:3\nCMD python app.py\n'
# git's defaults, whatever the user's configuration says
GIT_SETTINGS = ['user.email=a@b', 'user.name=a', 'core.quotePath=true', 'diff.noprefix=false',
                'diff.mnemonicPrefix=false']


def git(*args: str, cwd: pathlib.Path, stdin: bytes | None = None) -> bytes:
    configured = [arg for setting in GIT_SETTINGS for arg in ('-c', setting)]
    return subprocess.run(['git', *configured, *args], cwd=cwd, input=stdin,
                          capture_output=True, check=True).stdout


def tree(root: pathlib.Path) -> dict[bytes, bytes]:
    """Every file under ``root`` but git's own, by its path's bytes."""
    found = {}
    for folder, subfolders, files in os.walk(os.fsencode(root)):
        subfolders[:] = [s for s in subfolders if s != b'.git']
        for name in files:
            path = os.path.join(folder, name)
            with open(path, 'rb') as f:
                found[os.path.relpath(path, os.fsencode(root))] = f.read()
    return found


def repo_with(root: pathlib.Path, names: list[str]) -> pathlib.Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(BEFORE.encode())
    git('init', '-q', cwd=root)
    git('add', '-A', cwd=root)
    git('commit', '-qm', 'before', cwd=root)
    return root


def run_modcon(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != 'MODCON_DEBUG'}
    return subprocess.run([sys.executable, '-m', 'modcon', *args], cwd=cwd, env=env,
                          capture_output=True, timeout=60, check=False)


@needs_git
@pytest.mark.parametrize('name', ODD_NAMES, ids=ascii)
def test_git_applies_fix_diff_to_exactly_the_file_fix_writes(
        tmp_path: pathlib.Path, name: str) -> None:
    """A raw tab ended the name for `git apply` (it patched `Dockerfile.tab`); a raw
    newline made it reject the patch ("patch fragment without header")."""
    decoy = ODD_NAMES[name]
    names = [name, *([decoy] if decoy else [])]
    patched = repo_with(tmp_path / 'patched', names)
    fixed = repo_with(tmp_path / 'fixed', names)
    diff = run_modcon('fix', '--diff', name, cwd=patched)
    assert diff.returncode == 1 and b'Traceback' not in diff.stderr, diff.stderr
    git('apply', '-', cwd=patched, stdin=diff.stdout)
    written = run_modcon('fix', name, cwd=fixed)
    assert written.returncode == 0 and b'Traceback' not in written.stderr, written.stderr
    assert tree(patched) == tree(fixed)
    assert (patched / name).read_bytes() != BEFORE.encode()
    if decoy:
        assert (patched / decoy).read_bytes() == BEFORE.encode()
    if name == 'Dockerfile':
        assert diff.stdout.startswith(b'--- a/Dockerfile\n+++ b/Dockerfile\n@@ ')  # plain stays plain


HEADER_NAMES = ['Dockerfile', 'sq\'x', '$x', 's x', 't\tx', 's p\tx', 'n\nx', 'q"x', 'b\\x',
                'é', NOT_UTF8, 'c\x01\x1b\x7f\a\b\v\f\rx', 'd\tir/f', 'new\tfile', 'new file']


@needs_git
def test_headers_are_quoted_exactly_as_git_diff_writes_them(tmp_path: pathlib.Path) -> None:
    """git's quote.c with `core.quotePath` at its default; a tab after a name with a space."""
    old = [n for n in HEADER_NAMES if not n.startswith('new')]
    repo = repo_with(tmp_path, old)
    after = BEFORE.replace('CMD python app.py', 'CMD ["python", "app.py"]')
    files = {n: ('' if n.startswith('new') else BEFORE, after) for n in HEADER_NAMES}
    for name in HEADER_NAMES:
        (repo / name).write_bytes(after.encode())
    git('add', '-A', cwd=repo)
    for name in HEADER_NAMES:
        written = git('diff', 'HEAD', '--', f':(literal){name}', cwd=repo)
        without_index = b''.join(line for line in written.splitlines(keepends=True)
                                 if not line.startswith(b'index '))
        ours = encode(suggestions.unified_patch({name: files[name]}))
        assert ours == without_index, name
        assert ours.split(b'\n', 1)[1].removeprefix(b'new file mode 100644\n') == \
            encode(diffs.unified_diff(name, *files[name]))

    for name in HEADER_NAMES:  # and git applies our patch of them all
        if name.startswith('new'):
            (repo / name).unlink()
        else:
            (repo / name).write_bytes(BEFORE.encode())
    git('apply', '-', cwd=repo, stdin=encode(suggestions.unified_patch(files)))
    assert all((repo / name).read_bytes() == after.encode() for name in HEADER_NAMES)


@pytest.mark.parametrize(('name', 'quoted'), [
    pytest.param('a/Dockerfile', 'a/Dockerfile', id='plain'),
    pytest.param('a/s x', 'a/s x', id='space'),
    pytest.param('a/t\tx', '"a/t\\tx"', id='tab'),
    pytest.param('a/q"b\\', '"a/q\\"b\\\\"', id='quote-backslash'),
    pytest.param('a/é', '"a/\\303\\251"', id='utf-8'),
    pytest.param(f'a/{NOT_UTF8}', '"a/Dockerfile.\\377"', id='not-utf-8'),
    pytest.param('a/\x00\x1f\x7f', '"a/\\000\\037\\177"', id='octal'),
])
def test_git_quoted(name: str, quoted: str) -> None:
    assert diffs.git_quoted(name) == quoted
