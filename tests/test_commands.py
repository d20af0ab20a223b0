"""`/modcon fix` and the other comment commands, against the fake GitHub.

Events are GitHub's ``issue_comment.created`` example with the
``issue.pull_request`` object a pull-request comment carries added (GitHub
publishes no official example of one; see tests/data/README.md). Every test
that refuses or ignores a command checks what reached the server: nothing
at all for ignored comments; for refusals, only the 😕 reaction and the reply
saying which permission is needed, never a commit, ref or pull request write.
"""
from __future__ import annotations

import copy
import pathlib
import re

import pytest

from tests.actionkit import BAD_JSON
from tests.actionkit import EXEC
from tests.actionkit import FIXED_JSON
from tests.actionkit import SHELL
from tests.actionkit import ActionRun
from tests.actionkit import Result
from tests.actionkit import payload
from tests.fakegithub import FakeGitHub
from tests.fakegithub import FakeRepo

REPO = 'octo/app'


def comment_event(fake: FakeGitHub, repo: FakeRepo, number: int, comment_id: int, body: str,
                  login: str, *, action: str = 'created', user_type: str = 'User',
                  on_pull: bool = True, association: str = 'COLLABORATOR') -> dict:
    event = copy.deepcopy(payload('issue_comment.created'))
    event['action'] = action
    event['repository'].update({'full_name': repo.full_name, 'name': repo.name})
    event['issue']['number'] = number
    if on_pull:  # derived: what a comment on a pull request adds to the issue object
        event['issue']['pull_request'] = {
            'url': f'{fake.api_url}/repos/{REPO}/pulls/{number}',
            'html_url': f'{fake.server_url}/{REPO}/pull/{number}',
            'diff_url': f'{fake.server_url}/{REPO}/pull/{number}.diff',
            'patch_url': f'{fake.server_url}/{REPO}/pull/{number}.patch',
            'merged_at': None,
        }
    event['comment'].update({'id': comment_id, 'body': body, 'author_association': association})
    event['comment']['user'] = {**event['comment']['user'], 'login': login, 'type': user_type}
    event['sender'] = {**event['sender'], 'login': login, 'type': user_type}
    return event


def setup(fake: FakeGitHub, files: dict | None = None, *, branch_files: dict | None = None,
          branch: str = 'feature') -> tuple[FakeRepo, int]:
    repo = fake.create_repo(REPO, {'README.md': 'hi\n', **(files or {})})
    for login, role in (('maintainer', 'maintain'), ('writer', 'write'), ('reader', 'read'),
                        ('member', 'read'), ('outsider', None)):
        fake.add_user(login)
        if role:
            fake.set_permission(REPO, login, role)
    repo.create_branch(branch)
    repo.commit(branch, branch_files or {'Dockerfile': SHELL}, 'Add a Dockerfile',
                author_name='Contributor', author_email='contributor@example.com')
    return repo, fake.open_pull(REPO, branch, 'main', title='Add the service')


def command(fake: FakeGitHub, repo: FakeRepo, tmp: pathlib.Path, number: int, body: str,
            login: str = 'maintainer', **event_options: object) -> tuple[Result, int]:
    comment_id = fake.add_comment(REPO, number, body, user=login)
    event = comment_event(fake, repo, number, comment_id, body, login, **event_options)  # type: ignore[arg-type]
    main = repo.branch_sha('main')
    assert main
    run = ActionRun(fake, repo, tmp / f'c{comment_id}', event_name='issue_comment', event=event,
                    sha=main, ref='refs/heads/main')
    result = run.run()
    assert fake.token not in result.stdout + result.stderr + result.summary
    return result, comment_id


def reactions(fake: FakeGitHub, comment_id: int) -> list[str]:
    for comment in fake.comments(REPO):
        if comment['id'] == comment_id:
            return [r['content'] for r in comment['reactions']]
    raise AssertionError(f'no comment {comment_id}')


def replies(fake: FakeGitHub, number: int) -> list[str]:
    return [c['body'] for c in fake.comments(REPO, number) if c['user'] == fake.bot.login]


def repository_writes(fake: FakeGitHub) -> list[str]:
    return [f'{r.method} {r.path}' for r in fake.write_requests()
            if '/reactions' not in r.path and not re.search(r'/issues/\d+/comments$', r.path)
            and '/issues/comments/' not in r.path]


