"""The bot's pull request after its first run, when events arrive out of order,
a person closes it, or a run fails half-way (`mode: pr`, against the fake GitHub).

Each step is a real run of the action (``python -m modcon action``); what GitHub
holds afterwards (branches, pull requests, comments) and what the run wrote are
asserted, as a maintainer watching the repository would see them.
"""
from __future__ import annotations

import pathlib
import time

from tests.actionkit import BAD_JSON
from tests.actionkit import EXEC
from tests.actionkit import FIXED_JSON
from tests.actionkit import SHELL
from tests.actionkit import ActionRun
from tests.actionkit import Result
from tests.actionkit import dispatch_event
from tests.actionkit import push_event
from tests.fakegithub import FakeGitHub
from tests.fakegithub import FakeRepo

BRANCH = 'modcon/main'


def run_bot(fake: FakeGitHub, repo: FakeRepo, tmp: pathlib.Path, name: str,
            sha: str | None = None, before: str | None = None, **inputs: str) -> Result:
    """One run for the push of ``sha`` (a dispatch on main's head without it).

    Waits for the next second first: a commit's SHA covers its time to the second,
    and runs here are faster than real ones (see test_bot_lifecycle.Story.run)."""
    time.sleep(1 - time.time() % 1)
    fake.reset_log()
    event = push_event(fake, repo, before=before or '0' * 40, after=sha) if sha else \
        dispatch_event(fake, repo)
    action = ActionRun(fake, repo, tmp / name, event_name='push' if sha else 'workflow_dispatch',
                       event=event, sha=sha or repo.branch_sha('main') or '',
                       ref='refs/heads/main', inputs={'mode': 'pr', **inputs})
    result = action.run()
    assert 'Traceback' not in result.stderr, result.stderr
    return result


def bot_pulls(fake: FakeGitHub) -> list[dict]:
    return [p for p in fake.pulls('octo/app') if p['head']['ref'] == BRANCH]


def push(repo: FakeRepo, files: dict, message: str) -> str:
    return repo.commit('main', files, message, author_name='Dev', author_email='dev@example.com')


def test_a_run_for_an_older_commit_never_undoes_a_newer_one(fake_github: FakeGitHub,
                                                            tmp_path: pathlib.Path) -> None:
    """Runs finish out of order, or an old run is re-run: the pull request already
    builds on main's newer commit. Before, the old run took main's own commit for a
    person's push to the bot's branch, stopped, and told the maintainers to close the
    pull request."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'README.md': 'x\n'})
    old = repo.branch_sha('main')
    assert run_bot(fake_github, repo, tmp_path, 'old', old).outputs['pr_outcome'] == 'opened'
    new = push(repo, {'web/Dockerfile': BAD_JSON}, 'Add a web image')
    assert run_bot(fake_github, repo, tmp_path, 'new', new, old).outputs['pr_outcome'] == \
        'updated'
    head = repo.branch_sha(BRANCH)
    result = run_bot(fake_github, repo, tmp_path, 'old-again', old)
    assert result.code == 0, result.stdout + result.stderr
    assert result.outputs['pr_outcome'] == 'unchanged', result.summary
    assert fake_github.write_requests() == []
    assert fake_github.comments('octo/app') == []
    assert repo.branch_sha(BRANCH) == head
    assert repo.read_file('web/Dockerfile', BRANCH) == FIXED_JSON
    assert 'newer commit of main' in result.summary

    # The next run for main's head still updates the pull request as usual.
    newest = push(repo, {'Dockerfile': EXEC}, 'Fix the root image by hand')
    result = run_bot(fake_github, repo, tmp_path, 'newest', newest, new)
    assert result.outputs['pr_outcome'] == 'updated'
    assert repo.read_file('Dockerfile', BRANCH) == EXEC


def test_a_run_for_an_older_clean_commit_does_not_close_a_newer_pull_request(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': EXEC})
    clean = repo.branch_sha('main')
    broken = push(repo, {'web/Dockerfile': BAD_JSON}, 'Add a web image')
    assert run_bot(fake_github, repo, tmp_path, 'new', broken, clean).outputs['pr_outcome'] == \
        'opened'
    result = run_bot(fake_github, repo, tmp_path, 'old', clean)
    assert result.outputs['pr_outcome'] == 'unchanged', result.summary
    assert fake_github.write_requests() == []
    assert [p['state'] for p in bot_pulls(fake_github)] == ['open']
    assert repo.read_file('web/Dockerfile', BRANCH) == FIXED_JSON


def test_a_declined_pull_request_stays_closed_when_its_files_are_edited(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    """A maintainer closes the pull request: no. Before, any later edit to a fixed
    file (another line) opened a new pull request with the very same fixes."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'README.md': 'x\n'})
    run_bot(fake_github, repo, tmp_path, 'first')
    [first] = bot_pulls(fake_github)
    fake_github.close_pull('octo/app', first['number'])
    before = repo.branch_sha('main')
    bump = push(repo, {'Dockerfile': SHELL.replace('3.20', '3.21')}, 'Bump alpine')
    for name in ('bump', 'bump-again'):
        result = run_bot(fake_github, repo, tmp_path, name, bump, before)
        assert result.outputs['pr_outcome'] == 'declined', result.summary
        assert fake_github.write_requests() == []
    assert [p['state'] for p in bot_pulls(fake_github)] == ['closed']
    # Another fix to make: a new pull request, as the outcome said.
    more = push(repo, {'web/Dockerfile': BAD_JSON}, 'Add a web image')
    result = run_bot(fake_github, repo, tmp_path, 'more', more, bump)
    assert result.outputs['pr_outcome'] == 'opened'
    assert [p['state'] for p in bot_pulls(fake_github)] == ['closed', 'open']
    assert repo.read_file('Dockerfile', BRANCH) == EXEC.replace('3.20', '3.21')
    assert repo.read_file('web/Dockerfile', BRANCH) == FIXED_JSON


