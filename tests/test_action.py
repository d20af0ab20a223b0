"""The action in `check` and `fix` mode, run as GitHub runs the container.

Each test starts ``python -m modcon action`` with the variables the runner
sets, a real git checkout as the workspace, events built from GitHub's
payload examples, and the fake GitHub on 127.0.0.1 behind ``GITHUB_API_URL``.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess

import jsonschema
import pytest

from tests.actionkit import BAD_JSON
from tests.actionkit import EXEC
from tests.actionkit import SARIF_SCHEMA
from tests.actionkit import SHELL
from tests.actionkit import ActionRun
from tests.actionkit import dispatch_event
from tests.actionkit import pull_request_event
from tests.actionkit import push_event
from tests.fakegithub import FakeGitHub


def _files(result_summary: str) -> int:
    line = next(ln for ln in result_summary.splitlines() if ln.startswith('Scanned '))
    return int(line.split()[1])


def test_pull_request_scans_only_the_changed_dockerfiles(fake_github: FakeGitHub,
                                                          tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'api/Dockerfile': EXEC,
                                                'untouched/Dockerfile': SHELL})
    repo.create_branch('feature')
    repo.commit('feature', {'api/Dockerfile': BAD_JSON, 'README.md': 'hi\n'}, 'Change api')
    number = fake_github.open_pull('octo/app', 'feature', 'main')
    head = repo.branch_sha('feature')
    run = ActionRun(fake_github, repo, tmp_path, event_name='pull_request',
                    event=pull_request_event(fake_github, repo, number), sha=head,
                    ref=f'refs/pull/{number}/merge', inputs={'sarif_file': 'reports/modcon.sarif'})
    result = run.run()
    assert result.code == 1, result.stdout + result.stderr
    assert result.annotations == [
        next(a for a in result.annotations if a.startswith('::error file=api/Dockerfile,line=2,')),
    ]
    assert 'title=MC103 invalid-exec-form::' in result.annotations[0]
    assert result.outputs['findings'] == '1'
    assert result.outputs['sarif_file'] == 'reports/modcon.sarif'
    log = json.loads((run.workspace / 'reports' / 'modcon.sarif').read_text())
    jsonschema.validate(log, SARIF_SCHEMA)
    assert [r['ruleId'] for r in log['runs'][0]['results']] == ['MC103']
    assert _files(result.summary) == 1
    assert '(pull request #\u200b1: 2 changed files)' in result.summary
    assert '[1a React to signals](https://github.com/modcon/modcon/blob/main/docs/properties.md' \
           '#1a-react-to-signals)' in result.summary
    assert fake_github.write_requests() == []  # check mode writes nothing


def test_fail_on_follows_the_input(fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    sha = repo.branch_sha('main')
    for fail_on, code in (('warning', 1), ('error', 0), ('none', 0), ('info', 1)):
        run = ActionRun(fake_github, repo, tmp_path / fail_on, event_name='workflow_dispatch',
                        event=dispatch_event(fake_github, repo), sha=sha, ref='refs/heads/main',
                        inputs={'fail_on': fail_on})
        assert run.run().code == code, fail_on


def test_push_new_branch_force_push_tag_and_deletion(fake_github: FakeGitHub,
                                                      tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'a/Dockerfile': SHELL, 'b/Dockerfile': SHELL})
    base = repo.branch_sha('main')
    repo.create_branch('topic')
    first = repo.commit('topic', {'c/Dockerfile': SHELL}, 'Add c')

    def scanned(name: str, event: dict, sha: str, ref: str) -> tuple[int, str]:
        run = ActionRun(fake_github, repo, tmp_path / name, event_name='push', event=event,
                        sha=sha, ref=ref, checkout=sha)
        result = run.run()
        assert result.code in (0, 1), result.stdout + result.stderr
        return _files(result.summary), result.summary

    # A new branch: compared with the default branch.
    count, text = scanned('new', push_event(fake_github, repo, before='0' * 40, after=first,
                                            branch='topic', created=True), first,
                          'refs/heads/topic')
    assert count == 1 and 'new branch topic against main' in text
    # An ordinary push: before..after.
    second = repo.commit('topic', {'a/Dockerfile': EXEC}, 'Fix a')
    count, text = scanned('push', push_event(fake_github, repo, before=first, after=second,
                                             branch='topic'), second, 'refs/heads/topic')
    assert count == 1 and 'push to topic' in text
    # A force push onto a different history: GitHub compares from the merge base.
    repo.set_ref('refs/heads/topic', base)
    rewritten = repo.commit('topic', {'b/Dockerfile': BAD_JSON}, 'Rewrite')
    count, text = scanned('force', push_event(fake_github, repo, before=second, after=rewritten,
                                              branch='topic', forced=True), rewritten,
                          'refs/heads/topic')
    assert count == 1 and '(force push)' in text
    # A tag: every file.
    count, text = scanned('tag', push_event(fake_github, repo, before='0' * 40, after=base,
                                            ref='refs/tags/v1', created=True), base,
                          'refs/tags/v1')
    assert count == 2 and 'tag v1: every file' in text
    # A deleted branch: nothing.
    count, text = scanned('deleted', push_event(fake_github, repo, before=rewritten,
                                                after='0' * 40, branch='topic', deleted=True),
                          base, 'refs/heads/topic')
    assert count == 0 and 'Nothing scanned' in text


def test_changed_entrypoint_code_scans_the_dockerfile_that_copies_it(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {
        'svc/Dockerfile': 'FROM python:3.12-slim\nCOPY app/ /app/\nCMD python /app/main.py\n',
        'svc/app/main.py': 'print(1)\n',
        'other/Dockerfile': 'FROM python:3.12-slim\nCOPY x.py /\nCMD python /x.py\n',
    })
    before = repo.branch_sha('main')
    after = repo.commit('main', {'svc/app/main.py': 'print(2)\n'}, 'Change code')
    run = ActionRun(fake_github, repo, tmp_path, event_name='push',
                    event=push_event(fake_github, repo, before=before, after=after), sha=after,
                    ref='refs/heads/main')
    result = run.run()
    assert result.code == 1
    # The Dockerfile that copies the changed code is scanned (the other is
    # not), and so is the code its container runs.
    files = {a.split(',')[0].split('file=')[1] for a in result.annotations}
    assert files == {'svc/Dockerfile', 'svc/app/main.py'}


def test_annotations_stay_within_githubs_limits(fake_github: FakeGitHub,
                                                 tmp_path: pathlib.Path) -> None:
    files = {f's{i:02d}/Dockerfile': SHELL for i in range(14)}
    files.update({f'j{i:02d}/Dockerfile': BAD_JSON for i in range(3)})
    repo = fake_github.create_repo('octo/app', files)
    run = ActionRun(fake_github, repo, tmp_path, event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main')
    result = run.run()
    warnings = [a for a in result.annotations if a.startswith('::warning ')]
    errors = [a for a in result.annotations if a.startswith('::error ')]
    assert len(warnings) == 10 and len(errors) == 3
    assert '4 more findings are not shown as annotations' in result.summary
    assert result.outputs['findings'] == '17'


def test_fix_mode_rewrites_the_workspace_for_the_user(fake_github: FakeGitHub,
                                                       tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'web/Dockerfile': BAD_JSON})
    run = ActionRun(fake_github, repo, tmp_path, event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main', inputs={'mode': 'fix'})
    result = run.run()
    assert result.code == 0, result.stdout + result.stderr
    assert (run.workspace / 'Dockerfile').read_text() == EXEC
    assert (run.workspace / 'web' / 'Dockerfile').read_text().endswith('CMD ["node", "server.js"]\n')
    assert result.outputs['fixed_files'].split('\n') == ['Dockerfile', 'web/Dockerfile']
    assert '### Fixed (2)' in result.summary


def test_fix_mode_goes_round_until_no_file_needs_another_fix(fake_github: FakeGitHub,
                                                             tmp_path: pathlib.Path) -> None:
    """The script's `exec` makes Python PID 1, which the Dockerfile then needs
    STOPSIGNAL SIGINT for: one run writes both."""
    repo = fake_github.create_repo('octo/app', {
        'Dockerfile': ('FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nCOPY entry.sh /entry.sh\n'
                       'ENTRYPOINT ["/entry.sh"]\nCMD ["python", "-m", "http.server", "8000"]\n'),
        'entry.sh': ('#!/bin/sh\necho starting\n"$@"\n', '100755'),
    })
    run = ActionRun(fake_github, repo, tmp_path, event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main', inputs={'mode': 'fix'})
    result = run.run()
    assert result.code == 0, result.stdout + result.stderr
    assert (run.workspace / 'entry.sh').read_text().endswith('exec "$@"\n')
    assert 'STOPSIGNAL SIGINT\n' in (run.workspace / 'Dockerfile').read_text()
    assert result.outputs['fixed_files'].split('\n') == ['Dockerfile', 'entry.sh']


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to own files as another user')
def test_a_workspace_owned_by_the_runner_works_and_stays_theirs(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, '.gitignore': 'generated/\n'})
    run = ActionRun(fake_github, repo, tmp_path, event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main', inputs={'sarif_file': 'out/modcon.sarif'})
    (run.workspace / 'generated').mkdir()
    (run.workspace / 'generated' / 'Dockerfile').write_text(BAD_JSON)  # a build output
    subprocess.run(['chown', '-R', '1001:1001', str(run.workspace)], check=True)
    result = run.run()
    # git ran despite the "dubious ownership": the ignored folder was skipped.
    assert [a.split(',')[0] for a in result.annotations] == ['::warning file=Dockerfile']
    for path in (run.workspace / 'out', run.workspace / 'out' / 'modcon.sarif'):
        assert (path.stat().st_uid, path.stat().st_gid) == (1001, 1001)
    assert not (run.workspace / '.gitconfig').exists()


def test_bad_inputs_are_one_clear_error(fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run = ActionRun(fake_github, repo, tmp_path, event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main', inputs={'mode': 'deploy'})
    result = run.run()
    assert result.code == 2
    assert result.stdout == "::error title=modcon::input mode must be one of check, fix, pr, " \
                            "not 'deploy'\n"
    assert 'Traceback' not in result.stderr


def test_a_scheduled_run_scans_everything(fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'a/Dockerfile': SHELL, 'b/Dockerfile': EXEC})
    event = {'schedule': '17 5 * * 1', 'repository': dispatch_event(fake_github, repo)['repository']}
    run = ActionRun(fake_github, repo, tmp_path, event_name='schedule', event=event,
                    sha=repo.branch_sha('main'), ref='refs/heads/main')
    result = run.run()
    assert result.code == 1
    assert _files(result.summary) == 2 and 'schedule: every file' in result.summary


def test_outputs_use_a_delimiter_the_value_cannot_forge(tmp_path: pathlib.Path) -> None:
    from modcon.action.workflow import write_outputs
    from tests.actionkit import parse_outputs

    path = tmp_path / 'out'
    tricky = 'line one\nEOF\nghadelimiter_\nname=evil'
    write_outputs(str(path), {'fixed_files': tricky, 'findings': '3'})
    assert parse_outputs(path.read_text()) == {'fixed_files': tricky, 'findings': '3'}
    delimiters = [line.split('<<', 1)[1] for line in path.read_text().splitlines() if '<<' in line]
    assert len(set(delimiters)) == 2 and all(d.startswith('ghadelimiter_') for d in delimiters)


@pytest.mark.parametrize('breakage', ('nested config', 'nested event', 'no workspace'))
def test_what_the_step_is_given_broken_is_one_error_line(fake_github: FakeGitHub,
                                                         tmp_path: pathlib.Path,
                                                         breakage: str) -> None:
    """A config or event nested thousands deep (tomllib and json recurse per level) and a
    workspace that is not there: one `::error` line and exit 2, not a traceback."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run = ActionRun(fake_github, repo, tmp_path, event_name='workflow_dispatch',
                    event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                    ref='refs/heads/main')
    if breakage == 'nested config':
        (run.workspace / '.modcon.toml').write_text('a = ' + '[' * 5000 + ']' * 5000 + '\n')
    elif breakage == 'nested event':
        run.event_path.write_text('[' * 100_000 + ']' * 100_000)
    else:
        run.env['GITHUB_WORKSPACE'] = str(tmp_path / 'not-checked-out')
    result = run.run()
    assert 'Traceback' not in result.stderr, result.stderr
    assert result.code == 2
    [line] = result.stdout.splitlines()
    assert line.startswith('::error title=modcon::')


@pytest.mark.parametrize(('prefix', 'valid'), (
    ('modcon', True), ('modcon/', True), ('team/modcon', True), ('ünï', True), ('end.', True),
    ('.hidden', False), ('a@{b', False), ('x.lock', False), ('modcon//x', False), ('/', False),
    ('bot\x01', False), ('-x', False), ('a..b', False), ('a b', False), ('a:b', False),
))
def test_the_branch_prefix_is_checked_by_gits_rules(prefix: str, valid: bool) -> None:
    """A prefix git refuses is one clear error before anything is written (it got past,
    and the run wrote trees and commits before GitHub refused the branch)."""
    from modcon.action.inputs import read_inputs
    from modcon.errors import ConfigError

    env = {'INPUT_GITHUB_TOKEN': 't', 'INPUT_PR_BRANCH_PREFIX': prefix}
    if valid:
        assert read_inputs(env).pr_branch_prefix == prefix
    else:
        with pytest.raises(ConfigError, match='pr_branch_prefix is not a valid branch name'):
            read_inputs(env)