def test_a_maintainer_gets_the_fix_committed_on_the_branch(fake_github: FakeGitHub,
                                                           tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github, branch_files={'Dockerfile': SHELL, 'web/Dockerfile': BAD_JSON})
    head = repo.branch_sha('feature')
    result, comment_id = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    commit = repo.commits('feature')[0]
    assert commit.parents == (head,) and commit.verified
    assert commit.message.startswith('modcon: fix 2 findings (MC101, MC103)')
    assert repo.read_file('Dockerfile', 'feature') == EXEC
    assert repo.read_file('web/Dockerfile', 'feature') == FIXED_JSON
    assert reactions(fake_github, comment_id) == ['eyes', 'rocket']
    reply = replies(fake_github, number)
    assert len(reply) == 1
    assert f'/commit/{commit.sha}' in reply[0] and '### MC101' in reply[0]
    assert '#1a-react-to-signals' in reply[0]
    from tests.test_bot import assert_reads_well

    assert_reads_well(reply[0], (f'{fake_github.server_url}/{REPO}/commit/{commit.sha}',))


def test_refusals_write_nothing_but_the_answer(fake_github: FakeGitHub,
                                               tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github)
    head = repo.branch_sha('feature')
    cases = [('reader', 'read'), ('outsider', 'read'), ('member', 'read')]  # public repo
    for login, permission in cases:
        fake_github.reset_log()
        result, comment_id = command(fake_github, repo, tmp_path, number, '/modcon fix',
                                     login=login, association='MEMBER')
        assert result.code == 0
        assert repository_writes(fake_github) == []
        assert reactions(fake_github, comment_id) == ['confused']
        assert f'needs write access to this repository; yours is `{permission}`' in \
            replies(fake_github, number)[-1]
    assert len(replies(fake_github, number)) == 3  # one reply per command comment
    assert repo.branch_sha('feature') == head


def test_a_refusal_never_edits_someone_elses_result(fake_github: FakeGitHub,
                                                    tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github)
    command(fake_github, repo, tmp_path, number, '/modcon fix')
    pushed = replies(fake_github, number)
    assert len(pushed) == 1 and pushed[0].split('\n')[1].startswith('Pushed ')
    fake_github.reset_log()
    _, comment_id = command(fake_github, repo, tmp_path, number, '/modcon fix',
                            login='reader')
    # The refusal is a reply of its own: one reaction and one new comment, no edit.
    assert [f'{r.method} {r.path.rsplit("/", 1)[-1]}' for r in fake_github.write_requests()] == \
        ['POST reactions', 'POST comments']
    assert reactions(fake_github, comment_id) == ['confused']
    now = replies(fake_github, number)
    assert now[0] == pushed[0] and 'needs write access' in now[1] and len(now) == 2


def test_a_failed_permission_lookup_means_no(fake_github: FakeGitHub,
                                             tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github)
    fake_github.fail('GET', r'/collaborators/maintainer/permission$', status=502, times=None)
    fake_github.reset_log()
    _, comment_id = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert repository_writes(fake_github) == []
    assert reactions(fake_github, comment_id) == ['confused']
    assert 'yours is `none`' in replies(fake_github, number)[0]


def test_other_comments_are_ignored_silently(fake_github: FakeGitHub,
                                             tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github)
    fake_github.add_user('ci-helper[bot]', type='Bot')
    fake_github.set_permission(REPO, 'ci-helper[bot]', 'write')
    cases = [
        ({'body': '/modcon fix', 'action': 'edited'}),
        ({'body': '/modcon fix', 'action': 'deleted'}),
        ({'body': '/modcon fix', 'on_pull': False}),
        ({'body': '/modcon fix', 'login': 'ci-helper[bot]', 'user_type': 'Bot'}),
        ({'body': 'Looks good. /modcon fix'}),
        ({'body': 'Looks good.\n/modcon fix'}),
        ({'body': '/modcon fix please'}),
        ({'body': '/modcon'}),
        ({'body': '/modconfix'}),
    ]
    for case in cases:
        fake_github.reset_log()
        body = case.pop('body')
        result, comment_id = command(fake_github, repo, tmp_path, number, str(body), **case)
        assert result.code == 0
        assert fake_github.write_requests() == [], case
        assert reactions(fake_github, comment_id) == []