def test_a_body_a_failed_run_left_behind_is_reported_as_updated(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    """The branch moved but GitHub kept refusing the new body: the next run writes
    the body, and its outcome must say the pull request changed."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    before = repo.branch_sha('main')
    after = push(repo, {'web/Dockerfile': BAD_JSON}, 'Add a web image')
    fake_github.fail('PATCH', r'/pulls/\d+$', status=500, times=None)
    assert run_bot(fake_github, repo, tmp_path, 'refused', after, before).outputs[
        'pr_outcome'] == 'failed'
    fake_github.clear_faults()
    result = run_bot(fake_github, repo, tmp_path, 'again', after, before)
    assert result.outputs['pr_outcome'] == 'updated', result.summary
    assert 'web/Dockerfile' in bot_pulls(fake_github)[0]['body']
    result = run_bot(fake_github, repo, tmp_path, 'once-more', after, before)
    assert result.outputs['pr_outcome'] == 'unchanged' and fake_github.write_requests() == []


# A Dockerfile with a safe fix (the HEALTHCHECK) and an unsafe one (the CMD the
# ENTRYPOINT receives): the bot's pull request holds the safe fix only.
SAFE_AND_UNSAFE = ('FROM node:20-slim\nENTRYPOINT ["/entry.sh"]\n'
                   'HEALTHCHECK CMD curl -f http://localhost/\nCMD node server.js\n')


def test_a_fix_command_on_the_bots_pull_request_is_not_dropped_by_the_next_run(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    """A maintainer comments `/modcon fix --unsafe` on the bot's pull request; modcon
    pushes that commit with the same token and prefix. Before, the next run took it for
    its own, started again from main and silently dropped the unsafe fix."""
    from tests.test_commands import comment_event

    repo = fake_github.create_repo('octo/app', {'Dockerfile': SAFE_AND_UNSAFE})
    fake_github.add_user('maintainer')
    fake_github.set_permission('octo/app', 'maintainer', 'maintain')
    assert run_bot(fake_github, repo, tmp_path, 'first').outputs['pr_outcome'] == 'opened'
    [pull] = bot_pulls(fake_github)
    body = '/modcon fix --unsafe'
    comment = fake_github.add_comment('octo/app', pull['number'], body, user='maintainer')
    event = comment_event(fake_github, repo, pull['number'], comment, body, 'maintainer')
    command = ActionRun(fake_github, repo, tmp_path / 'command', event_name='issue_comment',
                        event=event, sha=repo.branch_sha('main') or '', ref='refs/heads/main')
    assert command.run().code == 0
    asked = repo.branch_sha(BRANCH)
    assert 'CMD ["node", "server.js"]' in repo.read_file('Dockerfile', BRANCH)

    result = run_bot(fake_github, repo, tmp_path, 'next')
    assert result.outputs['pr_outcome'] == 'stopped', result.summary
    assert repo.branch_sha(BRANCH) == asked
    assert 'CMD ["node", "server.js"]' in repo.read_file('Dockerfile', BRANCH)
    [stopped] = [c['body'] for c in fake_github.comments('octo/app', pull['number'])
                 if 'modcon:stopped' in c['body']]
    assert asked[:12] in stopped and '/modcon fix' in stopped


def many_services(count: int) -> dict[str, str]:
    files = {f'svc{i:03d}/Dockerfile': SHELL for i in range(count)}
    files['web/Dockerfile'] = BAD_JSON
    return files


def test_a_pull_request_of_more_files_than_a_comparison_lists_is_left_alone(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    """GitHub lists at most 300 files in a comparison. Before, the bot could then never
    tell that its branch already held the fixes, and every run (each push, each week)
    piled three more commits onto the pull request."""
    repo = fake_github.create_repo('octo/app', many_services(310))
    assert run_bot(fake_github, repo, tmp_path, 'first').outputs['pr_outcome'] == 'opened'
    head = repo.branch_sha(BRANCH)
    result = run_bot(fake_github, repo, tmp_path, 'again')
    assert result.outputs['pr_outcome'] == 'unchanged', result.summary
    assert fake_github.write_requests() == [] and repo.branch_sha(BRANCH) == head
    # A change to one of them still updates the pull request.
    before = repo.branch_sha('main')
    after = push(repo, {'svc007/Dockerfile': EXEC}, 'Fix one by hand')
    result = run_bot(fake_github, repo, tmp_path, 'one-fixed', after, before)
    assert result.outputs['pr_outcome'] == 'updated'
    assert repo.read_file('svc007/Dockerfile', BRANCH) == EXEC


def test_a_body_too_long_for_every_row_still_explains_every_rule(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    """Hundreds of fixes: the table is cut, not the explanation. Before, the cut fell
    in the table, and every rule's section (why it matters, fix safety, how to opt
    out) and the comment commands were lost."""
    from tests.test_bot import assert_reads_well

    repo = fake_github.create_repo('octo/app', many_services(310))
    assert run_bot(fake_github, repo, tmp_path, 'first').outputs['pr_outcome'] == 'opened'
    body = bot_pulls(fake_github)[0]['body']
    assert len(body) <= 65536
    for code in ('MC101', 'MC103'):
        section = body.split(f'<summary><code>{code}</code>', 1)[1].split('</details>', 1)[0]
        assert '**Why it matters.** Property [1a React to signals](' in section
        assert '**Fix safety.**' in section and f'ignore=["{code}"]' in section.replace(' ', '')
    assert '`web/Dockerfile`' in body and '... and ' in body
    assert '<summary>modcon commands</summary>' in body
    assert_reads_well(body, (f'{fake_github.server_url}/octo/app/actions/runs/4242',))


def test_after_a_merge_the_next_fixes_start_from_main_without_a_restart_commit(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    """The pull request was merged and its branch kept; a new defect lands. The new
    pull request holds just the new fix: its branch fast-forwards from the merged head
    (before, a "start again" merge commit of the merged head and main came first)."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    old_head = repo.branch_sha(BRANCH)
    fake_github.merge_pull('octo/app', bot_pulls(fake_github)[0]['number'])
    before = repo.branch_sha('main')
    after = push(repo, {'web/Dockerfile': BAD_JSON}, 'Add a web image')
    result = run_bot(fake_github, repo, tmp_path, 'new', after, before)
    assert result.outputs['pr_outcome'] == 'opened'
    [fix, *rest] = repo.commits(BRANCH)
    assert fix.message.startswith('modcon: MC103') and fix.parents == (after,)
    assert old_head in {c.sha for c in rest}  # a fast-forward: nothing was lost
    assert not any(c.message.startswith('modcon: start again') for c in repo.commits(BRANCH))


