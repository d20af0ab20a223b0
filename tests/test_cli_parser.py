"""``modcon CMD ...`` builds only CMD's parser; it reads the command line as the
parser of every command does, and every help text stays what it was. A line of
only ``check`` or ``fix`` and paths, read without argparse (cli/plain.py), means
what argparse would make of it."""
from __future__ import annotations

import contextlib
import io
import pathlib
import subprocess
import sys

import pytest

from modcon.cli.main import main
from modcon.cli.parser import COMMANDS
from modcon.cli.parser import build_parser
from modcon.cli.plain import plain_arguments

NAMES = [name for name, _, _ in COMMANDS]

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
        for name, summary, _ in COMMANDS:
            assert f'    {name}' in done.stdout
            assert summary in done.stdout


def test_a_wrong_command_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(['chek', 'Dockerfile'])
    assert exited.value.code == 2
    listed = ', '.join(repr(name) for name in NAMES)
    assert capsys.readouterr().err == (f"modcon: error: argument COMMAND: invalid choice: 'chek' "
                                       f'(choose from {listed}) (see `modcon --help`)\n')


PLAIN_LINES = [
    ['check'],
    ['fix'],
    ['check', 'Dockerfile'],
    ['fix', 'a/Dockerfile', 'b', 'Dockerfile.dev', 'check', 'fix', '@list', 'x=y', ' spaced '],
    ['check', '.', '..', '/abs/path', 'caf\u00e9'],
]
NOT_PLAIN_LINES = [
    [],
    ['rules'],
    ['verify', 'x'],
    ['explain-entrypoint'],
    ['check', '-j', '2', 'x'],
    ['check', 'x', '--exit-zero'],
    ['check', '--', '-x'],
    ['check', '-'],
    ['check', '-1'],
    ['check', ''],
    ['fix', '--diff'],
    ['check', '--help'],
    ['--version'],
    ['chek', 'x'],
]


@pytest.mark.parametrize('argv', PLAIN_LINES, ids=' '.join)
def test_a_plain_command_line_means_what_argparse_reads_in_it(argv: list[str]) -> None:
    plain = plain_arguments(argv)
    assert plain is not None
    assert vars(plain) == vars(build_parser(argv[0]).parse_args(argv))
    assert vars(plain) == vars(build_parser(None).parse_args(argv))
    # The defaults are fresh each time: a run that extends one changes no other run's.
    again = plain_arguments(argv)
    assert again is not None and again.ignore is not plain.ignore and again.paths is not plain.paths


@pytest.mark.parametrize('argv', NOT_PLAIN_LINES, ids=' '.join)
def test_any_other_command_line_is_left_to_argparse(argv: list[str]) -> None:
    assert plain_arguments(argv) is None


def test_a_plain_check_does_not_import_argparse(tmp_path: pathlib.Path) -> None:
    (tmp_path / 'Dockerfile').write_text('FROM alpine:3.20\nCMD ["sleep", "1"]\n')
    probe = ('import sys\n'
             'from modcon.cli import main\n'
             'status = main(sys.argv[1:])\n'
             'print("argparse" in sys.modules, "gettext" in sys.modules, status)\n')
    for argv, imported in ((['check', 'Dockerfile'], 'False False'),
                           (['check', '--exit-zero', 'Dockerfile'], 'True True')):
        done = subprocess.run([sys.executable, '-c', probe, *argv], capture_output=True,
                              text=True, cwd=tmp_path, check=False)
        assert done.stdout.splitlines()[-1] == f'{imported} 0', done.stderr