def test_whitespace_and_case_are_tolerated(fake_github: FakeGitHub,
                                           tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github)
    result, comment_id = command(fake_github, repo, tmp_path, number,
                                 '  /MODCON   Fix  \r\nthanks!', login='writer')
    assert result.code == 0
    assert reactions(fake_github, comment_id) == ['eyes', 'rocket']
    assert repo.read_file('Dockerfile', 'feature') == EXEC


def test_help_check_and_a_clean_pull_request(fake_github: FakeGitHub,
                                              tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github, branch_files={'Dockerfile': SHELL,
                                                    'jobs/Dockerfile': 'FROM alpine:3.20\nCMD a | b\n'})
    command(fake_github, repo, tmp_path, number, '/modcon help')
    command(fake_github, repo, tmp_path, number, '/modcon check')
    texts = replies(fake_github, number)
    assert any('`/modcon fix --unsafe`' in t for t in texts)
    check = next(t for t in texts if 'findings at' in t)
    assert '2 findings at' in check and '1 can be fixed with `/modcon fix`' in check
    command(fake_github, repo, tmp_path, number, '/modcon fix')
    fake_github.reset_log()
    command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert repository_writes(fake_github) == []  # nothing more to commit
    fix_reply = replies(fake_github, number)[-1]
    assert 'already clean' in fix_reply and 'jobs/Dockerfile' in fix_reply
    assert len(replies(fake_github, number)) == 4  # help, check, fix, fix: one each


def test_a_fork_gets_suggestions_and_a_patch(fake_github: FakeGitHub,
                                             tmp_path: pathlib.Path) -> None:
    base = {'svc/Dockerfile': 'FROM python:3.12-slim\nENV A=1\nENV B=2\nENV C=3\nENV D=4\n'
                              'ENV E=5\nENV F=6\nENV G=7\nENV H=8\nENV I=9\nENV J=10\n'
                              'CMD python old.py\n'}
    repo = fake_github.create_repo(REPO, base)
    fake_github.add_user('maintainer')
    fake_github.set_permission(REPO, 'maintainer', 'maintain')
    fork = fake_github.create_fork(REPO, 'mallory/app')
    fork.create_branch('patch-1')
    fork.commit('patch-1', {'web/Dockerfile': BAD_JSON, 'svc/Dockerfile': base['svc/Dockerfile']
                            .replace('ENV A=1', 'ENV A=one')},
                'Add web', author_name='Mallory', author_email='m@example.com')
    number = fake_github.open_pull(REPO, 'mallory:patch-1', 'main', title='Add web')
    result, comment_id = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    assert fork.branch_sha('patch-1') == fork.commits('patch-1')[0].sha  # nothing pushed
    reviews = fake_github.reviews(REPO, number)
    assert len(reviews) == 1
    suggestions = reviews[0]['comments']
    assert [(c['path'], c['line']) for c in suggestions] == [('web/Dockerfile', 2)]
    assert '```suggestion\nCMD ["node", "server.js"]\n```' in suggestions[0]['body']
    reply = replies(fake_github, number)[0]
    # svc/Dockerfile's CMD is far outside the diff: it comes as a patch.
    assert 'git apply modcon.patch' in reply
    assert '-CMD python old.py\n+CMD ["python", "old.py"]' in reply
    assert reactions(fake_github, comment_id) == ['eyes', 'rocket']


def test_a_push_while_fixing_is_never_overwritten(fake_github: FakeGitHub,
                                                  tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github)
    pushed: list[str] = []
    fake_github.before('PATCH', r'/git/refs/heads/feature$', lambda: pushed.append(
        repo.commit('feature', {'NOTES.md': 'wip\n'}, 'More work', author_name='Contributor',
                    author_email='contributor@example.com')))
    result, comment_id = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert pushed and repo.branch_sha('feature') == pushed[0]
    assert repo.read_file('Dockerfile', 'feature') == SHELL
    # A refused push is no success: no 🚀, a non-zero exit, and a reply that says so.
    assert result.code == 1 and reactions(fake_github, comment_id) == ['eyes', 'confused']
    reply = replies(fake_github, number)[0]
    assert 'failed: someone pushed to feature' in reply and 'modcon never overwrites' in reply
    assert 'run the command again' in reply
    # ... and what the reply advises works: the same command again fixes the new head.
    result, comment_id = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0 and reactions(fake_github, comment_id) == ['eyes', 'rocket']
    assert repo.read_file('Dockerfile', 'feature') == EXEC
    assert repo.commits('feature')[0].parents == (pushed[0],)


