"""The run's view of the working tree (``project.LocalTree``): each question asked once,
the same answers as asking the system each time, and a fix run that writes sees its writes."""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

from modcon.project import LocalProject
from modcon.project import LocalTree


@pytest.fixture
def tree_with_links(tmp_path: pathlib.Path) -> pathlib.Path:
    """Files, folders and every kind of symbolic link realpath meets."""
    root = tmp_path / 'repo'
    (root / 'app' / 'src').mkdir(parents=True)
    (root / 'app' / 'src' / 'main.py').write_text('print(1)\n')
    (root / 'app' / 'Dockerfile').write_text('FROM alpine\n')
    (tmp_path / 'outside').mkdir()
    (tmp_path / 'outside' / 'secret').write_text('no\n')
    links = {
        'app/abs': str(root / 'app' / 'src'),  # absolute, to a folder
        'app/rel': 'src/main.py',  # relative, to a file
        'app/up': '../app/src',  # relative, through ..
        'app/chain': 'rel',  # a link to a link
        'app/dangling': 'no-such-file',
        'app/loop': 'loop',  # a link to itself
        'app/ping': 'pong',
        'app/pong': 'ping',
        'app/out': '../../outside',  # out of the repository
        'linked-app': 'app',
    }
    for name, target in links.items():
        os.symlink(target, root / name)
    return root


PATHS = (
    '', '.', 'app', 'app/', 'app//src', 'app/./src/main.py', 'app/src/../Dockerfile',
    'app/abs', 'app/abs/main.py', 'app/abs/..', 'app/abs/../Dockerfile', 'app/rel',
    'app/up/main.py', 'app/chain', 'app/dangling', 'app/dangling/x', 'app/loop',
    'app/loop/x', 'app/ping/x', 'app/out/secret', 'app/out/..', 'linked-app/src/main.py',
    'linked-app/../app', 'missing', 'missing/../app', '..', '../outside/secret',
)


def test_realpath_answers_as_os_path_realpath(tree_with_links: pathlib.Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree_with_links)
    tree = LocalTree()
    for path in PATHS:
        absolute = os.path.join(str(tree_with_links), path)
        for asked in (path, absolute):
            assert tree.realpath(asked) == os.path.realpath(asked), asked
            assert tree.realpath(asked) == os.path.realpath(asked), f'{asked}, asked again'
    assert tree.realpath('/') == '/'


def _text(full: str) -> str | None:
    """What a project reads: text without NUL, at most 1 MiB; a byte that is not UTF-8
    kept as the shell keeps it (``source.decode``)."""
    if not os.path.isfile(full):
        return None
    data = pathlib.Path(full).read_bytes()
    if len(data) > 1024 * 1024 or b'\0' in data:
        return None
    return data.decode('utf-8', 'surrogateescape')


def test_a_project_answers_as_the_files_do(tree_with_links: pathlib.Path) -> None:
    app = tree_with_links / 'app'
    (app / 'binary').write_bytes(b'a\0b')
    (app / 'latin1').write_bytes(b'caf\xe9\n')
    (app / 'huge').write_bytes(b'x' * (1024 * 1024 + 1))
    os.mkfifo(app / 'fifo')
    tree = LocalTree()
    # Two build contexts of one run share the tree, each confined to its root.
    projects = [LocalProject(str(app), tree), LocalProject(str(tree_with_links), tree)]
    for project in projects:
        for path in (*PATHS, 'binary', 'latin1', 'huge', 'fifo', 'app/fifo', 'src/main.py',
                     'app/src', '/src/main.py', 'out/secret', 'app/out/secret'):
            normal = os.path.normpath(path.lstrip('/'))
            full = os.path.realpath(os.path.join(project.root, normal))
            inside = not normal.startswith('..') and (
                full == project.root or full.startswith(project.root + os.sep))
            for _ in range(2):  # answered again from what was kept
                assert project.is_file(path) == (inside and os.path.isfile(full)), path
                assert project.is_dir(path) == (inside and os.path.isdir(full)), path
                names = sorted(os.listdir(full)) if inside and os.path.isdir(full) else []
                assert project.list_dir(path) == names, path
                assert project.read(path) == (_text(full) if inside else None), path
        assert project.read('binary') is None
        assert project.read('huge') is None and not projects[0].is_file('fifo')
    assert projects[0].read('latin1') == 'caf\udce9\n'  # the byte kept, as the shell keeps it
    assert projects[0].read('rel') == 'print(1)\n'
    assert projects[0].read('out/secret') is None  # a link out of the build context


def test_the_tree_keeps_answers_until_told_to_forget(tmp_path: pathlib.Path) -> None:
    project = LocalProject(str(tmp_path))
    assert project.read('.dockerignore') is None and project.list_dir('.') == []
    (tmp_path / '.dockerignore').write_text('.git\n')
    # Asked once per run: nothing but modcon writes while it runs ...
    assert project.read('.dockerignore') is None and not project.is_file('.dockerignore')
    # ... and before modcon writes, the fix loop drops what was read.
    project.forget()
    assert project.read('.dockerignore') == '.git\n' and project.list_dir('.') == ['.dockerignore']


def _fix(folder: pathlib.Path, *paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, '-m', 'modcon', 'fix', '--unsafe-fixes', *paths],
                          cwd=folder, capture_output=True, text=True, timeout=60)


def test_a_fix_run_sees_the_dockerignore_its_first_fix_created(tmp_path: pathlib.Path) -> None:
    # Dockerfile and Containerfile share `.dockerignore`: fixing the first creates it,
    # so the second, in the same run, has one and gets no proposal of its own.
    text = 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "/app/app.py"]\n'
    one_run, two_runs = tmp_path / 'one', tmp_path / 'two'
    for folder in (one_run, two_runs):
        folder.mkdir()
        for name in ('Dockerfile', 'Containerfile'):
            (folder / name).write_text(text)
        (folder / 'app.py').write_text('print("hello")\n')
    together = _fix(one_run, '.')
    first, second = _fix(two_runs, 'Dockerfile'), _fix(two_runs, 'Containerfile')
    assert 'Traceback' not in together.stderr + first.stderr + second.stderr
    assert (one_run / '.dockerignore').read_text() == (two_runs / '.dockerignore').read_text()
    assert sorted(p.name for p in one_run.iterdir()) == sorted(p.name for p in two_runs.iterdir())
    for name in ('Dockerfile', 'Containerfile'):
        assert (one_run / name).read_text() == (two_runs / name).read_text()
    # The count of fixes applied (MC185 once, not twice): what two runs in a row report.
    counts = [re.search(r'Fixed (\d+) findings? in (\d+) files?', r.stderr)
              for r in (together, first, second)]
    assert all(counts), together.stderr + first.stderr + second.stderr
    numbers = [(int(m[1]), int(m[2])) for m in counts if m]
    assert numbers[0] == (numbers[1][0] + numbers[2][0], numbers[1][1] + numbers[2][1])
