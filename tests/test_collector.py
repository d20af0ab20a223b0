"""The console script starts with the garbage collector off and turns it back on
once the work goes beyond one file (``modcon/cli/collector.py``): a one-file
check is never collected, a batch, a fix and every other command are."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

SHELL_FORM = 'FROM alpine:3.20\nCMD app --serve\n'

# Runs the console script as `modcon` does; at exit, says whether the collector
# was on and how many objects were frozen.
_PROBE = '''
import atexit, gc, json, os, sys
def report():
    os.write(2, ('\\nprobe ' + json.dumps([gc.isenabled(), gc.get_freeze_count()])).encode())
atexit.register(report)
sys.argv = ['modcon', *sys.argv[1:]]
from modcon.__main__ import console
console()
'''


def _collector_at_exit(tmp_path: pathlib.Path, *args: str) -> tuple[int, bool, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith('MODCON')}
    done = subprocess.run([sys.executable, '-c', _PROBE, *args], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    enabled, frozen = json.loads(done.stderr.rsplit('probe ', 1)[1])
    return done.returncode, enabled, frozen


def test_a_one_file_check_is_never_collected(tmp_path: pathlib.Path) -> None:
    (tmp_path / 'Dockerfile').write_text(SHELL_FORM)
    status, enabled, _ = _collector_at_exit(tmp_path, 'check', 'Dockerfile')
    assert status == 1
    assert not enabled


@pytest.mark.parametrize('command', [['check'], ['check', '--jobs', '2'], ['fix'],
                                     ['fix', '--diff']])
def test_past_the_first_file_the_collector_runs_again(
        tmp_path: pathlib.Path, command: list[str]) -> None:
    for name in ('a', 'b', 'c'):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'Dockerfile').write_text(SHELL_FORM)
    status, enabled, _ = _collector_at_exit(tmp_path, *command, '.')
    assert status in (0, 1)
    assert enabled


@pytest.mark.parametrize('command', [['rules'], ['rule', 'MC101'], ['explain-entrypoint', '.']])
def test_other_commands_collect_from_the_start(tmp_path: pathlib.Path, command: list[str]) -> None:
    (tmp_path / 'Dockerfile').write_text(SHELL_FORM)
    status, enabled, _ = _collector_at_exit(tmp_path, *command)
    assert status == 0
    assert enabled


def test_main_called_in_a_program_leaves_its_collector_alone(tmp_path: pathlib.Path) -> None:
    # Python 3.12 starts with objects of its own frozen: compare with that.
    code = ('import gc, sys\nfrom modcon.cli import main\n'
            'frozen = gc.get_freeze_count()\n'
            'main(["check", "Dockerfile"])\n'
            'sys.stderr.write(repr((gc.isenabled(), gc.get_freeze_count() - frozen)))\n')
    (tmp_path / 'Dockerfile').write_text(SHELL_FORM)
    done = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stderr.endswith('(True, 0)')
