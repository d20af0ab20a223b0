"""CONTRIBUTING.md's worked example, followed step by step in a copy of the repository, adds a rule.

The test reads the guide itself: every code block introduced by a line
naming a file (`` `fixers/dockerfile/mc149_...py`: ``) is written to that
file, and every command of the ```sh blocks under "Add a rule" is run, in
order, in a copy of the repository's files. ``.venv/bin/python`` there is
this interpreter running the copy's own modcon, as ``pip install -e .`` in the
copy would (the package folders come from the copy's pyproject.toml);
``make test``, the whole suite, is the one command not run here. So the guide
and this test cannot drift apart: a missing doc section, a step left out, a
findings line the harness does not print or an import from a higher layer
makes it fail, as the mistakes below show.
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

ROOT = pathlib.Path(__file__).resolve().parents[1]
GUIDE = ROOT / 'CONTRIBUTING.md'
_FILE_BLOCK = re.compile(r'^`([^`\s]+)`:\n\n```[\w-]*\n(.*?)^```$', re.MULTILINE | re.DOTALL)
_SH_BLOCK = re.compile(r'^```sh\n(.*?)^```$', re.MULTILINE | re.DOTALL)
_PYTHON = '.venv/bin/python '
_WHOLE_SUITE = 'make test'

# Run the copy's modcon: its src/ first on the path, and each other package
# folder of pyproject's package-dir (modcon.fixers = fixers/) found where it says.
_SITECUSTOMIZE = '''\
import importlib.abc
import importlib.util
import pathlib
import sys
import tomllib

ROOT = pathlib.Path({root!r})
_DIRS = tomllib.loads((ROOT / 'pyproject.toml').read_text())['tool']['setuptools']['package-dir']
sys.path.insert(0, str(ROOT / _DIRS.pop('')))


class _PackageDir(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name not in _DIRS:
            return None
        folder = ROOT / _DIRS[name]
        return importlib.util.spec_from_file_location(
            name, folder / '__init__.py', submodule_search_locations=[str(folder)])


sys.meta_path.insert(0, _PackageDir())
'''


def guide_files(text: str) -> dict[str, str]:
    """The files the guide shows, by path, with their exact content."""
    return dict(_FILE_BLOCK.findall(text))


def guide_commands(text: str) -> list[str]:
    """The commands of the ```sh blocks under "## Add a rule", comments dropped."""
    section = text.split('\n## Add a rule\n', 1)[1].split('\n## ', 1)[0]
    return [shlex.join(shlex.split(line, comments=True))
            for block in _SH_BLOCK.findall(section) for line in block.splitlines()
            if shlex.split(line, comments=True)]


def _copy_repository(to: pathlib.Path) -> None:
    listed = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split('\0')):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)


def _environment(copy: pathlib.Path, boot: pathlib.Path) -> dict[str, str]:
    boot.mkdir()
    (boot / 'sitecustomize.py').write_text(_SITECUSTOMIZE.format(root=str(copy)))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('PYTEST_', 'PYTHON', 'MODCON_'))}
    env['PYTHONPATH'] = str(boot)
    env['XDG_CACHE_HOME'] = str(boot / 'cache')  # the copy's code cache: not the user's
    return env


def follow_guide(tmp: pathlib.Path, files: dict[str, str], commands: list[str],
                 ) -> tuple[pathlib.Path, list[tuple[str, subprocess.CompletedProcess[str]]]]:
    """Write ``files`` into a fresh copy and run ``commands`` there, up to the first
    that fails; returns the copy and each command with its result."""
    copy = tmp / 'repository'
    _copy_repository(copy)
    env = _environment(copy, tmp / 'boot')
    for name, body in files.items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text(body)
    results = []
    for command in commands:
        if command == _WHOLE_SUITE:
            continue  # the whole suite, of which this test is part
        assert command.startswith(_PYTHON), f'the guide runs a command this test cannot: {command}'
        argv = [sys.executable, *shlex.split(command[len(_PYTHON):])]
        done = subprocess.run(argv, cwd=copy, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=600, check=False)
        results.append((command, done))
        if done.returncode != 0:
            break
    return copy, results


TEXT = GUIDE.read_text()
FILES = guide_files(TEXT)
COMMANDS = guide_commands(TEXT)
RULE_MODULE = next(name for name in FILES if name.startswith('fixers/'))
CODE = re.search(r"code='(MC\d{3})'", FILES[RULE_MODULE])[1]  # type: ignore[index]
CASES = [name for name in FILES if '.input.' in name]

needs_git = pytest.mark.skipif(shutil.which('git') is None or not (ROOT / '.git').exists(),
                               reason='copies the repository with git ls-files')


def test_the_guide_shows_a_rule_its_cases_and_the_steps() -> None:
    assert RULE_MODULE.startswith('fixers/dockerfile/mc149_') and '@rule(' in FILES[RULE_MODULE]
    assert len(CASES) == 2 and all(c.startswith(f'tests/fixtures/{CODE}/') for c in CASES)
    assert [c for c in COMMANDS if 'modcon.rulestable --write' in c]
    assert [c for c in COMMANDS if 'test_fixtures.py' in c and CODE in c]
    assert COMMANDS[-1] == _WHOLE_SUITE


@pytest.mark.slow
@needs_git
def test_following_the_guide_adds_a_rule_that_passes_the_harness(tmp_path: pathlib.Path) -> None:
    assert CODE not in (ROOT / 'README.md').read_text(), f'{CODE} is taken: choose a free code'
    copy, results = follow_guide(tmp_path, FILES, COMMANDS)
    for command, done in results:
        assert done.returncode == 0, f'{command}\n{done.stdout}'
    assert len(results) == len(COMMANDS) - 1
    # The harness ran the guide's cases and wrote nothing: the files it shows are exact.
    harness = next(done.stdout for command, done in results if CODE in command)
    assert f'{len(CASES)} passed' in harness, harness
    for name, body in FILES.items():
        assert (copy / name).read_text() == body, f'{name} is not what the harness expects'
    # The rule is registered, documented and works from the command line.
    assert f'[{CODE}](' in (copy / 'README.md').read_text()
    assert f'\n## {CODE} numeric-stopsignal\n' in (copy / 'docs' / 'rules.md').read_text()
    (copy / 'Dockerfile').write_text('FROM debian:12-slim\nSTOPSIGNAL 15\n')
    env = _environment(copy, tmp_path / 'boot-cli')
    fixed = subprocess.run([sys.executable, '-m', 'modcon', 'fix', '--select', CODE, 'Dockerfile'],
                           cwd=copy, env=env, capture_output=True, text=True, check=False)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (copy / 'Dockerfile').read_text() == 'FROM debian:12-slim\nSTOPSIGNAL SIGTERM\n'


Steps = tuple[dict[str, str], list[str]]


def _doc_section_left_out(files: dict[str, str], commands: list[str]) -> Steps:
    assert '## Fix safety' in files[RULE_MODULE]
    return {**files, RULE_MODULE: files[RULE_MODULE].replace('## Fix safety', '')}, commands


def _docs_not_regenerated(files: dict[str, str], commands: list[str]) -> Steps:
    return files, [c for c in commands if 'modcon.rulestable' not in c]


def _findings_line_changed(files: dict[str, str], commands: list[str]) -> Steps:
    name = next(n for n in files if n.endswith('/number.findings.txt'))
    return {**files, name: files[name].replace('number', 'numeral', 1)}, commands


def _import_from_a_higher_layer(files: dict[str, str], commands: list[str]) -> Steps:
    """A rule (rank 4) that reaches into a reporter (rank 5), inside its check."""
    rule_module = files[RULE_MODULE].replace(
        '    for ins in document.instructions:\n',
        '    from modcon.reporters import text  # noqa: F401\n    for ins in document.instructions:\n', 1)
    assert rule_module != files[RULE_MODULE]
    return {**files, RULE_MODULE: rule_module}, commands


MISTAKES = {
    'a doc section left out': (_doc_section_left_out, "docstring lacks '## Fix safety'"),
    'the docs not regenerated': (_docs_not_regenerated, 'README.md differs from the registry'),
    'a findings line the harness does not print': (_findings_line_changed,
                                                   'number.findings.txt differs'),
    'an import from a higher layer': (
        _import_from_a_higher_layer,
        f'modcon.{RULE_MODULE[:-3].replace("/", ".")} (rank 4) imports modcon.reporters.text (rank 5)'),
}


@pytest.mark.slow
@needs_git
@pytest.mark.parametrize('mistake', MISTAKES)
def test_a_wrong_step_fails(mistake: str, tmp_path: pathlib.Path) -> None:
    change, message = MISTAKES[mistake]
    files, commands = change(FILES, COMMANDS)
    _copy, results = follow_guide(tmp_path, files, commands)
    command, done = results[-1]
    assert done.returncode != 0, f'{mistake}: every step passed'
    assert message in done.stdout, f'{command}\n{done.stdout}'
