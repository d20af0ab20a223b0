"""Misuse and hostile input at the command line (issue 13): never lose data, never
claim an all-clear that did not happen, one line and exit 2 for every error."""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import NamedTuple

import pytest
import yaml

from modcon import cli
from modcon.engine import files
from modcon.engine.discover import DOCKERFILE_NAMES
from modcon.engine.discover import NOT_DOCKERFILE_NAMES
from modcon.engine.discover import kind_of
from modcon.engine.parallel import jobs_for
from modcon.engine.parallel import usable_cpus
from modcon.model import Message
from modcon.printable import printable
from tests.test_cli import DROP_DAC
from tests.test_cli import EXEC_FORM
from tests.test_cli import SHELL_FORM
from tests.test_cli import assert_one_line_errors
from tests.test_cli import modcon
from tests.test_cli import write

ROOT = pathlib.Path(__file__).resolve().parent.parent


class Ran(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
               ) -> Callable[..., Ran]:
    """``modcon`` run by ``cli.main`` in this process: the cheap cases need no new interpreter."""
    monkeypatch.delenv('MODCON_DEBUG', raising=False)

    def run(*args: str, cwd: pathlib.Path) -> Ran:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return Ran(code, out, err)
    return run


# -- the report path is checked before anything is written ---------------------

