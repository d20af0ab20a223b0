"""Files that are not UTF-8: read, reported and fixed as Docker and the shell read them.

BuildKit and ``/bin/sh`` take a file's bytes as they are, so a Latin-1 comment,
``LABEL`` or ``echo`` builds and runs. modcon checks such a file instead of
refusing it, writes every byte outside its edits back as it was, and never puts
such a byte where Docker would change it (exec form is JSON, read as UTF-8).
Python refuses a file that is not UTF-8, and so does modcon, in one line. The
Action and `/modcon fix` commit such a file through the API with every byte kept.
Output stays valid UTF-8 even where stdout is strict about it.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import jsonschema
import pytest

from modcon.action.workspace import Workspace
from modcon.printable import printable
from modcon.source import decode
from modcon.source import encode
from modcon.source import lossy
from modcon.source import undecodable
from tests.fakegithub import FakeGitHub

SCHEMA = pathlib.Path(__file__).resolve().parent / 'data' / 'sarif-schema-2.1.0.json'

DOCKERFILE = (b'FROM node:20-slim\n'
              b'# Gr\xf6\xdfe aus M\xfcnchen\n'
              b'LABEL maintainer="J\xfcrgen"\n'
              b'COPY entry.sh server.js /\n'
              b'CMD /entry.sh node /server.js\n')
ENTRY = b'#!/bin/sh\n# Startskript f\xfcr den Server\necho "Gr\xfc\xdf Gott"\n"$@"\n'


def modcon(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[bytes]:
    """modcon with a stdout that refuses what is not UTF-8, as on many desktops."""
    env = {k: v for k, v in os.environ.items() if k != 'MODCON_DEBUG'}
    env['PYTHONIOENCODING'] = 'utf-8:strict'
    return subprocess.run([sys.executable, '-m', 'modcon', *args], cwd=cwd,
                          capture_output=True, env=env, timeout=60)


@pytest.fixture
def repo(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / 'Dockerfile').write_bytes(DOCKERFILE)
    (tmp_path / 'entry.sh').write_bytes(ENTRY)
    (tmp_path / 'entry.sh').chmod(0o755)
    (tmp_path / 'server.js').write_text('process.on("SIGTERM", () => process.exit(0));\n'
                                        'setInterval(() => {}, 1000);\n')
    return tmp_path


def test_the_codec_gives_back_every_byte() -> None:
    data = bytes(range(1, 256)) + 'Grüß'.encode() + b'\xed\xa0\x80\xc3'
    assert encode(decode(data)) == data
    assert undecodable(decode(b'caf\xc3\xa9 ok')) is None
    assert undecodable(decode('Grüß '.encode() + b'\xfc!')) == len('Grüß '.encode())


def test_exec_form_reads_such_a_byte_as_go_does() -> None:
    """BuildKit decodes exec form with Go's encoding/json: U+FFFD for a byte that is not
    UTF-8 and for an unpaired surrogate escape; a pair is one character."""
    from modcon.readers.dockerfile.syntax import parse_json_array

    assert parse_json_array(decode(b'["a", "Gr\xfc\xdf"]')) == (('a', 'Gr\ufffd\ufffd'), None)
    assert parse_json_array('["x\\udc80", "\\ud83d\\ude00"]') == (('x\ufffd', '\U0001f600'), None)


def test_printed_as_the_byte_it_was_and_sent_to_programs_as_u_fffd() -> None:
    assert printable(decode(b'J\xfcrgen')) == 'J\\xfcrgen'
    assert lossy(decode(b'J\xfcrgen')) == 'J\ufffdrgen'
    assert lossy('plain, ü') == 'plain, ü'


def test_a_latin1_dockerfile_is_checked_not_refused(repo: pathlib.Path) -> None:
    done = modcon('check', '.', cwd=repo)
    out, err = done.stdout.decode('utf-8'), done.stderr.decode('utf-8')  # valid UTF-8
    assert done.returncode == 1, err
    assert 'Traceback' not in err and 'error' not in err
    assert 'Dockerfile:5:1: warning MC101' in out
    assert 'entry.sh:4:1: warning MC301' in out
    assert 'Checked 3 files' in out


def test_fix_keeps_every_other_byte_and_git_applies_the_diff(repo: pathlib.Path) -> None:
    subprocess.run(['git', 'init', '-q', '.'], cwd=repo, check=True)
    subprocess.run(['git', 'add', '-A'], cwd=repo, check=True)
    diff = modcon('fix', '--diff', '.', cwd=repo)
    assert diff.returncode == 1 and b'Traceback' not in diff.stderr
    assert b'\n LABEL maintainer="J\xfcrgen"\n' in diff.stdout  # context: the file's own bytes
    assert (repo / 'Dockerfile').read_bytes() == DOCKERFILE  # --diff writes nothing
    subprocess.run(['git', 'apply', '-'], cwd=repo, input=diff.stdout, check=True)
    applied = (repo / 'Dockerfile').read_bytes()
    subprocess.run(['git', 'checkout', '-q', '.'], cwd=repo, check=True)

    fixed = modcon('fix', '.', cwd=repo)
    assert fixed.returncode in (0, 1) and b'Traceback' not in fixed.stderr
    written = (repo / 'Dockerfile').read_bytes()
    assert written == applied
    assert written == DOCKERFILE.replace(b'CMD /entry.sh node /server.js\n',
                                         b'CMD ["/entry.sh", "node", "/server.js"]\n')
    assert (repo / 'entry.sh').read_bytes() == ENTRY.replace(b'\n"$@"\n', b'\nexec "$@"\n')
    again = modcon('fix', '--diff', '.', cwd=repo)
    assert again.stdout == b''  # nothing more to change


def test_the_fixed_script_still_says_its_bytes(repo: pathlib.Path) -> None:
    """The shell runs the fixed script as it ran the original: the same bytes out."""
    modcon('fix', '.', cwd=repo)
    for script in (ENTRY, (repo / 'entry.sh').read_bytes()):
        (repo / 'run.sh').write_bytes(script)
        done = subprocess.run(['/bin/sh', str(repo / 'run.sh'), 'printf', 'x\\n'],
                              capture_output=True, check=True)
        assert done.stdout == b'Gr\xfc\xdf Gott\nx\n'


def test_a_command_holding_such_a_byte_is_reported_without_a_fix(tmp_path: pathlib.Path) -> None:
    """Exec form is JSON, which BuildKit reads as UTF-8: `\\xfc` would reach the program as
    U+FFFD. The command keeps its shell form and the finding says why."""
    original = b'FROM python:3.12\nENV PYTHONUNBUFFERED=1\nCMD python3 /app.py "Gr\xfc\xdf"\n'
    (tmp_path / 'Dockerfile').write_bytes(original)
    done = modcon('fix', '.', cwd=tmp_path)
    assert done.returncode == 1
    assert (tmp_path / 'Dockerfile').read_bytes() == original
    assert 'exec form cannot carry' in done.stdout.decode('utf-8')


def test_python_that_is_not_utf8_is_one_line_and_left_alone(tmp_path: pathlib.Path) -> None:
    """Without a coding line, Python refuses such a file (SyntaxError), and so does modcon."""
    code = b'# Gr\xf6\xdfe\nimport time\ntime.sleep(60)\n'
    (tmp_path / 'app.py').write_bytes(code)
    (tmp_path / 'Dockerfile').write_bytes(b'FROM python:3.12\nCOPY app.py /app.py\n'
                                          b'CMD ["python", "/app.py"]\n')
    assert subprocess.run([sys.executable, str(tmp_path / 'app.py')],
                          capture_output=True).returncode == 1  # Python's own verdict
    done = modcon('fix', '.', cwd=tmp_path)
    err = done.stderr.decode('utf-8')
    assert done.returncode == 2 and 'Traceback' not in err
    assert 'modcon: error: app.py: is not UTF-8 text (invalid byte at offset 4)' in err
    assert 'it is not UTF-8 text (invalid byte at offset 4)' in done.stdout.decode('utf-8')
    assert (tmp_path / 'app.py').read_bytes() == code


LATIN1_PYTHON = (b'# -*- coding: latin-1 -*-\n# Gr\xf6\xdfe aus M\xfcnchen\nimport pathlib\n'
                 b'import time\n\n'
                 b'def main():\n'
                 b'    try:\n'
                 b'        pathlib.Path("ready").write_bytes("Gr\xfc\xdf".encode("latin-1"))\n'
                 b'        while True:\n'
                 b'            time.sleep(86400)\n'
                 b'    finally:\n'
                 b'        pathlib.Path("stopped").write_text("finally")\n\n'
                 b'if __name__ == "__main__":\n'
                 b'    main()\n')


def test_python_with_a_coding_line_is_read_and_fixed_byte_for_byte(tmp_path: pathlib.Path) -> None:
    """PEP 263: Python reads such a file by the encoding its coding line names, so it runs;
    modcon reads it the same way (a one-byte encoding), fixes it, and writes every byte
    it did not edit as it was."""
    (tmp_path / 'app.py').write_bytes(LATIN1_PYTHON)
    (tmp_path / 'Dockerfile').write_bytes(b'FROM python:3.12\nENV PYTHONUNBUFFERED=1\n'
                                          b'COPY app.py /app.py\nCMD ["python", "/app.py"]\n')
    done = modcon('fix', '.', cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    fixed = (tmp_path / 'app.py').read_bytes()
    assert b'import signal\n' in fixed and b'raise SystemExit(0)' in fixed
    added = iter(fixed.splitlines(keepends=True))
    assert all(line in added for line in LATIN1_PYTHON.splitlines(keepends=True)), \
        'every original line, its bytes unchanged, in order'
    assert modcon('fix', '--diff', '.', cwd=tmp_path).stdout == b''  # nothing more to do


@pytest.mark.skipif(shutil.which('unshare') is None, reason='needs unshare')
def test_python_with_a_coding_line_stops_on_sigterm_after_the_fix(tmp_path: pathlib.Path) -> None:
    """Judged by running it: as PID 1 the original ignores SIGTERM; the fixed file still
    says its Latin-1 string and runs its `finally` on SIGTERM."""
    from modcon.containers.pid1 import stop_like_docker

    (tmp_path / 'app.py').write_bytes(LATIN1_PYTHON)
    (tmp_path / 'Dockerfile').write_bytes(b'FROM python:3.12\nENV PYTHONUNBUFFERED=1\n'
                                          b'COPY app.py /app.py\nCMD ["python", "/app.py"]\n')

    def stop() -> object:
        for marker in ('ready', 'stopped'):
            (tmp_path / marker).unlink(missing_ok=True)
        return stop_like_docker([sys.executable, 'app.py'], cwd=str(tmp_path), grace=1.5,
                                ready=lambda _output: (tmp_path / 'ready').exists())

    before = stop()
    assert before.verified and before.killed, before.describe()
    modcon('fix', '.', cwd=tmp_path)
    after = stop()
    assert after.verified and after.exited_in_grace and after.exit_code == 0, after.describe()
    assert (tmp_path / 'stopped').read_text() == 'finally'
    assert (tmp_path / 'ready').read_bytes() == b'Gr\xfc\xdf'


def test_a_coding_line_modcon_does_not_read_is_one_line(tmp_path: pathlib.Path) -> None:
    """Shift JIS: a second byte can be `\\`, so the bytes cannot be read one for one."""
    code = b'# -*- coding: shift_jis -*-\nNAME = "\x83\\"\nimport time\ntime.sleep(60)\n'
    (tmp_path / 'app.py').write_bytes(code)
    (tmp_path / 'Dockerfile').write_bytes(b'FROM python:3.12\nCOPY app.py /app.py\n'
                                          b'CMD ["python", "/app.py"]\n')
    done = modcon('fix', '.', cwd=tmp_path)
    err = done.stderr.decode('utf-8')
    assert done.returncode == 2 and 'Traceback' not in err
    assert "its coding line names, 'shift_jis'" in err
    assert (tmp_path / 'app.py').read_bytes() == code


@pytest.mark.parametrize('fmt', ['text', 'json', 'sarif', 'github', 'gitlab', 'checkstyle',
                                 'junit'])
def test_every_format_is_utf8_whatever_the_names_and_texts_hold(tmp_path: pathlib.Path,
                                                                fmt: str) -> None:
    name = b'Dockerfile.caf\xe9'
    (tmp_path / os.fsdecode(name)).write_bytes(b'FROM alpine:3.20\n# \xe9\nCMD app --serve\n')
    done = modcon('check', '--format', fmt, '.', cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    out = done.stdout.decode('utf-8')  # strict: raises on any byte that is not UTF-8
    assert fmt == 'sarif' or '\ufffd' in out or '\\xe9' in out
    if fmt == 'sarif':
        log = json.loads(out)
        jsonschema.validate(log, json.loads(SCHEMA.read_text()))
        uris = {r['locations'][0]['physicalLocation']['artifactLocation']['uri']
                for r in log['runs'][0]['results']}
        assert uris == {'Dockerfile.caf%E9'}  # names the file's bytes
    elif fmt in ('json', 'gitlab'):
        json.loads(out)


# -- the Action and the comment commands: through the API -----------------------

FIXED_DOCKERFILE = DOCKERFILE.replace(b'CMD /entry.sh node /server.js\n',
                                      b'CMD ["/entry.sh", "node", "/server.js"]\n')
FIXED_ENTRY = ENTRY.replace(b'\n"$@"\n', b'\nexec "$@"\n')
LATIN1_FILES = {'Dockerfile': DOCKERFILE, 'entry.sh': (ENTRY, '100755'),
                'server.js': 'process.on("SIGTERM", () => process.exit(0));\n'
                             'setInterval(() => {}, 1000);\n'}


def _sent_only_utf8(fake: FakeGitHub) -> None:
    """Every request body modcon sent is JSON that GitHub can store: no lone surrogate,
    which Python's JSON encoder would write as ``\\udcfc``."""
    for request in fake.write_requests():
        text = json.dumps(request.body)
        assert '\\udc' not in text.lower(), f'{request.method} {request.path} sent a lone surrogate'