def test_a_closed_pull_request_with_a_persons_commits_is_left_alone_when_nothing_is_left(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    """Before, the branch was renamed to `-closed-<date>` and deleted, and nobody was told
    where the person's commits went, though there was nothing to start afresh for."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    human = repo.commit(BRANCH, {'NOTES.md': 'mine\n'}, 'Mine', author_name='Dev',
                        author_email='dev@example.com')
    fake_github.close_pull('octo/app', bot_pulls(fake_github)[0]['number'])
    before = repo.branch_sha('main')
    after = push(repo, {'Dockerfile': EXEC}, 'Fix it by hand')
    result = run_bot(fake_github, repo, tmp_path, 'fixed', after, before)
    assert result.outputs['pr_outcome'] == 'nothing'
    assert fake_github.write_requests() == []
    assert repo.branch_sha(BRANCH) == human
    assert [r for r in repo.refs() if 'closed' in r] == []


APP_TOKEN = 'ghs_app000000000000000000000000000000000'


def test_a_new_token_does_not_make_the_bot_stop_on_its_own_commits(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    """The README advises a GitHub App token (so CI runs on the bot's pull requests).
    Before, once the workflow switched to one, the second update took the first
    update's commits (made by the App) for someone else's and stopped for good."""
    fake_github.add_token(APP_TOKEN, 'my-app[bot]', type='Bot')
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'workflow-token')
    before = repo.branch_sha('main')
    for n, files in enumerate(({'web/Dockerfile': BAD_JSON}, {'api/Dockerfile': BAD_JSON})):
        after = push(repo, files, f'Add image {n}')
        result = run_bot(fake_github, repo, tmp_path, f'app-token-{n}', after, before,
                         github_token=APP_TOKEN)
        assert result.outputs['pr_outcome'] == 'updated', result.summary
        before = after
    assert repo.read_file('api/Dockerfile', BRANCH) == FIXED_JSON
    assert [c for c in fake_github.comments('octo/app') if 'modcon:stopped' in c['body']] == []
    # A person's commit is still told apart.
    repo.commit(BRANCH, {'NOTES.md': 'mine\n'}, 'Mine', author_name='Dev',
                author_email='dev@example.com')
    result = run_bot(fake_github, repo, tmp_path, 'person', github_token=APP_TOKEN)
    assert result.outputs['pr_outcome'] == 'stopped'
