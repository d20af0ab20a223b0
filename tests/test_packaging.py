"""The package as users install it: layout, the wheel, and a light start-up."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tomllib
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / 'pyproject.toml').read_text())
                 ['tool']['setuptools']['packages'])
    on_disk = {'modcon.' + '.'.join(p.parent.relative_to(ROOT / 'src' / 'modcon').parts)
               for p in (ROOT / 'src' / 'modcon').rglob('__init__.py')}
    on_disk = {name.rstrip('.') for name in on_disk}
    on_disk |= {'modcon.fixers' + ''.join('.' + part for part in
                p.parent.relative_to(ROOT / 'fixers').parts)
                for p in (ROOT / 'fixers').rglob('__init__.py')}
    assert listed == on_disk


@pytest.mark.slow
def test_wheel_installs_fixers_inside_modcon(tmp_path: pathlib.Path) -> None:
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', str(ROOT), '--no-deps', '-q',
                    '-w', str(tmp_path / 'dist')], check=True, capture_output=True)
    wheel = next((tmp_path / 'dist').glob('modcon-*.whl'))
    env_dir = tmp_path / 'env'
    venv.create(env_dir, with_pip=True)
    python = env_dir / 'bin' / 'python'
    # No dependencies: a plain Dockerfile check must not need any of them.
    subprocess.run([python, '-m', 'pip', 'install', '-q', '--no-deps', str(wheel)],
                   check=True, capture_output=True)
    site = next((env_dir / 'lib').glob('python3*/site-packages'))
    assert (site / 'modcon' / 'fixers' / 'dockerfile' / 'mc101_shell_form_command.py').exists()
    assert not (site / 'fixers').exists()
    version = subprocess.run([env_dir / 'bin' / 'modcon', '--version'],
                             capture_output=True, text=True, check=True)
    assert version.stdout.startswith('modcon ')
    dockerfile = tmp_path / 'Dockerfile'
    dockerfile.write_text('FROM python:3.12-slim\nCMD python app.py\n')
    result = subprocess.run([python, '-m', 'modcon', 'check', str(dockerfile)],
                            capture_output=True, text=True,
                            env={**os.environ, 'XDG_CACHE_HOME': str(tmp_path / 'cache')})
    assert result.returncode == 1, result.stderr
    assert 'MC101' in result.stdout


def test_checking_a_dockerfile_imports_nothing_heavy(tmp_path: pathlib.Path) -> None:
    dockerfile = tmp_path / 'Dockerfile'
    dockerfile.write_text('FROM python:3.12-slim\nCMD python app.py\n'
                          'HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]\n')
    probe = (
        'import sys\n'
        'from modcon.cli import main\n'
        f'code = main(["check", {str(dockerfile)!r}])\n'
        'heavy = [m for m in ("libcst", "github", "requests", "tree_sitter", '
        '"dockerfile_parse", "dataclasses", "inspect") if m in sys.modules]\n'
        'print("HEAVY", heavy)\n'
    )
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True).stdout
    assert 'HEAVY []' in out, out
