"""A tree of hostile files, given to the CLI and to the Action.

Binary, huge, deep, empty, UTF-16, NUL-laden and random-byte Dockerfiles; a
FIFO, a link to /dev/zero, a link out of the tree to a secret, a link loop, a
dangling link, a folder named Dockerfile. Each run must end (no hang: every
subprocess has a timeout) with exit 1 or 2, one line per error and no
traceback; the secret never appears in any output; nothing outside the tree is
written; the one ordinary Dockerfile is still checked. Random bytes come from
hypothesis, so ``make fuzz`` varies them.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

from hypothesis import strategies as st

from tests.fuzz.budget import run_for_budget

SECRET = 'secret-line-outside-the-tree'
SHELL_FORM = 'FROM alpine:3.20\nCMD app --serve\n'


def build_tree(root: pathlib.Path, random_bytes: bytes) -> pathlib.Path:
    """The hostile tree under ``root/tree``; a secret and a victim file beside it."""
    (root / 'outside').mkdir()
    (root / 'outside' / 'secret').write_text(f'root:x:0:0:{SECRET}\n')
    (root / 'outside' / 'Dockerfile').write_text(SHELL_FORM)
    tree = root / 'tree'
    tree.mkdir()
    (tree / 'Dockerfile').write_text(SHELL_FORM)
    files = {
        'binary/Dockerfile': b'\x7fELF\x02\x01\x01' + bytes(range(256)) * 4,
        'huge/Dockerfile': b'FROM alpine\n' + b'RUN true\n' * 130_000,
        'empty/Dockerfile': b'',
        'utf16/Dockerfile': 'FROM alpine\nCMD app\n'.encode('utf-16'),
        'nul/Dockerfile': b'FROM alpine\nCMD app\0\n',
        'random/Dockerfile': random_bytes,
        'random/Containerfile': b'FROM alpine\n' + random_bytes,
        'long-line/Dockerfile': b'FROM alpine\nCMD ' + b'a' * 900_000 + b'\n',
        'continued/Dockerfile': b'FROM alpine\nRUN ' + b'x \\\n' * 20_000 + b'\n',
    }
    for path, data in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_bytes(data)
    deep = tree
    for i in range(120):
        deep = deep / f'd{i}'
    deep.mkdir(parents=True)
    (deep / 'Dockerfile').write_text(SHELL_FORM)
    (tree / 'fifo').mkdir()
    os.mkfifo(tree / 'fifo' / 'Dockerfile')
    (tree / 'zero').mkdir()
    (tree / 'zero' / 'Dockerfile').symlink_to('/dev/zero')
    (tree / 'out').mkdir()
    (tree / 'out' / 'Dockerfile').symlink_to(root / 'outside' / 'secret')
    (tree / 'out' / 'Dockerfile.fix').symlink_to(root / 'outside' / 'Dockerfile')
    (tree / 'outdir').symlink_to(root / 'outside', target_is_directory=True)
    (tree / 'loop').mkdir()
    (tree / 'loop' / 'Dockerfile').symlink_to('Dockerfile.loop')
    (tree / 'loop' / 'Dockerfile.loop').symlink_to('Dockerfile')
    (tree / 'dangling').mkdir()
    (tree / 'dangling' / 'Dockerfile').symlink_to(root / 'nowhere')
    (tree / 'folder' / 'Dockerfile').mkdir(parents=True)
    return tree


def _assert_clean_run(code: int, stdout: str, stderr: str, root: pathlib.Path) -> None:
    assert code in (1, 2), (code, stdout[-2000:], stderr[-2000:])
    assert 'Traceback' not in stderr, stderr[-4000:]
    assert SECRET not in stdout + stderr
    assert (root / 'outside' / 'Dockerfile').read_text() == SHELL_FORM


def check_cli(random_bytes: bytes) -> None:
    root = pathlib.Path(tempfile.mkdtemp(prefix='modcon-hostile-'))
    try:
        tree = build_tree(root, random_bytes)
        for args in (['check', '--format', 'json', '.'], ['fix', '.'], ['check', '--jobs', '2', '.']):
            proc = subprocess.run([sys.executable, '-m', 'modcon', *args], cwd=tree, timeout=300,
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL)
            _assert_clean_run(proc.returncode, proc.stdout, proc.stderr, root)
            errors = [line for line in proc.stderr.splitlines() if line.startswith('modcon: ')]
            assert any('fifo/Dockerfile' in line for line in errors), proc.stderr
            assert any('out/Dockerfile' in line for line in errors), proc.stderr
    finally:
        shutil.rmtree(root, ignore_errors=True)


def check_action(random_bytes: bytes) -> None:
    root = pathlib.Path(tempfile.mkdtemp(prefix='modcon-hostile-'))
    try:
        tree = build_tree(root, random_bytes)
        (root / 'event.json').write_text(json.dumps({'ref': 'refs/heads/main'}))
        for mode in ('check', 'fix'):
            (root / 'out.txt').write_text('')
            env = {'PATH': os.environ['PATH'], 'HOME': str(root),
                   'GITHUB_EVENT_NAME': 'workflow_dispatch',
                   'GITHUB_EVENT_PATH': str(root / 'event.json'),
                   'GITHUB_WORKSPACE': str(tree), 'GITHUB_REF': 'refs/heads/main',
                   'GITHUB_OUTPUT': str(root / 'out.txt'),
                   'GITHUB_STEP_SUMMARY': str(root / 'summary.md'),
                   'INPUT_MODE': mode, 'INPUT_SARIF_FILE': 'modcon.sarif'}
            proc = subprocess.run([sys.executable, '-m', 'modcon', 'action'], cwd=root, env=env,
                                  timeout=300, capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL)
            _assert_clean_run(proc.returncode, proc.stdout, proc.stderr, root)
            assert SECRET not in (tree / 'modcon.sarif').read_text()
            assert SECRET not in (root / 'summary.md').read_text()
            assert '::warning file=Dockerfile,' in proc.stdout or mode == 'fix'
    finally:
        shutil.rmtree(root, ignore_errors=True)


_bytes = st.binary(min_size=0, max_size=2000) | st.text(max_size=500).map(str.encode)


def test_the_cli_survives_a_hostile_tree() -> None:
    run_for_budget(check_cli, examples=1, random_bytes=_bytes)


def test_the_action_survives_a_hostile_workspace() -> None:
    run_for_budget(check_action, examples=1, random_bytes=_bytes)
