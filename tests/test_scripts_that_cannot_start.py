"""MC350 and MC351: scripts the container cannot start; after the fix they run.

Judged by running them: the kernel executes the script by its `#!` line, as a
container runtime does with an exec-form ENTRYPOINT, and a real `/bin/sh` runs it
as `sh script` does.
"""
from __future__ import annotations

import errno
import json
import os
import pathlib
import subprocess

import pytest

from modcon.cli.main import main
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.model import Applicability
from modcon.source import SourceFile

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'MC350'
CONFIG = Config(select=('MC350', 'MC351'))


def _fixed(name: str, text: str) -> str:
    invocations = (Invocation('Dockerfile', 4, (f'/{name}', 'echo', 'ran'), direct=True),)
    result = fix_source(SourceFile(name, text), 'shell', CONFIG, Applicability.SAFE,
                        invocations)
    return result.fixed


def _script(folder: pathlib.Path, text: str) -> pathlib.Path:
    path = folder / 'entrypoint.sh'
    path.write_bytes(text.encode())
    path.chmod(0o755)
    return path


@pytest.mark.parametrize('text', [
    '#!/bin/sh\r\nset -e\r\necho starting >&2\r\nexec "$@"\r\n',
    (FIXTURES / 'env-bash.input.sh').read_bytes().decode(),
], ids=['sh', 'env bash'])
def test_the_script_starts_only_after_the_fix(tmp_path: pathlib.Path, text: str) -> None:
    env = {**os.environ, 'PATH': '/usr/local/bin:/usr/bin:/bin'}

    broken = _script(tmp_path, text)
    try:  # the kernel looks for `/bin/sh\r`; `env` (which exists) for `bash\r`
        direct = subprocess.run([broken, 'echo', 'ran'], capture_output=True, text=True,
                                env=env, check=False)
        assert direct.returncode == 127 and direct.stdout == '', direct
    except FileNotFoundError:
        pass
    by_shell = subprocess.run(['/bin/sh', broken, 'echo', 'ran'], capture_output=True,
                              text=True, env=env, check=False)
    assert by_shell.returncode != 0 and by_shell.stdout != 'ran\n'

    fixed_text = _fixed('entrypoint.sh', text)
    assert fixed_text == text.replace('\r\n', '\n')
    fixed = _script(tmp_path, fixed_text)
    run = subprocess.run([fixed, 'echo', 'ran'], capture_output=True, text=True, env=env,
                         check=False)
    assert (run.returncode, run.stdout) == (0, 'ran\n'), run.stderr


def test_mixed_line_endings_are_left_as_they_are() -> None:
    text = (FIXTURES / 'mixed.input.sh').read_bytes().decode()
    assert _fixed('mixed.sh', text) == text


def test_a_byte_order_mark_before_the_interpreter_line_is_removed(tmp_path: pathlib.Path) -> None:
    text = '\ufeff#!/bin/sh\nexec "$@"\n'
    broken = _script(tmp_path, text)
    with pytest.raises(OSError) as refused:  # the kernel sees no `#!` at byte 0
        subprocess.run([broken, 'echo', 'ran'], capture_output=True, check=False)
    assert refused.value.errno == errno.ENOEXEC

    fixed_text = _fixed('entrypoint.sh', text)
    assert fixed_text == text[1:]
    fixed = _script(tmp_path, fixed_text)
    run = subprocess.run([fixed, 'echo', 'ran'], capture_output=True, text=True, check=False)
    assert (run.returncode, run.stdout) == (0, 'ran\n'), run.stderr


def test_a_script_without_an_interpreter_line_is_reported_and_left(tmp_path: pathlib.Path) -> None:
    text = 'exec "$@"\n'
    script = _script(tmp_path, text)
    with pytest.raises(OSError) as refused:
        subprocess.run([script, 'echo', 'ran'], capture_output=True, check=False)
    assert refused.value.errno == errno.ENOEXEC
    # A shell runs it, as `sh -c` or tini's execvp would: only the runtime's own exec fails.
    by_shell = subprocess.run(['/bin/sh', '-c', f'{script} echo ran'], capture_output=True,
                              text=True, check=False)
    assert by_shell.stdout == 'ran\n'
    assert _fixed('entrypoint.sh', text) == text


