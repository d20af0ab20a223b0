"""npm packages for tests that run real Node servers, installed once outside the repository.

``installed(*specs)`` installs the packages with the real ``npm`` into
``$XDG_CACHE_HOME/modcon-tests/npm/<key>`` (``~/.cache`` by default) and
returns that folder, whose ``node_modules`` a test's program can require
(set ``NODE_PATH``) and whose ``node_modules/.bin`` holds the packages'
programs. A second call, or another pytest-xdist worker, reuses it: the
install goes to a temporary folder that is renamed into place under a lock.
The test is skipped, with the reason, only when npm or the registry is not
there.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

NPM = shutil.which('npm')
# npm's words for "the registry cannot be reached" (npm/cli lib/utils/error-message.js).
_OFFLINE = ('ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'ENETUNREACH')


def cache_root() -> pathlib.Path:
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return pathlib.Path(base) / 'modcon-tests' / 'npm'


def installed(*specs: str) -> pathlib.Path:
    """The folder holding ``node_modules`` with exactly ``specs`` installed."""
    if NPM is None:
        pytest.skip('npm is not installed')
    key = hashlib.sha256('\n'.join(sorted(specs)).encode()).hexdigest()[:16]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / key
    with open(root / f'{key}.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / '.complete').exists():
            return target
        work = pathlib.Path(tempfile.mkdtemp(prefix=f'{key}-', dir=root))
        (work / 'package.json').write_text('{"private": true}\n')
        result = subprocess.run(
            [NPM, 'install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error',
             *specs], cwd=work, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
            if any(word in result.stderr for word in _OFFLINE):
                pytest.skip(f'the npm registry is not reachable: {result.stderr.strip()[:200]}')
            raise AssertionError(f'npm install {" ".join(specs)} failed:\n{result.stderr}')
        (work / '.complete').write_text(' '.join(specs) + '\n')
        shutil.rmtree(target, ignore_errors=True)
        work.rename(target)
    return target