def test_the_bots_pull_request_keeps_every_byte(fake_github: FakeGitHub,
                                                tmp_path: pathlib.Path) -> None:
    """`mode: pr` commits through the API: a file with a byte that is not UTF-8 goes up
    as a base64 blob, so the fix lands with every other byte as it was, and a second
    run finds the branch up to date."""
    from tests.test_bot import BRANCH
    from tests.test_bot import run_bot

    repo = fake_github.create_repo('octo/app', LATIN1_FILES)
    result = run_bot(fake_github, repo, tmp_path, 'first', sarif_file='modcon.sarif')
    assert result.code == 0, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr and 'not UTF-8' not in result.stdout + result.stderr
    assert repo.read_bytes('Dockerfile', BRANCH) == FIXED_DOCKERFILE
    assert repo.read_bytes('entry.sh', BRANCH) == FIXED_ENTRY
    assert repo.read_bytes('Dockerfile', 'main') == DOCKERFILE
    [pull] = fake_github.pulls('octo/app')
    assert '`Dockerfile` line 5 | MC101' in pull['body']
    _sent_only_utf8(fake_github)
    json.loads((tmp_path / 'first' / 'workspace' / 'modcon.sarif').read_bytes().decode('utf-8'))

    commits = len(repo.commits(BRANCH))
    fake_github.reset_log()
    again = run_bot(fake_github, repo, tmp_path, 'again')
    assert again.code == 0, again.stdout + again.stderr
    assert len(repo.commits(BRANCH)) == commits
    assert [r for r in fake_github.write_requests() if '/git/' in r.path] == []


