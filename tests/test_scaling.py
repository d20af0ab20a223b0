"""Checking time is linear in the size of a Dockerfile (no timed tests: the
Python lines modcon executes are counted instead; ``benchmarks/scaling.py``
has the seconds, also for ENV, whose quadratic cost was a dict copy per line that
no line count sees)."""
from __future__ import annotations

import pathlib

import pytest

from modcon.cli.main import main
from modcon.engine.check import check_source
from modcon.engine.config import Config
from modcon.engine.fixloop import fix_source
from modcon.model import Applicability
from modcon.model import Kind
from modcon.project import MappingProject
from modcon.source import SourceFile
from tests.linecount import lines_executed


def _lines_executed(text: str, fixing: bool = False) -> int:
    def run(text: str) -> None:
        if fixing:
            fix_source(SourceFile('Dockerfile', text), Kind.DOCKERFILE, Config(),
                       Applicability.UNSAFE)
        else:
            check_source(SourceFile('Dockerfile', text), 'dockerfile', Config())

    run('FROM alpine:3\nRUN true\n')
    return lines_executed(lambda: run(text))[1]


@pytest.mark.parametrize('line', [
    pytest.param('RUN echo {i} && true\n', id='RUN'),
    pytest.param('SHELL ["/bin/sh", "-c"]\nRUN echo {i}\n', id='SHELL-and-RUN'),
    # Each of these RUNs asks for the files copied and the variables set before it.
    pytest.param('COPY requirements{i}.txt .\nRUN pip install flask\n', id='COPY-and-pip'),
    pytest.param('ENV V{i}=1\nRUN npm install\n', id='ENV-and-npm'),
    # A finding per stage: each looked up its instruction and its pragmas in a list.
    pytest.param('FROM alpine:3 AS s{i}\nCMD app {i}\n', id='findings'),
])
def test_work_grows_linearly_with_the_number_of_lines(line: str) -> None:
    def work(n: int) -> int:
        body = ''.join(line.format(i=i) for i in range(n))
        return _lines_executed(f'FROM python:3.12-slim\n{body}CMD python app.py\n')

    small, large = work(100), work(400)
    # Four times the lines: about four times the work when linear, sixteen when
    # quadratic (a scan of the stage for every RUN was).
    assert large < 6 * small, (small, large)


@pytest.mark.parametrize('build', [
    pytest.param(lambda n: ' | '.join(['cat'] * n), id='pipeline'),
    pytest.param(lambda n: ' && '.join(f'apt-get install -y p{i}' for i in range(n)),
                 id='and-chain'),
])
def test_work_grows_linearly_with_the_length_of_one_command(build) -> None:  # type: ignore[no-untyped-def]
    """Each command of a pipeline used to list the whole pipeline to find its place,
    and each command of a chain climbed to the root (the grammar nests a chain as
    deep as it is long): 20,000 `cat |` took minutes."""
    def work(n: int) -> int:
        return _lines_executed(f'FROM python:3.12-slim\nRUN {build(n)}\nCMD python app.py\n')

    small, large = work(100), work(400)
    assert large < 6 * small, (small, large)


def test_work_grows_linearly_with_a_chain_of_stages() -> None:
    """Each stage continuing the one before and copying from it: the inherited SHELL,
    platform and base image were looked up the chain for every RUN, and every stage
    copied from was laid out from the first stage (cubic, then quadratic)."""
    def work(n: int) -> int:
        stages = ''.join(f'FROM s{i - 1} AS s{i}\nCOPY --from=s{i - 1} /a /a\nRUN echo {i}\n'
                         for i in range(1, n))
        return _lines_executed(f'FROM alpine:3 AS s0\n{stages}CMD python app.py\n')

    small, large = work(100), work(400)
    assert large < 6 * small, (small, large)


@pytest.mark.parametrize('line', [
    pytest.param('FROM alpine:3 AS s{i}\nCMD app {i}\n', id='shell-form'),
    pytest.param('RUN pip install flask\n', id='pip'),
])
def test_fixing_grows_linearly_with_the_number_of_fixes(line: str) -> None:
    """Each fix was checked for a collision against every fix taken before it."""
    def work(n: int) -> int:
        body = ''.join(line.format(i=i) for i in range(n))
        return _lines_executed(f'FROM python:3.12-slim\n{body}', fixing=True)

    small, large = work(100), work(400)
    assert large < 6 * small, (small, large)


def test_work_grows_linearly_with_the_background_jobs_of_an_entrypoint_script(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """MC150 read the whole script again for each `&` in it: 2,000 took a minute."""
    monkeypatch.chdir(tmp_path)

    def work(n: int) -> int:
        (tmp_path / 'Dockerfile').write_text(
            'FROM alpine:3\nCOPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]\n')
        (tmp_path / 'start.sh').write_text('#!/bin/sh\n' + 'app &\n' * n + 'wait\n')
        status, count = lines_executed(lambda: main(['check', '--jobs', '1', 'Dockerfile']))
        assert status == 1 and 'MC301' in capsys.readouterr().out
        return count

    work(10)  # rules and grammars loaded
    small, large = work(50), work(200)
    assert large < 6 * small, (small, large)


@pytest.mark.parametrize('shape', [
    # Each RUN remembers the files copied before it: a copy of the whole map per COPY
    # line made that quadratic in memory as well as time, in C where no line count sees it.
    'COPY r{i}.txt /app/\nRUN pip install flask\n',
    # MC163 reads each requirements file through the files copied before its RUN.
    'COPY r{i}.txt /app/\nRUN pip install -r /app/r{i}.txt\n',
    # MC182 asks each RUN whether PIP_NO_CACHE_DIR is set: the ENV lines before it.
    'ENV V{i}=x\nRUN pip install flask\n',
    'ENV V{i}=x\n',
])
def test_memory_grows_linearly_with_the_build_state_the_runs_see(shape: str) -> None:
    """The state each RUN sees (variables, copied files) was a dict per version:
    20,000 ENV lines and one RUN took 5 GB, 10,000 COPY + pip -r pairs 1.4 GB."""
    import tracemalloc

    def peak(n: int) -> int:
        body = ''.join(shape.format(i=i) for i in range(n))
        text = f'FROM python:3.12-slim\n{body}RUN pip install flask\nCMD python app.py\n'
        files = {f'r{i}.txt': 'flask\n' for i in range(n)}
        tracemalloc.start()
        try:
            check_source(SourceFile('Dockerfile', text), 'dockerfile', Config(), (),
                         MappingProject(files))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(10)  # rules and grammars loaded
    small, large = peak(200), peak(800)
    assert large < 6 * small, (small, large)