@pytest.mark.parametrize('command', [['check'], ['fix'], ['fix', '--diff']])
@pytest.mark.parametrize('report', ['Dockerfile', './Dockerfile', 'link', 'hard'])
def test_a_report_path_naming_an_input_is_refused(
        tmp_path: pathlib.Path, command: list[str], report: str,
        in_process: Callable[..., Ran]) -> None:
    path = write(tmp_path / 'Dockerfile', SHELL_FORM)
    (tmp_path / 'link').symlink_to('Dockerfile')
    os.link(path, tmp_path / 'hard')
    result = in_process(*command, '-o', report, cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert f'{report}: the report would overwrite Dockerfile' in result.stderr
    assert path.read_text() == SHELL_FORM  # neither the report nor a fix was written


def test_a_report_path_that_is_an_entrypoint_the_command_runs_is_refused(
        tmp_path: pathlib.Path) -> None:
    app = write(tmp_path / 'app.py', 'import time\nwhile True:\n    time.sleep(1)\n')
    # A script in front, whose fix (`exec`) makes `fix` go round again.
    write(tmp_path / 'entry.sh', '#!/bin/sh\ncd /app\npython app.py\n')
    write(tmp_path / 'Dockerfile', 'FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\n'
                                   'COPY entry.sh /entry.sh\nCOPY app.py /app/app.py\n'
                                   'ENTRYPOINT ["/entry.sh"]\n')
    for command in ('check', 'fix'):
        result = modcon(command, '-o', 'app.py', cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.count('app.py: is the report file (-o); not checked') == 1
        # fix's later rounds no longer had a report file to refuse, and fixed it (MC201)
        assert app.read_text() == 'import time\nwhile True:\n    time.sleep(1)\n', command


def test_a_report_that_cannot_be_written_fails_before_any_fix(
        tmp_path: pathlib.Path,
        in_process: Callable[..., Ran]) -> None:
    path = write(tmp_path / 'Dockerfile', SHELL_FORM)
    for report in ('missing/r.txt', '.'):
        result = in_process('fix', '-o', report, cwd=tmp_path)
        assert result.returncode == 2
        assert_one_line_errors(result.stderr, 1)
        assert f'{report}: cannot write the report' in result.stderr
        assert path.read_text() == SHELL_FORM


def test_an_earlier_report_stays_until_the_new_one_is_written(
        tmp_path: pathlib.Path,
        in_process: Callable[..., Ran]) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    report = write(tmp_path / 'report.json', 'x' * 10_000)
    result = in_process('check', '--format', 'json', '-o', 'report.json', cwd=tmp_path)
    assert result.returncode == 1
    assert json.loads(report.read_text())[0]['code'] == 'MC101'  # truncated, not appended to


# -- failed writes are errors, and their findings stay ---------------------------

@pytest.mark.parametrize('fmt', ['text', 'json'])
def test_a_read_only_file_is_not_rewritten_and_its_findings_stay(
        tmp_path: pathlib.Path, fmt: str, in_process: Callable[..., Ran]) -> None:
    path = write(tmp_path / 'Dockerfile', SHELL_FORM)
    path.chmod(0o444)
    result = in_process('fix', '--format', fmt, cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert 'Dockerfile: not fixed: is read-only (mode 0444)' in result.stderr
    assert path.read_text() == SHELL_FORM
    if fmt == 'json':
        assert [f['code'] for f in json.loads(result.stdout)] == ['MC101']
    else:
        assert 'Dockerfile:2:1:' in result.stdout and 'no findings' not in result.stdout
        assert 'Fixed 0 findings in 0 files.' in result.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('setpriv'),
                    reason='root drops its file-permission override with setpriv')
@pytest.mark.parametrize('fmt', ['text', 'json'])
def test_fix_in_a_read_only_folder_reports_the_truth(tmp_path: pathlib.Path, fmt: str) -> None:
    folder = tmp_path / 'ro'
    path = write(folder / 'Dockerfile', SHELL_FORM + 'HEALTHCHECK CMD wget -q http://x/\n')
    folder.chmod(0o555)
    result = subprocess.run([*DROP_DAC, sys.executable, '-m', 'modcon', 'fix', '--format', fmt,
                             'ro'], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    folder.chmod(0o755)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert 'ro/Dockerfile: not fixed: Permission denied' in result.stderr
    assert path.read_text() == SHELL_FORM + 'HEALTHCHECK CMD wget -q http://x/\n'
    if fmt == 'json':
        assert sorted(f['code'] for f in json.loads(result.stdout)) == ['MC101', 'MC102']
    else:
        assert 'no findings' not in result.stdout
        assert 'found 2 findings' in result.stdout
        assert 'Fixed 0 findings in 0 files.' in result.stderr


def test_hard_links_are_not_broken(tmp_path: pathlib.Path, in_process: Callable[..., Ran]) -> None:
    path = write(tmp_path / 'Dockerfile', SHELL_FORM)
    os.link(path, tmp_path / 'copy.txt')
    result = in_process('fix', 'Dockerfile', cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert 'Dockerfile: not fixed: has 1 other hard link' in result.stderr
    assert path.stat().st_nlink == 2 and path.read_text() == SHELL_FORM


def test_interrupted_fix_says_which_files_it_rewrote(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from modcon.engine import files as run

    for name in ('a', 'b', 'c'):
        write(tmp_path / name / 'Dockerfile', SHELL_FORM)
    real_write = run.write_atomic
    writes: list[str] = []

    def write_then_interrupt(path: str, text: str) -> None:
        real_write(path, text)
        writes.append(path)
        if len(writes) == 2:  # Ctrl-C, delivered as the second file is done
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(run, 'write_atomic', write_then_interrupt)
    monkeypatch.chdir(tmp_path)
    # Ctrl-C raises KeyboardInterrupt only where SIGINT has Python's handler: a process
    # started as a background job of a non-interactive shell (a CI runner's, or `cmd &`)
    # inherits SIGINT ignored, and then the signal would be lost.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        status = cli.main(['fix', '.'])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert status == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err == 'modcon: interrupted after rewriting 2 files: a/Dockerfile, b/Dockerfile\n'
    assert (tmp_path / 'a' / 'Dockerfile').read_text() == EXEC_FORM
    assert (tmp_path / 'c' / 'Dockerfile').read_text() == SHELL_FORM


def test_a_temp_file_left_by_kill_9_is_removed_by_the_next_run(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / 'Dockerfile', SHELL_FORM)
    # A real modcon writing the file, killed with SIGKILL after the temp file is written.
    killed = subprocess.run([sys.executable, '-c', f'''
import os, signal
from modcon.engine import files
os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
files.write_atomic({str(path)!r}, 'FROM alpine:3.20\\n')
'''], capture_output=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith('.modcon-')]
    assert len(left) == 1
    # A temp file another modcon is writing right now is locked: it stays.
    busy = subprocess.Popen([sys.executable, '-c', f'''
import fcntl, os, sys, tempfile
fd, name = tempfile.mkstemp(prefix='.modcon-', suffix='.tmp', dir={str(tmp_path)!r})
fcntl.flock(fd, fcntl.LOCK_EX)
print(name, flush=True)
sys.stdin.read()
'''], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert busy.stdout is not None and busy.stdin is not None
    busy_name = pathlib.Path(busy.stdout.readline().strip()).name
    try:
        result = modcon('fix', cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert path.read_text() == EXEC_FORM
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith('.modcon-')) \
            == [busy_name]
    finally:
        busy.stdin.close()
        busy.wait(timeout=60)


def test_a_file_of_the_user_that_looks_like_a_temp_name_is_kept(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    mine = write(tmp_path / '.modcon-notes.txt', 'mine\n')
    assert modcon('fix', cwd=tmp_path).returncode == 0
    assert mine.read_text() == 'mine\n'


# -- crashes and hangs -----------------------------------------------------------

def test_jobs_are_capped_at_files_and_cpus() -> None:
    assert jobs_for(100_000, 1) == 1
    assert jobs_for(100_000, 3) <= min(3, usable_cpus())
    assert jobs_for(100_000, 10_000) <= usable_cpus()


def test_a_huge_jobs_number_checks_one_file_in_this_process(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    result = modcon('check', '-j', '100000', cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ''


@pytest.mark.parametrize('toml', ['[tool]\nmodcon = 5\n', 'tool = 5\n',
                                  '[tool]\nmodcon = "MC101"\n'])
def test_a_pyproject_with_a_wrong_shape_is_one_line(
        tmp_path: pathlib.Path, toml: str,
        in_process: Callable[..., Ran]) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    write(tmp_path / 'pyproject.toml', toml)
    result = in_process('check', '--config', 'pyproject.toml', cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert 'pyproject.toml: `tool' in result.stderr and 'must be a table' in result.stderr
    if 'modcon' in toml:  # found without --config too
        found = in_process('check', cwd=tmp_path)
        assert found.returncode == 2 and 'must be a table' in found.stderr


@pytest.mark.parametrize('config', ['/dev/zero', 'fifo', 'folder', 'huge.toml'])
def test_a_config_that_is_not_a_small_regular_file_is_refused(
        tmp_path: pathlib.Path, config: str, in_process: Callable[..., Ran]) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    os.mkfifo(tmp_path / 'fifo')
    (tmp_path / 'folder').mkdir()
    write(tmp_path / 'huge.toml', '# x\n' * 300_000)
    result = in_process('check', '--config', config, cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert re.search(r'is not a regular file|larger than 1 MiB|Is a directory', result.stderr)


@pytest.mark.parametrize('command', ['check', 'fix', 'explain-entrypoint', 'verify'])
def test_a_deleted_working_folder_is_one_line(tmp_path: pathlib.Path, command: str) -> None:
    """A shell left in a folder another process removed: paths cannot be resolved."""
    dockerfile = write(tmp_path / 'app' / 'Dockerfile', SHELL_FORM)
    gone = tmp_path / 'gone'
    gone.mkdir()
    env = {k: v for k, v in os.environ.items() if k != 'MODCON_DEBUG'}
    result = subprocess.run(
        ['sh', '-c', 'cd "$1" && rmdir "$1" && shift && exec "$@"', 'sh', str(gone),
         sys.executable, '-m', 'modcon', command, str(dockerfile)],
        capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert_one_line_errors(result.stderr, 1)
    assert 'the current folder no longer exists' in result.stderr
    assert dockerfile.read_text() == SHELL_FORM


# -- silent all-clear ----------------------------------------------------------------

@pytest.mark.parametrize(('args', 'toml', 'expected'), [
    (['--select', 'MC10l'], None, '--select: unknown rule `MC10l`; did you mean `MC101`?'),
    (['--ignore', 'shel-form-command'], None, 'did you mean `shell-form-command`?'),
    (['--select', 'MC9'], None, '--select: unknown rule `MC9`'),
    ([], 'select = ["MC10l"]\n', '.modcon.toml: `select`: unknown rule `MC10l`; '
                                 'did you mean `MC101`?'),
    ([], 'ignore = ["MC1O2"]\n', 'did you mean `MC102`?'),
    ([], '[fix-safety]\nMC1O1 = "unsafe"\n', '`fix-safety`: unknown rule `MC1O1`; '
                                             'did you mean `MC101`?'),
    ([], '[fix-safety]\nMC1 = "unsafe"\n', '`fix-safety` takes whole rule codes'),
])
def test_unknown_rule_codes_are_errors_naming_the_closest(
        tmp_path: pathlib.Path, args: list[str], toml: str | None, expected: str,
        in_process: Callable[..., Ran]) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    if toml is not None:
        write(tmp_path / '.modcon.toml', toml)
    result = in_process('check', *args, cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert expected in result.stderr
    assert result.stdout == ''


def test_prefixes_names_and_all_are_known(
        tmp_path: pathlib.Path,
        in_process: Callable[..., Ran]) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM)
    for select in ('MC1', 'mc101', 'shell-form-command', 'ALL', 'MC'):
        assert in_process('check', '--select', select, cwd=tmp_path).returncode == 1, select


def test_a_missing_path_is_not_an_all_clear(
        tmp_path: pathlib.Path,
        in_process: Callable[..., Ran]) -> None:
    result = in_process('check', 'nonexistent', cwd=tmp_path)
    assert result.returncode == 2
    assert 'no findings' not in result.stdout and 'All checked' not in result.stdout
    assert result.stdout == 'Checked no files: see the errors below.\n'
    assert_one_line_errors(result.stderr, 1)


def test_a_folder_without_dockerfiles_says_so_and_why(tmp_path: pathlib.Path) -> None:
    write(tmp_path / 'node_modules' / 'x' / 'Dockerfile', SHELL_FORM)
    write(tmp_path / 'Dockerfile.j2', SHELL_FORM)
    write(tmp_path / 'README.md', '# hi\n')
    result = modcon('check', cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith('Checked no files: no file named like a Dockerfile (')
    assert 'in . (not searched: node_modules/: a dependency or tool folder)' in result.stdout
    as_json = modcon('check', '--format', 'json', cwd=tmp_path)
    assert json.loads(as_json.stdout) == []
    assert as_json.stderr.startswith('modcon: checked no files: no file named like a Dockerfile')
    for command in ('verify', 'explain-entrypoint'):
        said = modcon(command, cwd=tmp_path)
        assert said.returncode == 0 and said.stdout == ''
        assert said.stderr.startswith('modcon: no Dockerfile to look at: no file named like a '
                                      'Dockerfile'), command


def test_the_summary_says_how_many_files_were_checked(
        tmp_path: pathlib.Path,
        in_process: Callable[..., Ran]) -> None:
    write(tmp_path / 'a' / 'Dockerfile', SHELL_FORM)
    write(tmp_path / 'b' / 'Dockerfile', EXEC_FORM)
    write(tmp_path / 'c' / 'Dockerfile', EXEC_FORM)
    assert in_process('check', cwd=tmp_path).stdout.splitlines()[-1] == \
        'Checked 3 files: found 1 finding in 1 file; 1 fixable with `modcon fix`.'
    assert in_process('check', 'b', 'c', cwd=tmp_path).stdout == 'Checked 2 files: no findings.\n'


# -- explain-entrypoint refuses the files check refuses ---------------------------

EXPLAINED = 'FROM alpine:3.20\nCOPY app.py /app.py\nCMD ["python", "/app.py"]\n'


def test_explain_entrypoint_reports_bad_dockerfiles_as_check_does(
        tmp_path: pathlib.Path, in_process: Callable[..., Ran]) -> None:
    """It printed nothing and exited 0: an all-clear for files it never read."""
    write(tmp_path / 'm' / 'Dockerfile', EXPLAINED)
    write(tmp_path / 'm' / 'app.py', 'print(1)\n')
    os.mkfifo(tmp_path / 'm' / 'Dockerfile.fifo')
    write(tmp_path / 'm' / 'Dockerfile.empty', b'')
    write(tmp_path / 'm' / 'Dockerfile.bin', b'\x00\x01FROM')
    write(tmp_path / 'm' / 'Dockerfile.u16', b'\xff\xfeF\x00R\x00O\x00M\x00\n\x00')
    (tmp_path / 'm' / 'loop.Dockerfile').symlink_to('loop.Dockerfile')
    checked = in_process('check', 'm', cwd=tmp_path)
    explained = in_process('explain-entrypoint', 'm', cwd=tmp_path)
    assert explained.returncode == checked.returncode == 2
    assert_one_line_errors(explained.stderr, 5)
    assert explained.stderr == checked.stderr
    assert 'm/loop.Dockerfile: cannot read: Too many levels of symbolic links' in explained.stderr
    assert explained.stdout.startswith('m/Dockerfile:\n')  # the good one is still explained
    assert '=> runs app.py (python) as the main program' in explained.stdout


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('setpriv'),
                    reason='root drops its file-permission override with setpriv')
def test_explain_entrypoint_reports_unreadable_files_as_check_does(
        tmp_path: pathlib.Path) -> None:
    """A mode-000 script the command runs was explained as one that runs nothing."""
    write(tmp_path / 'a' / 'Dockerfile', 'FROM alpine:3.20\nCOPY e.sh /e.sh\n'
                                          'ENTRYPOINT ["/e.sh"]\n')
    write(tmp_path / 'a' / 'e.sh', '#!/bin/sh\nexec app\n').chmod(0o000)
    write(tmp_path / 'b' / 'Dockerfile', EXPLAINED).chmod(0o000)
    write(tmp_path / 'c' / 'Dockerfile', EXPLAINED)
    write(tmp_path / 'c' / 'app.py', 'print(1)\n')

    def run(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*DROP_DAC, sys.executable, '-m', 'modcon', command, 'a',
                               'b/Dockerfile', 'c'],
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)

    checked, explained = run('check'), run('explain-entrypoint')
    assert explained.returncode == checked.returncode == 2
    assert_one_line_errors(explained.stderr, 2)
    assert explained.stderr == checked.stderr
    assert 'b/Dockerfile: cannot read: Permission denied' in explained.stderr
    assert 'a/e.sh: cannot read: Permission denied' in explained.stderr
    assert 'c/Dockerfile:\n' in explained.stdout  # the readable one is still explained


# -- discovery agrees with pre-commit ------------------------------------------------

NAMES = {
    'Dockerfile': True, 'Containerfile': True, 'dockerfile': True, 'Dockerfile.prod': True,
    'Dockerfile-prod': True, 'Dockerfile_dev': True, 'api.Dockerfile': True,
    'api-Dockerfile': True, 'x.dockerfile': True, 'Containerfile.dev': True,
    'web/build.containerfile': True, 'Dockerfile.dockerignore': False, 'Dockerfile.j2': False,
    'Dockerfile.template': False, 'Dockerfile.bak': False, 'Dockerfile~': False,
    'dockerfile.go': False, 'dockerfile_test.py': False, 'Dockerfile.md': False,
    'Dockerfiles': False, 'mydockerfile': False, 'docker-compose.yml': False,
    'Dockerfile-dir/app.py': False,
}


def test_pre_commit_hooks_use_the_walks_definition() -> None:
    hooks = yaml.safe_load((ROOT / '.pre-commit-hooks.yaml').read_text())
    assert [h['files'] for h in hooks] == [DOCKERFILE_NAMES] * len(hooks)
    assert [h['exclude'] for h in hooks] == [NOT_DOCKERFILE_NAMES] * len(hooks)


@pytest.mark.parametrize(('path', 'dockerfile'), NAMES.items())
def test_pre_commit_and_the_walk_agree_on_a_name(path: str, dockerfile: bool) -> None:
    # pre-commit: `files` must search the path and `exclude` must not.
    hook = yaml.safe_load((ROOT / '.pre-commit-hooks.yaml').read_text())[0]
    by_pre_commit = bool(re.search(hook['files'], path)) and not re.search(hook['exclude'], path)
    assert by_pre_commit == dockerfile
    assert (kind_of(path.rsplit('/', 1)[-1]) == 'dockerfile') == dockerfile


def test_a_folder_scan_finds_every_dockerfile_name(
        tmp_path: pathlib.Path,
        in_process: Callable[..., Ran]) -> None:
    for name in NAMES:
        write(tmp_path / name, SHELL_FORM)
    result = in_process('check', '--format', 'json', cwd=tmp_path)
    found = {f['path'] for f in json.loads(result.stdout)}
    assert found == {name for name, yes in NAMES.items() if yes}


# -- terminal output, encodings --------------------------------------------------

def test_control_characters_reach_the_terminal_escaped(tmp_path: pathlib.Path) -> None:
    name = 'evil\x1b[2J\x07.Dockerfile'
    write(tmp_path / name, 'FROM alpine:3.20\nCMD app \x1b]0;owned\x07 --x\u202e\n')
    result = modcon('check', cwd=tmp_path)
    assert result.returncode == 1
    assert '\x1b' not in result.stdout and '\x07' not in result.stdout
    assert '\u202e' not in result.stdout
    assert 'evil\\x1b[2J\\x07.Dockerfile:2:1:' in result.stdout
    assert '2 | CMD app \\x1b]0;owned\\x07 --x\\u202e' in result.stdout
    broken = write(tmp_path / 'sub' / 'bad\x1bname', b'FROM alpine\0\n')
    errors = modcon('check', str(broken.relative_to(tmp_path)), cwd=tmp_path)
    assert 'bad\\x1bname: is a binary file' in errors.stderr and '\x1b' not in errors.stderr


def test_printable_keeps_tabs_and_asked_for_newlines() -> None:
    assert printable('a\tb\nc\r') == 'a\tb\\x0ac\\x0d'
    assert printable('a\nb\x9b', newlines=True) == 'a\nb\\x9b'


def test_printable_escapes_exactly_the_controls_and_format_characters() -> None:
    """Every character, alone and in a line of plain text: the escaped ones are the C0 and
    C1 controls but tab (and newline when kept), DEL, the bidirectional and zero-width
    format characters, and lone surrogates (a byte that is not UTF-8 shown as that byte);
    every other character comes back as it was, as a plain str."""
    unsafe = {*range(0x09), *range(0x0a, 0x20), *range(0x7f, 0xa0), 0x061c,
              *range(0x200b, 0x2010), *range(0x2028, 0x202f), *range(0x2060, 0x206a),
              *range(0xd800, 0xe000), 0xfeff}

    def shown(code: int) -> str:
        if code not in unsafe:
            return chr(code)
        if 0xdc80 <= code <= 0xdcff:
            return f'\\x{code - 0xdc00:02x}'
        return f'\\x{code:02x}' if code < 0x100 else f'\\u{code:04x}'

    for code in range(0x10000):  # one by one where the escaped ones are
        char = chr(code)
        assert printable(f'RUN {char} x') == f'RUN {shown(code)} x'
        assert printable(char, newlines=True) == (char if code == 0x0a else shown(code))
    for start in range(0, sys.maxunicode + 1, 0x100):  # all, a row at a time
        row = range(start, start + 0x100)
        assert printable(''.join(map(chr, row))) == ''.join(map(shown, row))
    message = Message('keep `code`')
    assert type(printable(message)) is str and printable(message) == message


@pytest.mark.parametrize('encoding', ['utf-16', 'utf-16-le', 'utf-16-be', 'utf-32'])
def test_a_utf16_file_is_named_not_called_binary(tmp_path: pathlib.Path, encoding: str) -> None:
    write(tmp_path / 'Dockerfile', SHELL_FORM.encode(encoding))
    result = modcon('check', cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    wide = 'UTF-32' if '32' in encoding else 'UTF-16'
    assert f'Dockerfile: is {wide} text' in result.stderr and 'binary' not in result.stderr


def test_a_utf8_bom_is_not_a_column_and_stays_on_fix(
        tmp_path: pathlib.Path,
        in_process: Callable[..., Ran]) -> None:
    path = write(tmp_path / 'Dockerfile', b'\xef\xbb\xbfFROM python:3.12-slim\n'
                                          b'CMD python app.py\n')
    finding = json.loads(in_process('check', '--format', 'json', cwd=tmp_path).stdout)[0]
    assert finding['code'] == 'MC130'
    assert finding['start'] == {'line': 1, 'column': 1}
    text = in_process('check', cwd=tmp_path).stdout
    assert 'Dockerfile:1:1:' in text and '  1 | FROM python:3.12-slim\n' in text
    assert in_process('fix', cwd=tmp_path).returncode == 0
    assert path.read_bytes() == (b'\xef\xbb\xbfFROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\n'
                                 b'CMD ["python", "app.py"]\n')


# -- the rules at fault in issue 13's crash list --------------------------------------

@pytest.mark.parametrize('text', [
    'FROM python:3.12\nENV PYTHONUNBUFFERED=\nCMD ["python", "app.py"]\n',
    'FROM python:3.12\nLABEL description=foo \\',
    'FROM python:3.12\nLABEL description=foo \\\n',
])
def test_no_internal_error_on_issue_13_inputs(
        tmp_path: pathlib.Path, text: str,
        in_process: Callable[..., Ran]) -> None:
    write(tmp_path / 'Dockerfile', text)
    for command in (['check'], ['fix', '--diff'], ['fix', '--unsafe-fixes']):
        result = in_process(*command, cwd=tmp_path)
        assert result.returncode in (0, 1), (command, result.stderr)
        assert 'internal error' not in result.stderr and 'Traceback' not in result.stderr


def test_write_atomic_keeps_the_mode_of_a_writable_file(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / 'Dockerfile', SHELL_FORM)
    path.chmod(0o604)
    files.write_atomic(str(path), EXEC_FORM)
    assert path.read_text() == EXEC_FORM and (path.stat().st_mode & 0o777) == 0o604


@pytest.mark.parametrize('args', [['verify', '--grace', 'nan'], ['verify', '--settle', '-1'],
                                  ['verify', '--grace', 'inf'], ['check', '--format', 'xml'],
                                  ['bogus'], []])
def test_usage_errors_are_one_line(tmp_path: pathlib.Path, args: list[str]) -> None:
    result = modcon(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert_one_line_errors(result.stderr, 1)
    assert result.stdout == ''