def test_fix_on_a_pull_request_pushes_every_byte(fake_github: FakeGitHub,
                                                 tmp_path: pathlib.Path) -> None:
    """`/modcon fix` reads the pull request through the API and pushes the fix: the
    Latin-1 bytes around it stay as they were."""
    from tests.test_commands import command
    from tests.test_commands import setup

    repo, number = setup(fake_github, branch_files=LATIN1_FILES)
    result, _ = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    assert repo.read_bytes('Dockerfile', 'feature') == FIXED_DOCKERFILE
    assert repo.read_bytes('entry.sh', 'feature') == FIXED_ENTRY
    _sent_only_utf8(fake_github)


def test_a_fork_gets_no_suggestion_that_would_change_such_a_byte(fake_github: FakeGitHub,
                                                                 tmp_path: pathlib.Path) -> None:
    """A suggestion is text, replacing whole lines: a line holding such a byte would
    come back with U+FFFD in its place. That change comes as a patch instead, whose
    context `git apply` checks."""
    from tests.test_commands import REPO
    from tests.test_commands import command
    from tests.test_commands import replies

    repo = fake_github.create_repo(REPO, {'README.md': 'hi\n'})
    fake_github.add_user('maintainer')
    fake_github.set_permission(REPO, 'maintainer', 'maintain')
    fork = fake_github.create_fork(REPO, 'mallory/app')
    fork.create_branch('patch-1')
    fork.commit('patch-1', {'Dockerfile': b'FROM debian:12-slim\n'
                                          b'RUN apt-get update && apt-get install -y curl '
                                          b'&& echo "Gr\xfc\xdf"\n'
                                          b'CMD ["curl", "--version"]\n'},
                'Add it', author_name='Mallory', author_email='m@example.com')
    number = fake_github.open_pull(REPO, 'mallory:patch-1', 'main', title='Add it')
    result, _ = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    assert all('\ufffd' not in c['body'] for r in fake_github.reviews(REPO, number)
               for c in r['comments'])
    assert 'git apply modcon.patch' in replies(fake_github, number)[0]
    _sent_only_utf8(fake_github)


