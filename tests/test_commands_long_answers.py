"""Comment commands whose answer is long or whose wording was off (`/modcon fix`,
against the fake GitHub; events as in tests/test_commands.py)."""
from __future__ import annotations

import pathlib

from tests.actionkit import EXEC
from tests.actionkit import SHELL
from tests.actionkit import ActionRun
from tests.actionkit import Result
from tests.fakegithub import FakeGitHub
from tests.fakegithub import FakeRepo
from tests.test_commands import comment_event

REPO = 'octo/app'


def pull_with(fake: FakeGitHub, files: dict[str, str]) -> tuple[FakeRepo, int]:
    repo = fake.create_repo(REPO, {'README.md': 'hi\n'})
    fake.add_user('maintainer')
    fake.set_permission(REPO, 'maintainer', 'maintain')
    repo.create_branch('feature')
    repo.commit('feature', files, 'Add services', author_name='Contributor',
                author_email='contributor@example.com')
    return repo, fake.open_pull(REPO, 'feature', 'main', title='Add the services')


def command(fake: FakeGitHub, repo: FakeRepo, tmp: pathlib.Path, number: int,
            body: str) -> tuple[Result, int]:
    comment_id = fake.add_comment(REPO, number, body, user='maintainer')
    event = comment_event(fake, repo, number, comment_id, body, 'maintainer')
    run = ActionRun(fake, repo, tmp / f'c{comment_id}', event_name='issue_comment', event=event,
                    sha=repo.branch_sha('main') or '', ref='refs/heads/main')
    return run.run(), comment_id


def test_a_fix_with_hundreds_of_changes_is_answered(fake_github: FakeGitHub,
                                                    tmp_path: pathlib.Path) -> None:
    """Before, the commit was pushed, then GitHub refused the reply (its table of every
    change passed 65536 characters): no answer, no 🚀, and a failed step."""
    files = {f'svc{i:03d}/Dockerfile': SHELL for i in range(310)}
    repo, number = pull_with(fake_github, files)
    result, comment_id = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    assert repo.read_file('svc309/Dockerfile', 'feature') == EXEC
    [reply] = [c for c in fake_github.comments(REPO, number) if c['user'] != 'maintainer']
    assert len(reply['body']) <= 65536 and reply['body'].count('\n| `svc') == 100
    assert '... and 210 more changes' in reply['body']
    [asked] = [c for c in fake_github.comments(REPO, number) if c['id'] == comment_id]
    assert [r['content'] for r in asked['reactions']] == ['eyes', 'rocket']


def test_nothing_to_fix_for_the_unsafe_fixes_reads_right(fake_github: FakeGitHub,
                                                         tmp_path: pathlib.Path) -> None:
    repo, number = pull_with(fake_github, {'Dockerfile': EXEC})
    command(fake_github, repo, tmp_path, number, '/modcon fix --unsafe')
    reply = fake_github.comments(REPO, number)[-1]['body']
    assert 'already clean for all the fixes' in reply, reply
