"""Words expanded from the image's environment, checked against a real /bin/sh."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from modcon.readers.shell.expand import Unknown
from modcon.readers.shell.expand import command_words
from modcon.readers.shell.expand import is_known
from modcon.readers.shell.script import final_command

ENV = {'PORT': '8080', 'EMPTY': '', 'OPTS': '-u  -B', 'APP': 'server.py', 'SPACED': ' a b '}
ARGS = ['python', 'app.py', 'two words']


def _words(command: str) -> list[str]:
    final = final_command(command)
    assert not isinstance(final, str), final
    return command_words(final.command, final.source, ENV, ARGS)


def _shell(command: str) -> list[str]:
    """What /bin/sh passes to the program: each argument on its own line."""
    script = f'set -- "$@"; printf "%s\\n" {command.split(" ", 1)[1]}'
    out = subprocess.run(['/bin/sh', '-c', script, 'sh', *ARGS], env={**ENV, 'PATH': '/bin'},
                         capture_output=True, text=True, check=True).stdout
    return out.splitlines()


KNOWN = [
    'python server.py --port $PORT',
    'python server.py --port ${PORT}',
    'python server.py --port "${PORT}"',
    'python server.py --port ${PORT:-9000}',
    'python server.py --port ${EMPTY:-9000} ${EMPTY-set} ${PORT:+alt} ${EMPTY:+alt}',
    'python $OPTS $APP',
    'python "$OPTS" x$APP"y"',
    'node "$@"',
    'node $@',
    'node "$*" $1 "$3"',
    'node a$EMPTY b "$EMPTY" $EMPTY c',
    'node x${SPACED}y "${SPACED}"',
    "node 'single $PORT' \"double $PORT\" esc\\$PORT",
]


@pytest.mark.skipif(shutil.which('sh') is None, reason='needs /bin/sh')
@pytest.mark.parametrize('command', KNOWN)
def test_expansion_matches_the_shell(command: str) -> None:
    words = _words(command)
    assert all(is_known(w) for w in words), words
    assert words[1:] == _shell(command)


@pytest.mark.parametrize(('command', 'unknown'), [
    ('python server.py --port $UNSET', ['$UNSET']),
    ('python server.py ${UNSET:-8080}', ['${UNSET:-8080}']),
    ('python "${UNSET}"', ['"${UNSET}"']),
    ('python $(cat /etc/app) *.py', ['$(cat /etc/app)', '*.py']),
    ('python ${APP%.py}', ['${APP%.py}']),
])
def test_what_only_the_container_knows_stays_unknown(command: str, unknown: list[str]) -> None:
    words = _words(command)
    assert [w for w in words if isinstance(w, Unknown)] == unknown
    assert words[0] == 'python'


@pytest.mark.skipif(shutil.which('sh') is None, reason='needs /bin/sh')
def test_quoted_arguments_without_arguments_make_no_word() -> None:
    final = final_command('exec app "$@" "" "$EMPTY" x"$@"')
    assert not isinstance(final, str)
    words = command_words(final.command, final.source, ENV, [])
    out = subprocess.run(['/bin/sh', '-c', 'printf "[%s]\\n" "$@" "" "$EMPTY" x"$@"', 'sh'],
                         env={'EMPTY': ''}, capture_output=True, text=True, check=True).stdout
    assert words[2:] == [line[1:-1] for line in out.splitlines()]
