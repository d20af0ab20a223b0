"""Reports quote a bounded piece of each finding's line, however long the line."""
from __future__ import annotations

import pathlib

import pytest

from modcon.cli.main import main
from modcon.reporters import EXCERPT_WIDTH


def _quoted(output: str, number: int) -> list[str]:
    """The lines of ``output`` that quote line ``number`` of the file."""
    return [line.split(' | ', 1)[1] for line in output.splitlines()
            if line.strip().startswith(f'{number} | ')]


@pytest.fixture
def long_command(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A shell-form CMD of 2,000 `sleep 1;` before the app: a finding per sleep (MC152)."""
    monkeypatch.chdir(tmp_path)
    command = 'CMD ' + 'sleep 1; ' * 2000 + 'exec app'
    (tmp_path / 'Dockerfile').write_text(f'FROM alpine:3.20\n{command}\n')
    return command


@pytest.mark.parametrize('fmt', ['text', 'junit'])
def test_a_long_line_is_quoted_in_part_for_each_finding(
        long_command: str, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['check', '--format', fmt, 'Dockerfile']) == 1
    output = capsys.readouterr().out
    quoted = _quoted(output, 2)
    assert len(quoted) == 2000  # MC152 once per sleep
    for line in quoted:
        assert line.startswith('CMD sleep 1; ') and line.endswith('…')
        assert len(line) == EXCERPT_WIDTH + 1
    # 2,000 findings cost the report a few hundred bytes each, not the 18 KB line each.
    assert len(output) < 2000 * 1500 < 2000 * len(long_command)


def test_the_excerpt_is_taken_around_the_finding(tmp_path: pathlib.Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A minified entrypoint: the finding (MC420, a failure that exits 0) starts 5,000
    characters into its only line; the quote shows the code around it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'Dockerfile').write_text(
        'FROM node:20-slim\nCOPY server.js .\nCMD ["node", "server.js"]\n')
    handler = 'main().catch((err)=>{console.error(err);});'
    (tmp_path / 'server.js').write_text(f'var a="{"x" * 5000}";{handler}var b="{"y" * 5000}";\n')
    main(['check', '--select', 'MC420', '.'])
    [quoted] = _quoted(capsys.readouterr().out, 1)
    assert quoted.startswith('…x') and quoted.endswith('y…')
    assert handler in quoted and len(quoted) == EXCERPT_WIDTH + 2


def test_a_line_up_to_the_width_is_quoted_whole(tmp_path: pathlib.Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    command = 'CMD python app.py ' + 'a' * (EXCERPT_WIDTH - len('CMD python app.py '))
    (tmp_path / 'Dockerfile').write_text(f'FROM python:3.12-slim\n{command}\n')
    main(['check', '--select', 'MC101', 'Dockerfile'])
    assert _quoted(capsys.readouterr().out, 2) == [command]
