"""The bot's pull request over its whole life, on one repository (`mode: pr`).

One long story, step by step, each step a real run of the action (a fresh
``python -m modcon action`` process) against the fake GitHub, with the request
log asserted: how many writes, never a forced ref update, the outcome and what
the bot said. At the points where the pull request changes, its branch is
compared with what ``modcon fix`` does on a checkout of the base branch.
"""
from __future__ import annotations

import pathlib
import subprocess
import sys
import time

from tests.actionkit import EXEC
from tests.actionkit import SHELL
from tests.actionkit import ActionRun
from tests.actionkit import Result
from tests.actionkit import dispatch_event
from tests.actionkit import push_event
from tests.fakegithub import FakeGitHub
from tests.fakegithub import FakeRepo

BRANCH = 'modcon/main'
PIPE = 'FROM alpine:3.20\nCMD worker | gzip > /out/log.gz\n'  # needs a person
APP_DOCKERFILE = ('FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nEXPOSE 8000\n'
                  'COPY main.py /app/\nCMD ["python", "/app/main.py"]\n')
SERVER = ('from http.server import HTTPServer, SimpleHTTPRequestHandler\n\n'
          'server = HTTPServer(("0.0.0.0", 8000), SimpleHTTPRequestHandler)\n'
          'try:\n    server.serve_forever()\nfinally:\n    server.server_close()\n')
FILES = {'Dockerfile': SHELL, 'app/Dockerfile': APP_DOCKERFILE, 'app/main.py': SERVER,
         'jobs/Dockerfile': PIPE, 'README.md': 'hello\n'}


def modcon_fix(repo: FakeRepo, ref: str, where: pathlib.Path) -> dict[str, str]:
    """What a local `modcon fix .` changes on a checkout of ``ref``: {path: new text}."""
    repo.clone(where)
    subprocess.run(['git', '-C', str(where), 'checkout', '-q', ref], check=True)
    before = repo.files(ref)
    subprocess.run([sys.executable, '-m', 'modcon', 'fix', '.'], cwd=where,
                   capture_output=True, check=False)
    after = {str(p.relative_to(where)): p.read_text() for p in where.rglob('*')
             if p.is_file() and '.git' not in p.parts}
    return {path: text for path, text in after.items() if before.get(path) != text}


def pull_request_changes(repo: FakeRepo) -> dict[str, str]:
    base, head = repo.files('main'), repo.files(BRANCH)
    return {path: text for path, text in head.items() if base.get(path) != text}


class Story:
    """The repository, the runs so far, and what each run sent to GitHub."""

    def __init__(self, fake: FakeGitHub, tmp: pathlib.Path) -> None:
        self.fake = fake
        self.tmp = tmp
        self.repo = fake.create_repo('octo/app', FILES)
        fake.add_user('dev')
        self.steps = 0

    def push(self, files: dict, message: str, branch: str = 'main') -> dict:
        before = self.repo.branch_sha(branch)
        after = self.repo.commit(branch, files, message, author_name='Dev',
                                 author_email='dev@example.com')
        return push_event(self.fake, self.repo, before=before or '0' * 40, after=after)

    def run(self, event: dict | None = None, **inputs: str) -> Result:
        """One workflow run on ``main``: a push ``event``, or a dispatch.

        Real runs are seconds apart, and a commit's SHA covers its time to the
        second: a run here waits for the next second, or the commits it writes
        could be the very objects a run before it wrote (the same tree, parent,
        message and second), which no real run would meet.
        """
        time.sleep(1 - time.time() % 1)
        self.steps += 1
        self.fake.reset_log()
        sha = event['after'] if event else self.repo.branch_sha('main')
        assert sha
        action = ActionRun(self.fake, self.repo, self.tmp / f'step{self.steps}',
                           event_name='push' if event else 'workflow_dispatch',
                           event=event or dispatch_event(self.fake, self.repo), sha=sha,
                           ref='refs/heads/main', inputs={'mode': 'pr', **inputs})
        result = action.run()
        assert 'Traceback' not in result.stderr, result.stderr
        assert 'MC001' not in result.stdout  # no file is ever read as what it is not
        for request in self.fake.write_requests():
            assert not (isinstance(request.body, dict) and request.body.get('force')), request
            if request.path.endswith('/pulls') or '/pulls/' in request.path:
                assert (request.body or {}).get('state') != 'open', 'a pull request reopened'
        return result

    def writes(self) -> list[str]:
        return [f'{r.method} {r.path.split("/octo/app", 1)[1]}' for r in self.fake.write_requests()]

    def pulls(self) -> list[dict]:
        return [p for p in self.fake.pulls('octo/app') if p['head']['ref'] == BRANCH]

    def comments(self, number: int) -> list[str]:
        return [c['body'] for c in self.fake.comments('octo/app', number)]


