"""The action never leaves ``GITHUB_WORKSPACE``, never hangs on a special file,
and answers malformed input with one ``::error`` line and exit 2.

Run as GitHub runs the container (``tests/actionkit.py``): a real git checkout,
symbolic links committed to the repository, the fake GitHub on 127.0.0.1.
"""
from __future__ import annotations

import json
import os
import pathlib

import pytest

from tests.actionkit import EXEC
from tests.actionkit import SHELL
from tests.actionkit import ActionRun
from tests.actionkit import Result
from tests.actionkit import dispatch_event
from tests.actionkit import push_event
from tests.fakegithub import FakeGitHub

SECRET = 'root:x:0:0:secret-line-from-outside\n'


def _push(fake: FakeGitHub, tmp: pathlib.Path, files: dict, inputs: dict | None = None,
          seed: dict | None = None) -> tuple[ActionRun, Result]:
    repo = fake.create_repo('octo/app', seed or {'README.md': 'hi\n'})
    before = repo.branch_sha('main')
    after = repo.commit('main', files, 'Change')
    run = ActionRun(fake, repo, tmp, event_name='push', sha=after, ref='refs/heads/main',
                    event=push_event(fake, repo, before=before, after=after), inputs=inputs)
    return run, run.run()


def _check_one_error(result: Result, *words: str) -> None:
    assert result.code == 2, result.stdout + result.stderr
    assert 'Traceback' not in result.stderr, result.stderr
    errors = [line for line in result.stdout.splitlines() if line.startswith('::error')]
    assert errors, result.stdout
    assert all(word in errors[0] for word in words), errors


def test_a_committed_link_out_of_the_workspace_is_never_read(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'passwd').write_text(SECRET)
    run, result = _push(fake_github, tmp_path / 'run', {
        'Dockerfile.pw': (str(outside / 'passwd'), '120000'),
        'Dockerfile': SHELL,
    }, inputs={'sarif_file': 'modcon.sarif'})
    assert 'secret-line' not in result.stdout + result.stderr + result.summary
    sarif = (run.workspace / 'modcon.sarif').read_text()
    assert 'secret-line' not in sarif
    assert '::error file=Dockerfile.pw,title=modcon::Dockerfile.pw: leads out of the ' \
           'workspace' in result.stdout
    # The regular Dockerfile beside it is still checked.
    assert any(a.startswith('::warning file=Dockerfile,') for a in result.annotations)
    assert result.code == 2


def test_fix_mode_never_writes_through_a_link_out(fake_github: FakeGitHub,
                                                  tmp_path: pathlib.Path) -> None:
    outside = tmp_path / 'outside'
    outside.mkdir()
    victim = outside / 'Dockerfile'
    victim.write_text(SHELL)
    run, result = _push(fake_github, tmp_path / 'run', {
        'Dockerfile': (str(victim), '120000'),
        'web/Dockerfile': SHELL,
    }, inputs={'mode': 'fix'})
    assert victim.read_text() == SHELL
    assert (run.workspace / 'web' / 'Dockerfile').read_text() == EXEC
    assert result.outputs['fixed_files'] == 'web/Dockerfile'


def test_related_dockerfiles_skip_devices_and_fifos(fake_github: FakeGitHub,
                                                     tmp_path: pathlib.Path) -> None:
    """Changed code makes the action read the Dockerfiles in its folders: a link
    to /dev/zero was read without limit (OOM), a FIFO blocked forever."""
    repo = fake_github.create_repo('octo/app', {
        'app/Dockerfile': ('/dev/zero', '120000'),
        'app/main.py': 'print(1)\n',
        'svc/main.py': 'print(1)\n',
        'svc/Dockerfile': 'FROM python:3.12-slim\nCOPY . /app\nCMD python /app/main.py\n',
    })
    before = repo.branch_sha('main')
    after = repo.commit('main', {'app/main.py': 'print(2)\n', 'svc/main.py': 'print(2)\n'})
    run = ActionRun(fake_github, repo, tmp_path, event_name='push', sha=after,
                    ref='refs/heads/main',
                    event=push_event(fake_github, repo, before=before, after=after))
    os.mkfifo(run.workspace / 'svc' / 'Containerfile')  # git cannot commit one; a step can
    result = run.run()  # run() times out after 120 s: a hang fails the test
    files = {a.split(',')[0].split('file=')[1] for a in result.annotations}
    assert 'svc/Dockerfile' in files
    assert 'Traceback' not in result.stderr


