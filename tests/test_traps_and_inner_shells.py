"""Review of MC105/MC101/MC121 helpers against the real programs they describe."""
from __future__ import annotations

import json
import shlex
import shutil
import subprocess

import pytest

from modcon.fixers.dockerfile._exec_form import may_trap
from modcon.fixers.dockerfile._pipefail import fails_on_empty_input
from modcon.fixers.dockerfile.mc105_shell_c_without_exec import _raw_offset


@pytest.mark.parametrize('command', ('bsdtar -x', 'bsdtar -xz -C /tmp', 'bsdtar xzf -', 'bsdtar -t'))
def test_bsdtar_reads_an_empty_stream_as_an_empty_archive(command: str) -> None:
    argv = shlex.split(command)
    assert not fails_on_empty_input(tuple(argv))
    if shutil.which('bsdtar') is None:
        pytest.skip('needs bsdtar')
    assert subprocess.run(argv, input=b'', capture_output=True, timeout=20).returncode == 0


@pytest.mark.parametrize('command', ('tar -x', 'tar -xz', 'tar xzf -', 'tar -t', 'tar --extract'))
def test_busybox_tar_fails_on_an_empty_stream_too(command: str) -> None:
    argv = shlex.split(command)
    assert fails_on_empty_input(tuple(argv))
    if shutil.which('busybox') is None:
        pytest.skip('needs busybox')
    status = subprocess.run(['busybox', *argv], input=b'', capture_output=True,
                            timeout=20).returncode
    assert status != 0


@pytest.mark.parametrize('shell', ('dash', 'bash', 'busybox sh'))
def test_exec_discards_a_trap_set_through_eval(shell: str) -> None:
    script = "eval \"trap 'echo bye' EXIT\"; {}true"
    if shutil.which(shell.split()[0]) is None:
        pytest.skip(f'needs {shell}')
    ran = [subprocess.run([*shell.split(), '-c', script.format(prefix)], capture_output=True,
                          text=True, timeout=20).stdout for prefix in ('', 'exec ')]
    assert ran == ['bye\n', '']
    assert may_trap(script.format(''))


@pytest.mark.parametrize('script', ('app --trap-signals', '/opt/trap/bin/app', 'trapper', 'app'))
def test_a_word_that_only_contains_trap_is_no_trap(script: str) -> None:
    assert not may_trap(script)


@pytest.mark.parametrize('value', ['caf\u00e9 "x" && app', 'a/b; app', '\U0001f600 && app',
                                   'tab\there; app', 'x\\y; app', '\ud83d\u0041; app'])
def test_raw_offset_keeps_every_escape_as_written(value: str) -> None:
    at = value.index('app')
    for raw in (json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
                ''.join(f'\\u{ord(c):04x}' if ord(c) < 0x10000 else c for c in value)):
        cut = _raw_offset(raw, at)
        assert cut is not None
        assert json.loads(f'"{raw[:cut]}exec {raw[cut:]}"') == f'{value[:at]}exec {value[at:]}'
