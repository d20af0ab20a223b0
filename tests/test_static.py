"""Static checks in `make test`: `mypy --strict` and `ruff check` pass over the tree.

Both read their settings from pyproject.toml ([tool.mypy], [tool.ruff]); both come
with the dev extras, pinned there to one minor version so a fresh clone judges the
code as it was judged when it was committed.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _link_tree(top: pathlib.Path) -> pathlib.Path:
    """``top/modcon``: src/modcon with fixers/ inside it, as the package is installed.

    pyproject's package-dir maps fixers/ to modcon.fixers; the editable install does
    it with an import hook that mypy cannot follow, so mypy reads this tree instead.
    Links, not copies: mypy reads the files of the working tree.
    """
    package = top / 'modcon'
    package.mkdir()
    for entry in (ROOT / 'src' / 'modcon').iterdir():
        # A folder left with only __pycache__ after a move would read as a namespace package.
        if entry.suffix == '.py' or (entry.is_dir() and any(entry.rglob('*.py'))):
            (package / entry.name).symlink_to(entry)
    (package / 'fixers').symlink_to(ROOT / 'fixers')
    return package


def _source_paths(report: str) -> str:
    """Name the files of the report by their place in the repository."""
    return '\n'.join(
        line.replace('modcon/fixers/', 'fixers/', 1) if line.startswith('modcon/fixers/')
        else 'src/' + line if line.startswith('modcon/') else line
        for line in report.splitlines()
    )


def test_mypy_strict_is_clean(tmp_path: pathlib.Path) -> None:
    _link_tree(tmp_path)
    result = subprocess.run(
        [sys.executable, '-m', 'mypy', '--config-file', str(ROOT / 'pyproject.toml'),
         '--cache-dir', str(ROOT / '.mypy_cache'), '-p', 'modcon'],
        cwd=tmp_path, env={**os.environ, 'MYPYPATH': str(tmp_path)},
        capture_output=True, text=True,
    )
    assert result.returncode == 0, _source_paths(result.stdout + result.stderr)
    # Every module was read: a folder mypy did not reach would pass unseen.
    shipped = [*(ROOT / 'src' / 'modcon').rglob('*.py'), *(ROOT / 'fixers').rglob('*.py')]
    assert f'no issues found in {len(shipped)} source files' in result.stdout


def test_ruff_check_is_clean() -> None:
    result = subprocess.run([sys.executable, '-m', 'ruff', 'check', '--no-cache', '.'],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
