"""The console script's code cache (modcon/code_cache.py) keeps the rules of ``.pyc`` files.

Each case runs a fresh interpreter, as every ``modcon`` command is one, on a
small package of its own in a temporary folder, and asks it which modules came
from the cache, which were imported as usual, and what their code returned.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from modcon import code_cache

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Imports the package's modules the way the console script imports modcon's.
_RUN = '''
import json, sys
import pkg
from modcon import code_cache
cache = code_cache.install('pkg', pkg.__path__[0])
for name in sys.argv[1:]:
    __import__(name)
a = sys.modules.get('pkg.a')
print(json.dumps({
    'served': sorted(cache.served), 'missed': sorted(cache.missed), 'saved': cache.save(),
    'value': a.value() if a else None,
    'loader': type(a.__loader__).__name__ if a else None,
    'file': a.__file__ if a else None, 'cached': a.__cached__ if a else None,
}))
'''


def _env(cache_home: pathlib.Path, bytecode: bool = True,
         path: pathlib.Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith('PYTHON')}
    env['XDG_CACHE_HOME'] = str(cache_home)
    if path is not None:
        env['PYTHONPATH'] = str(path)
    if not bytecode:
        env['PYTHONDONTWRITEBYTECODE'] = '1'
    return env


class Package:
    def __init__(self, root: pathlib.Path) -> None:
        self.root = root
        self.cache_home = root / 'cache'
        self.folder = root / 'pkg'
        (self.folder / 'sub').mkdir(parents=True)
        (self.folder / '__init__.py').write_text('')
        (self.folder / 'sub' / '__init__.py').write_text('')
        (self.folder / 'sub' / 'b.py').write_text('NAME = "b"\n')
        self.write_a('def value():\n    return 1\n')

    @property
    def cache(self) -> pathlib.Path:
        """The one cache file of this package (asserted one)."""
        found = list((self.cache_home / 'modcon').glob('*'))
        assert len(found) <= 1, found
        return found[0] if found else self.cache_home / 'modcon' / 'none'

    def write_a(self, text: str, mtime: int | None = None) -> None:
        path = self.folder / 'a.py'
        path.write_text(text)
        if mtime is not None:
            os.utime(path, (mtime, mtime))

    def run(self, *modules: str, bytecode: bool = True) -> dict[str, object]:
        env = _env(self.cache_home, bytecode, self.root)
        done = subprocess.run([sys.executable, '-c', _RUN, *(modules or ('pkg.a', 'pkg.sub.b'))],
                              capture_output=True, text=True, env=env, cwd=self.root, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ''
        result: dict[str, object] = json.loads(done.stdout)
        return result


@pytest.fixture
def pkg(tmp_path: pathlib.Path) -> Package:
    return Package(tmp_path)


def test_the_second_run_takes_the_modules_from_the_cache(
        pkg: Package, monkeypatch: pytest.MonkeyPatch) -> None:
    first = pkg.run()
    assert first['served'] == [] and first['missed'] == ['pkg.a', 'pkg.sub', 'pkg.sub.b']
    assert first['saved'] is True and pkg.cache.is_file()
    # In the user's cache folder, named for the interpreter and the package's folder;
    # nothing is added to the package (pip uninstall would leave it behind).
    assert pkg.cache.name.startswith(f'code-{sys.implementation.cache_tag}-')
    assert pkg.cache.stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv('XDG_CACHE_HOME', str(pkg.cache_home))
    assert str(pkg.cache) == code_cache.cache_file(str(pkg.folder))
    assert sorted(p.name for p in (pkg.folder / '__pycache__').iterdir()) == [
        f'__init__.{sys.implementation.cache_tag}.pyc', f'a.{sys.implementation.cache_tag}.pyc']
    second = pkg.run()
    assert second['served'] == ['pkg.a', 'pkg.sub', 'pkg.sub.b'] and second['missed'] == []
    assert second['saved'] is False  # nothing new: the file is not written again
    assert second['loader'] == 'CachedLoader' and second['value'] == 1
    # The module looks as it would without the cache: its source file and .pyc.
    assert second['file'] == first['file'] == str(pkg.folder / 'a.py')
    assert second['cached'] == first['cached']


def test_an_edited_module_runs_its_new_source(pkg: Package) -> None:
    pkg.run()
    pkg.write_a('def value():\n    return 22\n', mtime=2_000_000_000)  # another size
    edited = pkg.run()
    assert edited['value'] == 22 and 'pkg.a' in edited['missed']
    assert edited['served'] == ['pkg.sub', 'pkg.sub.b'] and edited['saved'] is True
    again = pkg.run()
    assert again['value'] == 22 and again['served'] == ['pkg.a', 'pkg.sub', 'pkg.sub.b']
    # The same size, a later modification time: the .pyc rule (mtime and size) sees it.
    pkg.write_a('def value():\n    return 33\n', mtime=2_000_000_100)
    same_size = pkg.run()
    assert same_size['value'] == 33 and 'pkg.a' in same_size['missed']
    assert pkg.run()['value'] == 33


def test_modules_a_run_did_not_import_stay_in_the_cache(pkg: Package) -> None:
    pkg.run('pkg.a')
    assert pkg.run('pkg.a')['missed'] == []
    with_b = pkg.run('pkg.sub.b')  # a run that needs other modules adds them
    assert with_b['missed'] == ['pkg.sub', 'pkg.sub.b'] and with_b['saved'] is True
    assert pkg.run()['served'] == ['pkg.a', 'pkg.sub', 'pkg.sub.b']
    # A run that writes the cache again (a.py changed) without importing pkg.sub at all
    # keeps its modules: one command's run does not throw out another's.
    pkg.write_a('def value():\n    return 5\n', mtime=2_000_000_000)
    only_a = pkg.run('pkg.a')
    assert only_a['missed'] == ['pkg.a'] and only_a['saved'] is True
    assert pkg.run()['served'] == ['pkg.a', 'pkg.sub', 'pkg.sub.b']


def test_without_bytecode_nothing_is_written_and_a_cache_is_still_read(pkg: Package) -> None:
    first = pkg.run(bytecode=False)
    assert first['saved'] is False and not pkg.cache.exists()
    assert first['value'] == 1
    pkg.run()
    later = pkg.run(bytecode=False)
    assert later['served'] == ['pkg.a', 'pkg.sub', 'pkg.sub.b'] and later['value'] == 1


@pytest.mark.parametrize('damage', ['empty', 'garbage', 'half', 'short-code', 'other-python'])
def test_a_damaged_cache_is_passed_over_and_written_again(pkg: Package, damage: str) -> None:
    pkg.run()
    data = pkg.cache.read_bytes()
    damaged = {
        'empty': b'',
        'garbage': os.urandom(len(data)),
        'half': data[:len(data) // 2],
        'short-code': data[:-3],
        'other-python': data.replace(' '.join(sys.version.split()).encode(), b'3.0.0 (elsewhere)', 1),
    }[damage]
    assert damaged != data
    pkg.cache.write_bytes(damaged)
    run = pkg.run()
    assert run['value'] == 1 and run['saved'] is True
    assert pkg.run()['served'] == ['pkg.a', 'pkg.sub', 'pkg.sub.b']


def test_a_cache_others_may_write_is_not_read(pkg: Package) -> None:
    pkg.run()
    pkg.cache.chmod(0o620)
    shared = pkg.run()
    assert shared['served'] == [] and shared['value'] == 1


@pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() != 0, reason='chown needs root')
def test_a_cache_of_another_user_is_not_read(pkg: Package) -> None:
    pkg.run()
    os.chown(pkg.cache, 65534, 65534)
    theirs = pkg.run()
    assert theirs['served'] == [] and theirs['value'] == 1


def test_a_missing_home_is_not_made_for_a_cache(pkg: Package) -> None:
    env = _env(pkg.cache_home, path=pkg.root)
    del env['XDG_CACHE_HOME']
    env['HOME'] = str(pkg.root / 'no-such-home')
    done = subprocess.run([sys.executable, '-c', _RUN, 'pkg.a'], capture_output=True, text=True,
                          env=env, cwd=pkg.root, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)['saved'] is False, done.stderr
    assert not (pkg.root / 'no-such-home').exists()


def test_each_copy_of_the_package_has_a_cache_of_its_own(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    one = code_cache.cache_file(str(tmp_path / 'venv-a' / 'modcon'))
    other = code_cache.cache_file(str(tmp_path / 'venv-b' / 'modcon'))
    assert one != other and os.path.dirname(one) == str(tmp_path / 'cache' / 'modcon')
    assert code_cache.cache_file(str(tmp_path / 'venv-a' / 'modcon')) == one
    # A relative XDG_CACHE_HOME is ignored, as the XDG spec says.
    monkeypatch.setenv('XDG_CACHE_HOME', 'relative/cache')
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    assert code_cache.cache_file(str(tmp_path)).startswith(str(tmp_path / 'home' / '.cache' / 'modcon'))


def test_the_caches_of_copies_that_are_gone_are_removed(pkg: Package) -> None:
    pkg.run()
    mine = pkg.cache
    gone = mine.with_name('code-gone.bin')
    gone.write_bytes(mine.read_bytes().replace(str(pkg.folder).encode(), b'/no/such/venv/pkg', 1))
    kept = mine.with_name('code-kept.bin')
    kept.write_bytes(mine.read_bytes())
    other = mine.with_name('notes.txt')
    other.write_text('not a cache')
    old_tmp, new_tmp = mine.with_name('code-a.bin.1.tmp'), mine.with_name('code-b.bin.2.tmp')
    old_tmp.write_bytes(b'half')
    new_tmp.write_bytes(b'half')
    os.utime(old_tmp, (1_000_000_000, 1_000_000_000))
    pkg.write_a('def value():\n    return 4\n', mtime=2_000_000_000)
    assert pkg.run()['saved'] is True  # the pruning comes with a write
    left = sorted(p.name for p in mine.parent.iterdir())
    assert left == sorted([mine.name, 'code-kept.bin', 'notes.txt', 'code-b.bin.2.tmp'])


def test_a_traceback_through_a_cached_module_shows_its_source_line(pkg: Package) -> None:
    pkg.write_a('def value():\n    raise LookupError("from a")\n')
    run = [sys.executable, '-c', _RUN, 'pkg.a']
    env = _env(pkg.cache_home, path=pkg.root)
    subprocess.run(run, capture_output=True, env=env, cwd=pkg.root, timeout=60)
    assert pkg.cache.is_file()
    done = subprocess.run(run, capture_output=True, text=True, env=env, cwd=pkg.root, timeout=60)
    assert done.returncode == 1
    assert 'raise LookupError("from a")' in done.stderr
    assert f'File "{pkg.folder / "a.py"}", line 2, in value' in done.stderr


def test_modcon_itself_starts_from_its_cache_and_reports_the_same(tmp_path: pathlib.Path) -> None:
    """The console script (``python -m modcon``) on the development install."""
    dockerfile = tmp_path / 'Dockerfile'
    dockerfile.write_text('FROM python:3.12-slim\nCMD python app.py\n')
    probe = ('import atexit, sys\n'
             'atexit.register(lambda: print(type(sys.modules["modcon.engine.check"].__loader__)'
             '.__name__, file=sys.stderr))\n'
             'sys.argv = ["modcon", "check", "Dockerfile"]\n'
             'from modcon.__main__ import console\n'
             'console()\n')
    runs = [subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True,
                           env=_env(tmp_path / 'cache'), cwd=tmp_path, timeout=120)
            for _ in range(2)]
    assert runs[1].stderr.strip() == 'CachedLoader', runs[1].stderr
    assert runs[0].returncode == runs[1].returncode == 1  # the shell-form CMD
    assert 'MC101' in runs[1].stdout and runs[0].stdout == runs[1].stdout