def test_modcon_fix_writes_the_script_without_its_byte_order_mark(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The file on disk, not only the text in memory: the writer keeps every character
    it is given and adds none back (it once put a removed mark back, so that each run
    'fixed' the same finding again)."""
    (tmp_path / 'Dockerfile').write_text(
        'FROM alpine:3.20\nCOPY entrypoint.sh /entrypoint.sh\n'
        'ENTRYPOINT ["/entrypoint.sh"]\nCMD ["echo", "ran"]\n')
    script = _script(tmp_path, '\ufeff#!/bin/sh\r\nexec "$@"\r\n')
    monkeypatch.chdir(tmp_path)
    assert main(['fix', '.']) == 0
    assert script.read_bytes() == b'#!/bin/sh\nexec "$@"\n'
    assert 'Fixed 2 findings in 1 file' in capsys.readouterr().err
    assert main(['fix', '.']) == 0
    assert 'Fixed 0 findings' in capsys.readouterr().err
    run = subprocess.run([script, 'echo', 'ran'], capture_output=True, text=True, check=False)
    assert (run.returncode, run.stdout) == (0, 'ran\n'), run.stderr


@pytest.mark.parametrize(('command', 'found'), (
    pytest.param('ENTRYPOINT ["/usr/local/bin/start"]', True, id='renamed by COPY'),
    pytest.param('ENTRYPOINT ["start"]', True, id='renamed, found on PATH'),
    pytest.param('ENTRYPOINT ["tini", "--", "start"]', False, id='behind an init'),
    pytest.param('ENTRYPOINT ["/bin/sh", "/usr/local/bin/start"]', False, id='run by sh'),
    pytest.param('ENTRYPOINT /usr/local/bin/start', False, id='shell form'),
))
def test_a_script_copied_under_another_name_is_followed(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], command: str, found: bool) -> None:
    """What the runtime executes is the image's path, whatever the repository calls the
    file: `COPY docker/start.sh /usr/local/bin/start` is run directly as `start`."""
    (tmp_path / 'docker').mkdir()
    (tmp_path / 'Dockerfile').write_text(
        f'FROM alpine:3.20\nRUN apk add --no-cache tini\n'
        f'COPY docker/start.sh /usr/local/bin/start\n{command}\nCMD ["echo", "ran"]\n')
    _script(tmp_path / 'docker', 'exec "$@"\n').rename(tmp_path / 'docker' / 'start.sh')
    monkeypatch.chdir(tmp_path)
    main(['check', '--select', 'MC351', '--format', 'json', '.'])
    reported = json.loads(capsys.readouterr().out)
    assert [f['path'] for f in reported] == (['docker/start.sh'] if found else [])


def test_a_line_another_fix_adds_to_a_crlf_script_gets_no_carriage_return(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MC320 adds `set -e` in the file's line ending. Applied in the same round as the
    conversion to LF, it kept its `\\r` (`set -e\\r`: "Illegal option -"), and the script
    that ran before the fix no longer started. Judged by running it."""
    (tmp_path / 'Dockerfile').write_text('FROM alpine:3.20\nCOPY entrypoint.sh /entrypoint.sh\n'
                                         'ENTRYPOINT ["/entrypoint.sh"]\n')
    script = _script(tmp_path, '#!/bin/sh\r\ncd /tmp\r\nexec "$@"\r\n')
    monkeypatch.chdir(tmp_path)
    assert main(['fix', '--unsafe-fixes', '.']) == 0
    fixed = script.read_bytes()
    assert b'\r' not in fixed and b'set -e\n' in fixed, fixed
    run = subprocess.run(['/bin/sh', str(script), 'echo', 'ran'], capture_output=True,
                         text=True, check=False)
    assert (run.returncode, run.stdout) == (0, 'ran\n'), run.stderr
    assert main(['fix', '--unsafe-fixes', '--diff', '.']) == 0  # nothing more to do
