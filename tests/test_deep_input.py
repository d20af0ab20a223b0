"""Hostile nesting: thousands of `&&`, stages, `[` or `if`. The readers walk it without
recursion where a real Dockerfile could come near; beyond that a file gets one line
that says why it was not checked, never a traceback, and the other files go on."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from modcon import cli
from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.model import Kind
from modcon.readers.dockerfile.stages import Stages
from modcon.readers.dockerfile.syntax import parse
from modcon.readers.dockerfile.syntax import parse_json_array
from modcon.readers.shell.script import final_command
from modcon.readers.shell.simple_commands import read_commands
from modcon.source import SourceFile

DEEP = 3000  # three times Python's default recursion limit


def test_a_deep_json_command_is_shell_form_not_a_crash() -> None:
    text = '[' * DEEP * 10 + ']' * DEEP * 10
    assert parse_json_array(text) == (None, 'invalid-json')
    findings = check_source(SourceFile('Dockerfile', f'FROM alpine:3\nCMD {text}\n'),
                            Kind.DOCKERFILE, Config())
    assert 'MC101' in {f.rule.code for f in findings}  # shell form, as BuildKit reads it


def test_a_long_and_chain_is_read_without_recursion() -> None:
    chain = ' && '.join(f'./step{i}.sh' for i in range(DEEP))
    script = read_commands(chain)
    assert len(script.statements) == 1
    assert len(script.statements[0].members) == DEEP
    found = final_command(f'{chain} && exec python app.py')
    assert not isinstance(found, str), found
    assert found.source.raw(found.command) == 'exec python app.py'


def test_a_long_pipeline_places_each_command() -> None:
    script = read_commands(' | '.join(['cat'] * DEEP))
    assert [c.pipe_index for c in script.commands] == list(range(DEEP))
    assert {c.pipe_length for c in script.commands} == {DEEP}


def test_a_long_chain_of_stages_is_read_without_recursion() -> None:
    text = 'FROM alpine:3 AS s0\nSHELL ["/bin/bash", "-c"]\nENTRYPOINT ["tini", "--"]\n' + \
        ''.join(f'FROM s{i - 1} AS s{i}\n' for i in range(1, DEEP))
    stages = Stages(parse(text))
    assert stages.shell(stages.final) == ('/bin/bash', '-c')
    entrypoint = stages.entrypoint(stages.final)
    assert entrypoint.instruction is not None and entrypoint.instruction.line == 3


def test_a_command_nested_beyond_the_limit_is_one_line(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    nested = 'if true; then ' * 600 + 'exec app' + '; fi' * 600
    (tmp_path / 'deep.Dockerfile').write_text(f'FROM alpine:3\nCMD {nested}\n')
    (tmp_path / 'Dockerfile').write_text('FROM alpine:3\nCMD python app.py\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv('MODCON_DEBUG', raising=False)

    assert cli.main(['explain-entrypoint', 'deep.Dockerfile']) == 0
    out = capsys.readouterr().out
    assert "not followed: nested deeper than Python's recursion limit" in out

    assert cli.main(['check', 'deep.Dockerfile', 'Dockerfile']) == 2
    out, err = capsys.readouterr()
    assert err.count('\n') == 1 and 'Traceback' not in err
    assert err.startswith('modcon: error: deep.Dockerfile: nested too deeply for rule MC')
    assert 'a bug in modcon' not in err
    assert 'Dockerfile:2:1' in out  # the other file was checked


@pytest.mark.parametrize('expression', [
    pytest.param('(' * 5000 + '1' + ')' * 5000, id='brackets'),
    pytest.param('-' * 50_000 + '1', id='unary-minus'),
])
def test_python_nested_beyond_cpythons_parser_is_not_given_to_libcst(
        tmp_path: pathlib.Path, expression: str) -> None:
    """libcst's native parser overflows its stack on such code: the process died of a
    segmentation fault, taking every other file's report with it."""
    (tmp_path / 'Dockerfile').write_text('FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\n'
                                         'CMD python app.py\n')
    (tmp_path / 'app.py').write_text(f'x = {expression}\nwhile True:\n    pass\n')
    env = {k: v for k, v in os.environ.items() if k != 'MODCON_DEBUG'}
    done = subprocess.run([sys.executable, '-m', 'modcon', 'check', '.'], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1, done.stderr  # findings, and no crash
    assert 'Dockerfile:4:1' in done.stdout  # the shell-form CMD, reported
    assert done.stderr == ''


def test_an_env_that_doubles_forty_times_is_not_expanded(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`ENV A1=${A0}${A0}` forty times: expanding it would take a terabyte (the
    check never ended); past 64 KiB the value is dropped and the command not followed."""
    doubling = ''.join(f'ENV A{i}=${{A{i - 1}}}${{A{i - 1}}}\n' for i in range(1, 40))
    (tmp_path / 'Dockerfile').write_text(f'FROM python:3.12-slim\nENV A0=xx\n{doubling}'
                                         'WORKDIR /app/$A39\nCMD python $A39.py\n')
    monkeypatch.chdir(tmp_path)
    assert cli.main(['explain-entrypoint', 'Dockerfile']) == 0
    out = capsys.readouterr().out
    assert 'not followed: substitution makes $A16 longer than 64 KiB' in out
    assert cli.main(['check', 'Dockerfile']) == 1  # the other rules still report
    assert 'MC101' in capsys.readouterr().out


def test_syntax_newer_than_this_python_still_reaches_libcst(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Only nesting keeps a file from libcst: a `type` statement (Python 3.12) that an
    older interpreter's parser refuses is still read, and its missing handler found."""
    (tmp_path / 'Dockerfile').write_text('FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\n'
                                         'CMD ["python", "app.py"]\n')
    (tmp_path / 'app.py').write_text('type Number = int\n\n\ndef main():\n    while True:\n'
                                     '        pass\n\n\nif __name__ == "__main__":\n'
                                     '    main()\n')
    monkeypatch.chdir(tmp_path)
    assert cli.main(['check', '.']) == 1
    assert 'MC201' in capsys.readouterr().out
