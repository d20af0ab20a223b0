"""Every console example in the README is run against examples/, and must print what it shows.

A block's commands run in order on one copy of examples/ (so a `modcon fix`
in it changes what the next command sees), from the folder that holds the
copy, with stdout and stderr together as a terminal shows them. The one
thing allowed to differ is how long a process took to stop (`in 0.03 s`);
`modcon verify`, which waits a fixed time for the program to start, gets a
second try on a busy machine.
"""
from __future__ import annotations

import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / 'README.md'
_BLOCK = re.compile(r'^```console\n(.*?)^```$', re.MULTILINE | re.DOTALL)
_DURATION = re.compile(r'\bin \d+(\.\d+)? s\b')


def console_blocks(text: str) -> list[list[tuple[str, str]]]:
    """Each ```console block as (command, expected output) pairs."""
    blocks = []
    for match in _BLOCK.finditer(text):
        steps: list[tuple[str, list[str]]] = []
        for line in match[1].splitlines():
            if line.startswith('$ '):
                steps.append((line[2:], []))
            else:
                assert steps, f'output before any command in a console block: {line!r}'
                steps[-1][1].append(line)
        blocks.append([(command, ''.join(f'{ln}\n' for ln in out)) for command, out in steps])
    return blocks


BLOCKS = console_blocks(README.read_text())


def _run(command: str, cwd: pathlib.Path) -> str:
    argv = shlex.split(command, comments=True)
    assert argv[0] == 'modcon', f'README console examples run modcon only: {command!r}'
    env = {k: v for k, v in os.environ.items() if not k.startswith('MODCON_')}
    env.update(PYTHONUNBUFFERED='1', NO_COLOR='1')  # stdout and stderr in the order printed
    result = subprocess.run([sys.executable, '-m', 'modcon', *argv[1:]], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            timeout=120)
    return result.stdout


def test_the_readme_has_console_examples() -> None:
    assert len(BLOCKS) >= 3
    assert BLOCKS[0][0][0].startswith('modcon check examples/')


@pytest.mark.parametrize('block', BLOCKS, ids=[b[0][0] for b in BLOCKS])
def test_console_example(block: list[tuple[str, str]], tmp_path: pathlib.Path) -> None:
    if any(' verify ' in f' {command} ' for command, _ in block) and (
            not sys.platform.startswith('linux') or shutil.which('unshare') is None):
        pytest.skip('modcon verify needs Linux and unshare')
    shutil.copytree(ROOT / 'examples', tmp_path / 'examples')
    for command, expected in block:
        actual = _same_durations(_run(command, tmp_path))
        if ' verify ' in f' {command} ' and actual != _same_durations(expected):
            # On a starved machine the program may not have set its handler
            # when `--settle` ends; once more, as a user would.
            actual = _same_durations(_run(command, tmp_path))
        assert actual == _same_durations(expected), command


def _same_durations(output: str) -> str:
    return _DURATION.sub('in N s', output)


def test_console_blocks_are_read_as_commands_and_output() -> None:
    text = ('```console\n$ modcon check a  # note\nline 1\n\nline 3\n$ modcon fix a\n```\n'
            '```sh\n$ not console\n```\n')
    assert console_blocks(text) == [[('modcon check a  # note', 'line 1\n\nline 3\n'),
                                      ('modcon fix a', '')]]