def test_the_action_reads_such_a_file_as_the_command_line_does(tmp_path: pathlib.Path) -> None:
    (tmp_path / 'Dockerfile').write_bytes(DOCKERFILE)
    assert encode(Workspace(str(tmp_path)).read('Dockerfile').text) == DOCKERFILE


@pytest.mark.skipif(shutil.which('unshare') is None, reason='needs unshare')
def test_verify_runs_such_files_before_and_after_the_fix(tmp_path: pathlib.Path) -> None:
    """`modcon verify` lays the files out as they are (it wrote them as UTF-8 and died on
    the first such byte); the script runs Python, which stops only after the fix."""
    (tmp_path / 'Dockerfile').write_bytes(
        b'FROM python:3.12-slim\n# Gr\xf6\xdfe\nENV PYTHONUNBUFFERED=1\nCOPY entry.sh /entry.sh\n'
        b'ENTRYPOINT ["/entry.sh"]\nCMD ["python", "-m", "http.server", "0"]\n')
    (tmp_path / 'entry.sh').write_bytes(b'#!/bin/sh\n# f\xfcr den Server\necho "Gr\xfc\xdf"\n"$@"\n')
    (tmp_path / 'entry.sh').chmod(0o755)

    def verify() -> dict:
        done = modcon('verify', '--engine', 'namespace', '--grace', '1.5', '--settle', '0.8',
                      '--format', 'json', '.', cwd=tmp_path)
        assert b'Traceback' not in done.stderr, done.stderr
        return json.loads(done.stdout)[0]

    before = verify()
    assert before['verified'] and before['killed']
    modcon('fix', '.', cwd=tmp_path)
    after = verify()
    assert after['stopped_in_grace'] and after['exit_code'] == 0
    assert b'# f\xfcr den Server\n' in (tmp_path / 'entry.sh').read_bytes()