def test_the_pull_request_stays_right_over_its_whole_life(fake_github: FakeGitHub,
                                                          tmp_path: pathlib.Path) -> None:
    story = Story(fake_github, tmp_path)
    repo = story.repo

    # 1. Open: the pull request holds exactly what `modcon fix` does on main,
    # the Python entrypoint's fix included; what needs a person fails nothing.
    result = story.run()
    assert result.code == 0, result.stdout + result.stderr
    assert result.outputs['pr_outcome'] == 'opened'
    expected = modcon_fix(repo, 'main', tmp_path / 'local1')
    assert set(expected) == {'Dockerfile', 'app/main.py'}
    assert pull_request_changes(repo) == expected
    assert result.outputs['fixed_files'].split('\n') == ['Dockerfile', 'app/main.py']
    [first] = story.pulls()

    # 2. The same event again: nothing to write.
    result = story.run()
    assert result.outputs['pr_outcome'] == 'unchanged' and story.writes() == []

    # 3. A push that touches nothing modcon reads, run twice: nothing to write.
    unrelated = story.push({'README.md': 'hello again\n'}, 'Docs')
    for _ in range(2):
        result = story.run(unrelated)
        assert result.outputs['pr_outcome'] == 'unchanged' and story.writes() == [], \
            story.writes()

    # 4. A partial hand fix on main: the pull request keeps only what is left,
    # and a re-run of that push writes nothing.
    partial = story.push({'Dockerfile': EXEC}, 'Fix the root image by hand')
    result = story.run(partial)
    assert result.outputs['pr_outcome'] == 'updated'
    assert pull_request_changes(repo) == modcon_fix(repo, 'main', tmp_path / 'local4') \
        == {'app/main.py': expected['app/main.py']}
    assert story.pulls()[0]['number'] == first['number']
    result = story.run(partial)
    assert result.outputs['pr_outcome'] == 'unchanged' and story.writes() == []

    # 5. A person commits to the bot's branch: the bot stops, says how to
    # restart, and reports nothing as fixed.
    human = repo.commit(BRANCH, {'app/NOTES.md': 'mine\n'}, 'My tweak', author_name='Dev',
                        author_email='dev@example.com')
    result = story.run(partial)
    assert result.outputs['pr_outcome'] == 'stopped'
    assert result.outputs['fixed_files'] == ''
    assert any(a.startswith('::warning title=modcon::') for a in result.annotations)
    [advice] = [c for c in story.comments(first['number']) if 'modcon:stopped' in c]
    assert 'close this pull request' in advice and 'the next run' in advice
    assert repo.branch_sha(BRANCH) == human

    # 6. Closed as advised.  7. The next run starts afresh, as the advice said,
    # and keeps the person's commit on a dated branch.
    fake_github.close_pull('octo/app', first['number'])
    result = story.run(partial)
    assert result.outputs['pr_outcome'] == 'opened', result.stdout
    second = story.pulls()[-1]
    assert second['number'] != first['number'] and second['state'] == 'open'
    kept = [ref for ref, sha in repo.refs().items() if sha == human and 'heads' in ref]
    assert len(kept) == 1 and kept[0].startswith('refs/heads/modcon/main-closed-')
    assert human not in {c.sha for c in repo.commits(BRANCH)}
    assert pull_request_changes(repo) == {'app/main.py': expected['app/main.py']}
    assert any(f'#{second["number"]}' in c and kept[0][len('refs/heads/'):] in c
               for c in story.comments(first['number']))

    # 8. A person deletes the branch (GitHub closes the pull request) and, in
    # the meantime, Actions lost the right to open pull requests: the run fails
    # with one error that names the setting, after a few writes.
    repo.delete_branch(BRANCH)
    assert story.pulls()[-1]['state'] == 'closed'
    fake_github.set_actions_can_open_pulls('octo/app', False)
    result = story.run(partial)
    assert result.code == 2 and result.outputs['pr_outcome'] == 'failed'
    errors = [a for a in result.annotations if a.startswith('::error')]
    assert len(errors) == 1
    assert 'Allow GitHub Actions to create and approve pull requests' in errors[0]
    assert len(story.writes()) <= 5, story.writes()
    assert story.writes()[-1] == 'POST /pulls'

    # 9. The setting is turned on; the next run adopts the branch left behind.
    fake_github.set_actions_can_open_pulls('octo/app', True)
    result = story.run(partial)
    assert result.code == 0 and result.outputs['pr_outcome'] == 'opened'
    assert story.writes() == ['POST /pulls', 'POST /issues/{}/labels'.format(
        story.pulls()[-1]['number'])]
    third = story.pulls()[-1]

    # 10. Merged.  11. The merge's push finds the base fixed: nothing to fix, the
    # merged pull request stays merged, the leftover branch goes.
    before = repo.branch_sha('main')
    merge = fake_github.merge_pull('octo/app', third['number'])
    result = story.run(push_event(fake_github, repo, before=before or '', after=merge))
    assert result.code == 0, result.stdout + result.stderr  # jobs/Dockerfile needs a person
    assert result.outputs['pr_outcome'] == 'nothing'
    assert story.writes() == ['DELETE /git/refs/heads/modcon/main']
    assert [p['merged'] for p in story.pulls()] == [False, False, True]
    assert modcon_fix(repo, 'main', tmp_path / 'local11') == {}

    # 12. Nothing left: nothing written, nothing opened.
    result = story.run()
    assert result.outputs['pr_outcome'] == 'nothing' and story.writes() == []
    assert len(story.pulls()) == 3 and story.steps >= 12