@pytest.mark.parametrize(('name', 'value', 'words'), [
    pytest.param('paths', '../outside', ('input paths', "'../outside'"), id='paths-parent'),
    pytest.param('paths', '/etc', ('input paths', "'/etc'"), id='paths-absolute'),
    pytest.param('sarif_file', '../x.sarif', ('input sarif_file',), id='sarif-parent'),
    pytest.param('config', '../modcon.toml', ('input config',), id='config-parent'),
    pytest.param('sarif_file', 'reports', ('input sarif_file', 'directory'), id='sarif-dir'),
    pytest.param('verify_grace', 'nan', ('verify_grace',), id='grace-nan'),
    pytest.param('verify_grace', '-1', ('verify_grace',), id='grace-negative'),
    pytest.param('verify_grace', 'inf', ('verify_grace',), id='grace-infinite'),
])
def test_path_inputs_stay_inside_the_workspace(fake_github: FakeGitHub, tmp_path: pathlib.Path,
                                                name: str, value: str,
                                                words: tuple[str, ...]) -> None:
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'Dockerfile').write_text(SHELL)
    (tmp_path / 'modcon.toml').write_text('select = ["MC103"]\n')
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'reports/keep': ''})
    run = ActionRun(fake_github, repo, tmp_path / 'run', event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main', inputs={name: value, 'mode': 'fix'})
    if name == 'paths':  # '../outside' from the workspace
        (tmp_path / 'run' / 'outside').symlink_to(outside)
    result = run.run()
    _check_one_error(result, *words)
    assert (outside / 'Dockerfile').read_text() == SHELL
    assert not (tmp_path / 'run' / 'x.sarif').exists()


def test_a_config_file_that_links_out_is_one_error(fake_github: FakeGitHub,
                                                   tmp_path: pathlib.Path) -> None:
    """Found by looking up the config: `.modcon.toml -> /dev/zero` was opened."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL,
                                                '.modcon.toml': ('/dev/zero', '120000')})
    run = ActionRun(fake_github, repo, tmp_path, event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main')
    _check_one_error(run.run(), '.modcon.toml', 'leads out of the workspace')


def test_an_absolute_path_inside_the_workspace_is_fine(fake_github: FakeGitHub,
                                                       tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'app/Dockerfile': SHELL, 'Dockerfile': SHELL})
    run = ActionRun(fake_github, repo, tmp_path, event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main', inputs={'mode': 'fix'})
    run.env['INPUT_PATHS'] = str(run.workspace / 'app')
    result = run.run()
    assert result.code == 0, result.stdout + result.stderr
    assert result.outputs['fixed_files'] == 'app/Dockerfile'


def test_a_link_inside_the_workspace_that_leads_out_is_refused_as_a_path_input(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'Dockerfile').write_text(SHELL)
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL,
                                                'vendored': (str(outside), '120000')})
    run = ActionRun(fake_github, repo, tmp_path / 'run', event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main', inputs={'paths': 'vendored/', 'mode': 'fix'})
    _check_one_error(run.run(), 'input paths')
    assert (outside / 'Dockerfile').read_text() == SHELL


@pytest.mark.parametrize('event', [
    {'pull_request': 'x'},
    {'pull_request': {'number': 'seven'}},
    {'pull_request': ['x'], 'number': 3},
])
def test_an_event_of_the_wrong_shape_is_one_error(fake_github: FakeGitHub, tmp_path: pathlib.Path,
                                                  event: dict) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run = ActionRun(fake_github, repo, tmp_path, event_name='pull_request', event=event,
                    sha=repo.branch_sha('main'), ref='refs/pull/1/merge')
    _check_one_error(run.run(), 'pull_request')


@pytest.mark.parametrize('event', [
    {'ref': 5, 'before': [], 'repository': 'octo/app'},
    {'ref': 'refs/heads/main', 'repository': {'default_branch': ['main']}, 'created': True},
])
def test_a_push_event_of_the_wrong_shape_is_one_error(fake_github: FakeGitHub,
                                                      tmp_path: pathlib.Path, event: dict) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run = ActionRun(fake_github, repo, tmp_path, event_name='push', event=event,
                    sha=repo.branch_sha('main'), ref='refs/heads/main')
    _check_one_error(run.run(), 'push')


@pytest.mark.parametrize('event', [
    {'action': 'created', 'issue': 'x'},
    {'action': 'created', 'issue': {'number': 1, 'pull_request': {}}, 'comment': {'user': 'x'}},
])
def test_a_comment_event_of_the_wrong_shape_is_one_error(fake_github: FakeGitHub,
                                                         tmp_path: pathlib.Path,
                                                         event: dict) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run = ActionRun(fake_github, repo, tmp_path, event_name='issue_comment', event=event,
                    sha=repo.branch_sha('main'), ref='refs/heads/main')
    _check_one_error(run.run(), 'issue_comment')


def test_fixed_files_keeps_a_name_with_a_newline_whole(fake_github: FakeGitHub,
                                                       tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'a\nb/Dockerfile': SHELL, 'c/Dockerfile': SHELL})
    run = ActionRun(fake_github, repo, tmp_path, event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main', inputs={'mode': 'fix'})
    result = run.run()
    assert result.code == 0, result.stdout + result.stderr
    lines = result.outputs['fixed_files'].split('\n')
    assert lines == [json.dumps('a\nb/Dockerfile'), 'c/Dockerfile']
    assert json.loads(lines[0]) == 'a\nb/Dockerfile'