@pytest.mark.parametrize(('data', 'read'), (
    pytest.param(b'#!/usr/bin/env python\n# coding=cp1252\nx = "\x80"\n', '#!/usr/bin/env python\n'
                 '# coding=cp1252\nx = "\u20ac"\n', id='second line, after a shebang'),
    pytest.param(b'# vim: set fileencoding=iso-8859-15 :\nx = "\xa4"\n',
                 '# vim: set fileencoding=iso-8859-15 :\nx = "\u20ac"\n', id='vim style'),
    pytest.param(b'import os\n# coding: latin-1\nx = "\xe9"\n', None,
                 id='second line after code: not a coding line'),
    pytest.param(b'# coding: cp1252\nx = "\x81"\n', None, id='a byte the encoding refuses'),
    pytest.param(b'# coding: utf-8\nx = "\xe9"\n', None, id='says UTF-8, is not'),
    pytest.param(b'# coding: no-such-codec\nx = "\xe9"\n', None, id='unknown encoding'),
    pytest.param(b'# coding: utf-16\nx = "\xe9"\n', None, id='not one byte per character'),
    pytest.param(b'x = "caf\xc3\xa9"\n', 'x = "caf\xe9"\n', id='UTF-8 as it is'),
))
def test_python_reads_what_its_coding_line_says(data: bytes, read: str | None) -> None:
    """Each case as Python itself decides: it compiles the bytes exactly when modcon
    reads them, to the same text."""
    from modcon.readers.python.encoding import readable_code

    assert readable_code(decode(data)) == read
    try:
        compiled = compile(data, 'case.py', 'exec')
    except SyntaxError:
        compiled = None
    assert (compiled is not None) == (read is not None)
    if read is not None:
        assert compile(read, 'case.py', 'exec').co_consts == compiled.co_consts
