"""``modcon CMD ...`` builds only CMD's parser; it reads the command line as the
parser of every command does, and every help text stays what it was."""
from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

from modcon.cli.main import _COMMANDS
from modcon.cli.main import build_parser
from modcon.cli.main import main

NAMES = [name for name, _, _ in _COMMANDS]

COMMAND_LINES = [
    ['check'],
    ['check', 'a', 'b', '--format', 'json', '-j', '2', '--select', 'MC1,MC2', '--exit-zero'],
    ['check', '--', '-a'],
    ['check', '--diff'],
    ['check', '--version'],
    ['check', '--form', 'sarif'],
    ['check', '--image-facts', 'nowhere'],
    ['fix', '--diff', '--unsafe-fixes', '--ignore', 'MC101', '-o', 'report.txt', 'x'],
    ['fix', '--di'],
    ['rules', '--format', 'markdown'],
    ['rules', '--format', 'yaml'],
    ['rule'],
    ['rule', 'MC101'],
    ['rule', 'MC101', 'more'],
    ['explain-entrypoint', 'a', 'b'],
    ['verify', '--grace', '3', '--settle', '0.5', '--engine', 'namespace', 'x'],
    ['verify', '--grace', '0'],
    ['action'],
    ['action', '--input'],
]


def _parse(parser_command: str | None, argv: list[str]) -> tuple[object, object, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parsed: object = vars(build_parser(parser_command).parse_args(argv))
            status: object = None
        except SystemExit as exc:
            parsed, status = None, exc.code
    return parsed, status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize('argv', COMMAND_LINES, ids=' '.join)
def test_a_command_line_reads_the_same_with_only_its_commands_parser(
        argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('COLUMNS', '80')
    assert _parse(argv[0], argv) == _parse(None, argv)


@pytest.mark.parametrize('name', NAMES)
def test_each_commands_help_is_the_same_from_its_own_parser(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('COLUMNS', '100')
    alone = _parse(name, [name, '--help'])
    assert alone == _parse(None, [name, '--help'])
    assert alone[1] == 0 and alone[2].startswith(f'usage: modcon {name} [-h]')


def test_the_top_help_lists_every_command_with_its_summary_however_asked() -> None:
    for argv in (['--help'], ['-h', 'check']):
        done = subprocess.run([sys.executable, '-m', 'modcon', *argv], capture_output=True,
                              text=True, env={'COLUMNS': '200'}, check=False)
        assert done.returncode == 0
        for name, summary, _ in _COMMANDS:
            assert f'    {name}' in done.stdout
            assert summary in done.stdout


def test_a_wrong_command_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(['chek', 'Dockerfile'])
    assert exited.value.code == 2
    listed = ', '.join(repr(name) for name in NAMES)
    assert capsys.readouterr().err == (f"modcon: error: argument COMMAND: invalid choice: 'chek' "
                                       f'(choose from {listed}) (see `modcon --help`)\n')
