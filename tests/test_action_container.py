"""The Action's own image, built from the project's Dockerfile and run as GitHub runs it.

GitHub runs a container action with the workspace mounted at
/github/workspace as the working directory, the event file, output and
summary files mounted under /github, the INPUT_* and GITHUB_* variables set,
and here `--network host` so that the container reaches the fake GitHub on
127.0.0.1. The base image, python:3.12.8-slim-bookworm, is a local stand-in
built from Debian packages (labelled org.modcon.stand-in): no registry is
reachable from these machines.
"""
from __future__ import annotations

import json
import pathlib
import subprocess

import jsonschema
import pytest

from modcon.containers.engine import Engine
from tests.actionkit import BAD_JSON
from tests.actionkit import SARIF_SCHEMA
from tests.actionkit import SHELL
from tests.actionkit import ActionRun
from tests.actionkit import Result
from tests.actionkit import dispatch_event
from tests.actionkit import parse_outputs
from tests.containerkit import engine
from tests.containerkit import engine_env
from tests.containerkit import stand_in
from tests.fakegithub import FakeGitHub

ROOT = pathlib.Path(__file__).resolve().parents[1]
IMAGE = 'localhost/modcon-action:test'
BASE = 'python:3.12.8-slim-bookworm'


@pytest.fixture(scope='module')
def action_image() -> tuple[Engine, str]:
    found = engine()
    stand_in(BASE)
    build = found.build(str(ROOT), tag=IMAGE, timeout=1200)
    assert build.image is not None, build.log
    return found, build.image


def run_as_github(run: ActionRun, image: str) -> Result:
    """`docker run` the way the runner starts a container action."""
    run.output.write_text('')
    run.summary.write_text('')
    home = run.tmp / 'home'
    home.mkdir(exist_ok=True)
    inside = {
        'GITHUB_EVENT_PATH': '/github/workflow/event.json',
        'GITHUB_WORKSPACE': '/github/workspace',
        'GITHUB_OUTPUT': '/github/file_commands/set_output',
        'GITHUB_STEP_SUMMARY': '/github/file_commands/step_summary',
        'HOME': '/github/home',
    }
    env = {k: v for k, v in run.env.items() if k != 'PATH'}
    env.update(inside)
    command = ['podman', 'run', '--rm', '--network', 'host', '--workdir', '/github/workspace',
               '-v', f'{run.workspace}:/github/workspace',
               '-v', f'{run.event_path}:/github/workflow/event.json:ro',
               '-v', f'{run.output}:/github/file_commands/set_output',
               '-v', f'{run.summary}:/github/file_commands/step_summary',
               '-v', f'{home}:/github/home']
    for name, value in env.items():
        command += ['-e', f'{name}={value}']
    result = subprocess.run([*command, image], env=engine_env(), capture_output=True,
                            text=True, timeout=300)
    return Result(result.returncode, result.stdout, result.stderr,
                  parse_outputs(run.output.read_text()), run.summary.read_text())


def _dispatched(fake: FakeGitHub, tmp: pathlib.Path, inputs: dict[str, str]) -> ActionRun:
    """A workflow_dispatch run on a repository with a shell-form CMD (MC101)
    and an invalid exec form (MC103)."""
    repo = fake.create_repo('octo/app', {'Dockerfile': SHELL, 'web/Dockerfile': BAD_JSON})
    return ActionRun(fake, repo, tmp, event_name='workflow_dispatch',
                     event=dispatch_event(fake, repo), sha=repo.branch_sha('main'),
                     ref='refs/heads/main', inputs=inputs)


def test_check_mode_in_the_image_annotates_summarises_and_writes_sarif_as_the_owner(
        action_image: tuple[Engine, str], fake_github: FakeGitHub,
        tmp_path: pathlib.Path) -> None:
    _, image = action_image
    run = _dispatched(fake_github, tmp_path, {'sarif_file': 'reports/modcon.sarif'})
    subprocess.run(['chown', '-R', '1001:1001', str(run.workspace)], check=True)
    result = run_as_github(run, image)
    assert result.code == 1, result.stdout + result.stderr
    files = sorted(a.split(',')[0] for a in result.annotations)
    assert files == ['::error file=web/Dockerfile', '::warning file=Dockerfile'], result.stdout
    assert 'Scanned 2' in result.summary
    sarif = run.workspace / 'reports' / 'modcon.sarif'
    log = json.loads(sarif.read_text())
    jsonschema.validate(log, SARIF_SCHEMA)
    assert sorted(r['ruleId'] for r in log['runs'][0]['results']) == ['MC101', 'MC103']
    for path in (sarif.parent, sarif):  # written by root in the container, owned by the runner
        assert (path.stat().st_uid, path.stat().st_gid) == (1001, 1001)
    assert fake_github.write_requests() == []


def test_pr_mode_in_the_image_opens_the_pull_request(
        action_image: tuple[Engine, str], fake_github: FakeGitHub,
        tmp_path: pathlib.Path) -> None:
    _, image = action_image
    run = _dispatched(fake_github, tmp_path, {'mode': 'pr'})
    result = run_as_github(run, image)
    assert result.code == 0, result.stdout + result.stderr
    [pull] = [p for p in fake_github.pulls('octo/app') if p['head']['ref'] == 'modcon/main']
    assert result.outputs['pr_number'] == str(pull['number'])
    assert 'Pull request [#' in result.summary


def test_the_image_holds_no_compilers_caches_or_tests(
        action_image: tuple[Engine, str]) -> None:
    found, image = action_image
    probe = ('for p in gcc cc c++ make ld as; do command -v $p; done; '
             'ls -d /src /root/.cache /var/lib/apt/lists/*Packages* 2>/dev/null; '
             'find /usr/local/lib -path "*/modcon*" \\( -name tests -o -name "test_*.py" '
             '-o -name __pycache__ -o -name "*.pyc" \\) 2>/dev/null; '
             'modcon --version')
    result = subprocess.run(['podman', 'run', '--rm', '--entrypoint', '/bin/sh', image,
                             '-c', probe], env=engine_env(), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [result.stdout.splitlines()[-1]], result.stdout
    assert result.stdout.startswith('modcon ')
    size, base = found.image_size(image), found.image_size(f'docker.io/library/{BASE}')
    # Recorded in docs/benchmarks.md; what the Dockerfile adds to its base is
    # git and modcon's own packages.
    print(f'action image: {size / 1e6:.0f} MB, {(size - base) / 1e6:.0f} MB over the local '
          f'stand-in for {BASE} ({base / 1e6:.0f} MB)')
    assert size - base < 300e6