def test_files_under_dot_github_are_never_changed(fake_github: FakeGitHub,
                                                  tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github, branch_files={'.github/actions/x/Dockerfile': SHELL})
    fake_github.reset_log()
    command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert repository_writes(fake_github) == []
    assert repo.read_file('.github/actions/x/Dockerfile', 'feature') == SHELL
    assert 'Files under `.github/` are never changed' in replies(fake_github, number)[0]


def test_a_retried_reply_is_posted_once(fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github)
    fake_github.apply_then_fail('POST', r'/issues/\d+/comments$')
    result, _ = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    assert len(replies(fake_github, number)) == 1


def test_injection_in_branch_names_and_titles_is_inert(fake_github: FakeGitHub,
                                                       tmp_path: pathlib.Path) -> None:
    branch = 'x";echo${IFS}pwned;#`@octocat`'
    repo, number = setup(fake_github, branch=branch)
    result, _ = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    assert repo.read_file('Dockerfile', branch) == EXEC
    reply = replies(fake_github, number)[0]
    prose = re.sub(r'(`+)(?:(?!\1).)*?\1', '', reply)
    assert '@octocat' not in prose and 'pwned' not in prose
    assert not (tmp_path / 'pwned').exists()


def test_fix_reaches_the_entrypoint_code_the_container_runs(fake_github: FakeGitHub,
                                                            tmp_path: pathlib.Path) -> None:
    repo, number = setup(fake_github, branch_files={
        'svc/Dockerfile': ('FROM alpine:3.20\nCOPY entry.sh /usr/local/bin/entry\n'
                           'ENTRYPOINT ["entry"]\nCMD ["app"]\n'),
        'svc/entry.sh': '#!/bin/sh\nset -e\necho starting\n"$@"\n',
    })
    result, _ = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    assert repo.read_file('svc/entry.sh', 'feature').endswith('exec "$@"\n')
    assert 'MC301' in replies(fake_github, number)[0]


