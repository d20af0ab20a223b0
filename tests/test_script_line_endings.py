"""MC350: a script with Windows line endings cannot run; after the fix it runs.

Judged by running it: the kernel executes the script by its `#!` line, as a
container runtime does with an exec-form ENTRYPOINT, and a real `/bin/sh` runs it
as `sh script` does.
"""
from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.entrypoints.invocation import Invocation
from modcon.model import Applicability
from modcon.source import SourceFile

FIXTURES = pathlib.Path(__file__).parent / 'fixtures' / 'MC350'
CONFIG = Config(select=('MC350',))


def _fixed(name: str, text: str) -> str:
    invocations = (Invocation('Dockerfile', 4, (f'/{name}', 'echo', 'ran')),)
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
