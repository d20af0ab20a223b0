"""MC121 leaves alone the pipelines whose readers fail on an empty stream.

``fails_on_empty_input`` names readers that exit non-zero when the command
writing into them fails and leaves the pipe empty, so the step fails without
``pipefail``. Each one is run here on an empty stream, as the real program.
"""
from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest

from modcon.fixers.dockerfile._pipefail import fails_on_empty_input

STRICT = ('sha256sum -c -', 'sha256sum -c', 'sha512sum --check', 'grep "Python 3.12"',
          'grep -v numpy', 'grep -e a -e b', 'gunzip', 'gzip -d', 'zcat', 'xz -d',
          'bzip2 -d', 'apt-key add -', 'tar -xz', 'tar -x', 'tar xzf -', 'tar -xzf -',
          'tar -xz -C /tmp', 'tar --extract', 'tar -t', 'gpg --import', 'gpg --dearmor',
          'gpg --batch --dearmor -o /dev/null')
LENIENT = ('sha256sum', 'grep -c tool', 'tee /dev/null', 'sh', 'cat', 'awk "{print}"')
# Readers of a file, not of the stream: not listed (whatever they do on it).
FILES = ('tar -xzf app.tgz', 'tar -x --file=app.tar', 'tar xzf app.tgz', 'gpg --import key.asc',
         'tar -cz .')


@pytest.mark.parametrize('command', STRICT)
def test_listed_readers_fail_on_an_empty_stream(command: str) -> None:
    argv = shlex.split(command)
    assert fails_on_empty_input(tuple(argv))
    if shutil.which(argv[0]) is None:
        pytest.skip(f'needs {argv[0]}')
    status = subprocess.run(argv, input=b'', capture_output=True, timeout=20).returncode
    assert status != 0


@pytest.mark.parametrize('command', LENIENT)
def test_readers_that_pass_an_empty_stream_are_not_listed(command: str) -> None:
    argv = shlex.split(command)
    assert not fails_on_empty_input(tuple(argv))
    status = subprocess.run(argv, input=b'', capture_output=True, timeout=20).returncode
    assert status == 0 or argv[:2] == ['grep', '-c']  # `grep -c` writes "0", then exits 1


@pytest.mark.parametrize('command', ('sha256sum -c SHASUMS', 'grep tool list.txt',
                                     'grep -r tool', 'gunzip cs.gz', 'apt-key add key.asc',
                                     'sudo -u app apt-key add -'))
def test_readers_of_a_file_are_not_listed(command: str) -> None:
    assert not fails_on_empty_input(tuple(shlex.split(command)))


@pytest.mark.parametrize('command', FILES)
def test_readers_of_a_named_file_are_not_listed(command: str) -> None:
    assert not fails_on_empty_input(tuple(shlex.split(command)))