def test_one_fix_command_makes_the_fixes_that_other_fixes_call_for(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    """The script's `exec` makes Python PID 1, which the Dockerfile then needs
    STOPSIGNAL SIGINT for: one `/modcon fix` commits both."""
    repo, number = setup(fake_github, branch_files={
        'svc/Dockerfile': ('FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\n'
                           'COPY entry.sh /entry.sh\nENTRYPOINT ["/entry.sh"]\n'
                           'CMD ["python", "-m", "http.server", "8000"]\n'),
        'svc/entry.sh': '#!/bin/sh\necho starting\n"$@"\n',
    })
    result, _ = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    assert repo.read_file('svc/entry.sh', 'feature').endswith('exec "$@"\n')
    assert 'STOPSIGNAL SIGINT\n' in repo.read_file('svc/Dockerfile', 'feature')
    again, _ = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert again.code == 0, again.stdout + again.stderr
    assert 'Nothing to fix' in replies(fake_github, number)[-1]


def test_the_commands_the_bots_pull_request_advertises_work_on_it(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    from tests.test_bot import bot_pulls
    from tests.test_bot import run_bot

    repo = fake_github.create_repo(REPO, {'Dockerfile': SHELL, 'jobs/Dockerfile': 'FROM alpine:3.20\nCMD a | b\n'})
    fake_github.add_user('maintainer')
    fake_github.set_permission(REPO, 'maintainer', 'maintain')
    run_bot(fake_github, repo, tmp_path, 'bot')
    [pull] = bot_pulls(fake_github)
    for advertised in ('/modcon fix', '/modcon check', '/modcon help'):
        assert f'`{advertised}`' in pull['body']
    fake_github.reset_log()
    result, comment_id = command(fake_github, repo, tmp_path, pull['number'], '/modcon fix')
    assert result.code == 0 and reactions(fake_github, comment_id) == ['eyes', 'rocket']
    assert repository_writes(fake_github) == []  # the bot's branch is already fixed
    assert 'already clean' in replies(fake_github, pull['number'])[-1]
    command(fake_github, repo, tmp_path, pull['number'], '/modcon check')
    assert 'No findings at' in replies(fake_github, pull['number'])[-1]  # its files are clean
    # ... and the bot's next run still finds its pull request as it left it.
    fake_github.reset_log()
    assert run_bot(fake_github, repo, tmp_path, 'again').outputs['pr_outcome'] == 'unchanged'
    assert fake_github.write_requests() == []


def test_the_readme_and_the_help_list_the_commands_the_parser_accepts() -> None:
    from modcon.github import command_table
    from modcon.github.commands import HELP
    from modcon.github.commands import parse

    readme = (pathlib.Path(__file__).parent.parent / 'README.md').read_text()
    assert command_table.markdown_table() in readme
    for command in command_table.COMMANDS:
        assert parse(f'/modcon {command.words}') == command.words
        assert f'`/modcon {command.words}`: {command.does}' in HELP
    assert parse('/modcon frobnicate') is None


@pytest.mark.parametrize('files', (
    pytest.param({'Dockerfile': ('/etc/passwd', '120000')}, id='a link out of the repository'),
    pytest.param({'Dockerfile': ('.github/docker/Dockerfile', '120000'),
                  '.github/docker/Dockerfile': SHELL}, id='a link to a file of .github/'),
    pytest.param({'Dockerfile': ('docker/Dockerfile', '120000'), 'docker/Dockerfile': SHELL},
                 id='a link to a file in the pull request'),
))
def test_a_linked_dockerfile_is_never_written_through(fake_github: FakeGitHub,
                                                      tmp_path: pathlib.Path,
                                                      files: dict) -> None:
    """GitHub answers a link to a file with the target's content: committed back at the
    link's path, the fix would replace the link with text. The link is left as it is;
    the file it points to is fixed at its own path when the pull request holds it."""
    repo, number = setup(fake_github, branch_files=files)
    result, _comment_id = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert 'Traceback' not in result.stderr, result.stderr
    assert len(replies(fake_github, number)) == 1
    assert repo.mode('Dockerfile', 'feature') == '120000'
    assert repo.read_bytes('Dockerfile', 'feature') == files['Dockerfile'][0].encode()
    if 'docker/Dockerfile' in files:
        assert repo.read_file('docker/Dockerfile', 'feature') == EXEC
    if '.github/docker/Dockerfile' in files:
        assert repo.read_file('.github/docker/Dockerfile', 'feature') == SHELL



def test_untrusted_names_are_inert_in_the_fix_commit(fake_github: FakeGitHub,
                                                     tmp_path: pathlib.Path) -> None:
    """GitHub links `#1` and `@name` in commit messages, and `fixes #1` closes issue 1 once
    the commit reaches the default branch; a line break could start a trailer."""
    name = 'svc/fixes #1 @octocat\nCo-authored-by: Mallory <m@example.com>/Dockerfile'
    repo, number = setup(fake_github, branch_files={name: SHELL})
    result, _ = command(fake_github, repo, tmp_path, number, '/modcon fix')
    assert result.code == 0, result.stdout + result.stderr
    message = repo.commits('feature')[0].message
    assert message.startswith('modcon: fix 1 findings')
    assert '#1' not in message and '@octocat' not in message
    assert '\nCo-authored-by:' not in message


@pytest.mark.parametrize(('body', 'command'), (
    ('/modcon fix', 'fix'),
    ('  /MODCON   Fix  \r\nthanks!', 'fix'),
    ('\n\n/modcon check\nmore lines', 'check'),
    ('/modcon fix\u2028please', None),  # one line on GitHub: trailing text
    ('/modcon fix\x0bmore', None),
    ('    /modcon fix', None),  # an indented code block
    ('\t/modcon fix', None),
    ('/modcon fix please', None),
))
def test_a_command_is_exactly_the_first_line_as_github_shows_it(body: str,
                                                                command: str | None) -> None:
    from modcon.github.commands import parse

    assert parse(body) == command
