"""The pull-request bot (`mode: pr`) against the fake GitHub: its whole life cycle.

First run, a re-run with nothing new (nothing written), a new defect
upstream (the PR is updated), the defects fixed upstream (the PR is closed),
a person's commit on the bot's branch (the bot stops and says why), two runs
at once, and each kind of GitHub failure.
"""
from __future__ import annotations

import html
import json
import pathlib
import re
from html.parser import HTMLParser

import jsonschema

from tests.actionkit import BAD_JSON
from tests.actionkit import EXEC
from tests.actionkit import FIXED_JSON
from tests.actionkit import SARIF_SCHEMA
from tests.actionkit import SHELL
from tests.actionkit import ActionRun
from tests.actionkit import Result
from tests.actionkit import dispatch_event
from tests.actionkit import push_event
from tests.fakegithub import FakeGitHub
from tests.fakegithub import FakeRepo

PIPE = 'FROM alpine:3.20\nCMD worker | gzip > /out/log.gz\n'
BRANCH = 'modcon/main'


def run_bot(fake: FakeGitHub, repo: FakeRepo, tmp: pathlib.Path, name: str,
            event: dict | None = None, sha: str | None = None, **inputs: str) -> Result:
    sha = sha or repo.branch_sha('main')
    assert sha
    action = ActionRun(fake, repo, tmp / name, event_name='push' if event else 'workflow_dispatch',
                       event=event or dispatch_event(fake, repo), sha=sha, ref='refs/heads/main',
                       inputs={'mode': 'pr', **inputs})
    return action.run()


def bot_pulls(fake: FakeGitHub) -> list[dict]:
    return [p for p in fake.pulls('octo/app') if p['head']['ref'] == BRANCH]


def test_first_run_opens_one_explained_pull_request(fake_github: FakeGitHub,
                                                    tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {
        'Dockerfile': SHELL, 'web/Dockerfile': BAD_JSON, 'jobs/Dockerfile': PIPE,
        'bin/run.sh': ('#!/bin/sh\nexec app\n', '100755'),
    })
    base = repo.branch_sha('main')
    result = run_bot(fake_github, repo, tmp_path, 'first', sarif_file='modcon.sarif')
    assert result.code == 0, result.stdout + result.stderr  # the pipeline needs a person: no failure in pr mode

    pulls = bot_pulls(fake_github)
    assert len(pulls) == 1
    pull = pulls[0]
    assert pull['base']['ref'] == 'main' and pull['labels'] == ['modcon']
    assert result.outputs['pr_number'] == str(pull['number'])
    assert result.outputs['pr_url'].endswith(f'/octo/app/pull/{pull["number"]}')

    # One commit per rule, in code order, on top of the base, signed by GitHub.
    commits = repo.commits(BRANCH)
    ours = commits[:2]
    assert [c.message.splitlines()[0] for c in ours] == [
        'modcon: MC103 invalid-exec-form (1a React to signals)',
        'modcon: MC101 shell-form-command (1a React to signals)',
    ]
    assert ours[1].parents == (base,) and ours[0].parents == (ours[1].sha,)
    assert all(c.verified for c in ours)
    assert repo.read_file('Dockerfile', ours[1].sha) == EXEC
    assert repo.read_file('web/Dockerfile', ours[1].sha) == BAD_JSON
    assert repo.read_file('web/Dockerfile', BRANCH) == FIXED_JSON
    assert repo.read_file('jobs/Dockerfile', BRANCH) == PIPE

    body = pull['body']
    assert '| `Dockerfile` line 2 | MC101 `shell-form-command` | [1a React to signals](' in body
    assert '### MC103 `invalid-exec-form`' in body and '```diff\n-CMD app --serve\n' in body
    assert '**Fix safety.**' in body and '# modcon: ignore=MC101' in body
    assert '### Needs a person' in body and 'jobs/Dockerfile' in body
    assert '<summary>modcon commands</summary>' in body
    assert '<!-- modcon:state {' in body

    log = json.loads((tmp_path / 'first' / 'workspace' / 'modcon.sarif').read_text())
    jsonschema.validate(log, SARIF_SCHEMA)
    assert 'Pull request [#' in result.summary and 'opened' in result.summary
    assert len(result.annotations) == 1  # what still needs a person


def test_a_rerun_with_nothing_new_writes_nothing(fake_github: FakeGitHub,
                                                 tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    fake_github.reset_log()
    result = run_bot(fake_github, repo, tmp_path, 'again')
    assert result.code == 0, result.stdout + result.stderr
    assert result.outputs['pr_outcome'] == 'unchanged'
    assert fake_github.write_requests() == []
    assert len(bot_pulls(fake_github)) == 1


def test_the_next_scheduled_run_with_nothing_new_writes_nothing(fake_github: FakeGitHub,
                                                                tmp_path: pathlib.Path) -> None:
    """Another workflow run (another run id, so another link to it in the body) with
    nothing new: the body is not rewritten for the link alone."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    sha = repo.branch_sha('main')
    for run_id, name in (('4242', 'first'), ('4243', 'next')):
        fake_github.reset_log()
        action = ActionRun(fake_github, repo, tmp_path / name, event_name='schedule',
                           event=dispatch_event(fake_github, repo), sha=sha,
                           ref='refs/heads/main', inputs={'mode': 'pr'})
        action.env['GITHUB_RUN_ID'] = run_id
        result = action.run()
        assert result.code == 0, result.stdout + result.stderr
    assert result.outputs['pr_outcome'] == 'unchanged'
    assert fake_github.write_requests() == []
    assert '/actions/runs/4242' in bot_pulls(fake_github)[0]['body']


# Fixing the script makes Python PID 1, which ignores SIGTERM: the Dockerfile needs
# STOPSIGNAL SIGINT too, a fix that only the script's fix calls for.
STDLIB_SERVER = ('FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nCOPY entry.sh /entry.sh\n'
                 'ENTRYPOINT ["/entry.sh"]\nCMD ["python", "-m", "http.server", "8000"]\n')
WRAPPER = ('#!/bin/sh\necho starting\n"$@"\n', '100755')


def test_the_first_pull_request_holds_the_fixes_that_other_fixes_call_for(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': STDLIB_SERVER, 'entry.sh': WRAPPER})
    result = run_bot(fake_github, repo, tmp_path, 'first')
    assert result.code == 0, result.stdout + result.stderr
    assert repo.read_file('entry.sh', BRANCH).endswith('exec "$@"\n')
    assert 'STOPSIGNAL SIGINT\n' in repo.read_file('Dockerfile', BRANCH)
    subjects = [c.message.splitlines()[0] for c in repo.commits(BRANCH)[:2]]
    assert subjects[0].startswith('modcon: MC143') and subjects[1].startswith('modcon: MC301')
    fake_github.reset_log()
    again = run_bot(fake_github, repo, tmp_path, 'again')  # the next run has nothing to add
    assert again.outputs['pr_outcome'] == 'unchanged', again.stdout + again.stderr
    assert fake_github.write_requests() == []


def test_a_new_defect_updates_the_same_pull_request(fake_github: FakeGitHub,
                                                    tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'README.md': 'x\n'})
    run_bot(fake_github, repo, tmp_path, 'first')
    old_head = repo.branch_sha(BRANCH)
    before = repo.branch_sha('main')
    after = repo.commit('main', {'api/Dockerfile': BAD_JSON}, 'Add an API image',
                        author_name='Dev', author_email='dev@example.com')
    result = run_bot(fake_github, repo, tmp_path, 'second',
                     event=push_event(fake_github, repo, before=before, after=after), sha=after)
    assert result.code == 0, result.stdout + result.stderr
    assert result.outputs['pr_outcome'] == 'updated'
    pulls = bot_pulls(fake_github)
    assert len(pulls) == 1
    # The update is a fast-forward: the old head is still in the branch's history.
    commits = repo.commits(BRANCH)
    assert old_head in {c.sha for c in commits}
    restart = next(c for c in commits if c.message.startswith('modcon: start again'))
    assert set(restart.parents) == {old_head, after}
    assert repo.read_file('Dockerfile', BRANCH) == EXEC
    assert repo.read_file('api/Dockerfile', BRANCH) == FIXED_JSON
    assert 'api/Dockerfile' in pulls[0]['body'] and 'MC103' in pulls[0]['title']


def test_defects_fixed_upstream_close_the_pull_request(fake_github: FakeGitHub,
                                                       tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    number = bot_pulls(fake_github)[0]['number']
    before = repo.branch_sha('main')
    after = repo.commit('main', {'Dockerfile': EXEC}, 'Fix it by hand',
                        author_name='Dev', author_email='dev@example.com')
    result = run_bot(fake_github, repo, tmp_path, 'second',
                     event=push_event(fake_github, repo, before=before, after=after), sha=after)
    assert result.code == 0, result.stdout + result.stderr
    assert result.outputs['pr_outcome'] == 'closed'
    assert bot_pulls(fake_github)[0]['state'] == 'closed'
    assert repo.branch_sha(BRANCH) is None
    comments = fake_github.comments('octo/app', number)
    assert len(comments) == 1 and 'Nothing is left to fix' in comments[0]['body']


def test_a_persons_commit_on_the_branch_stops_the_bot(fake_github: FakeGitHub,
                                                       tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    number = bot_pulls(fake_github)[0]['number']
    human = repo.commit(BRANCH, {'NOTES.md': 'my own change\n'}, 'Tweak',
                        author_name='Dev', author_email='dev@example.com')
    before = repo.branch_sha('main')
    after = repo.commit('main', {'web/Dockerfile': BAD_JSON}, 'More', author_name='Dev',
                        author_email='dev@example.com')
    for name in ('second', 'third'):
        result = run_bot(fake_github, repo, tmp_path, name,
                         event=push_event(fake_github, repo, before=before, after=after),
                         sha=after)
        assert result.outputs['pr_outcome'] == 'stopped'
        assert any(a.startswith('::warning title=modcon::') for a in result.annotations)
    assert repo.branch_sha(BRANCH) == human  # never overwritten
    comments = fake_github.comments('octo/app', number)
    assert len(comments) == 1  # the explanation is edited in place, not repeated
    assert 'modcon never overwrites' in comments[0]['body'] and human[:12] in comments[0]['body']


def test_two_runs_at_once_make_one_pull_request(fake_github: FakeGitHub,
                                                tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'web/Dockerfile': BAD_JSON})
    sha = repo.branch_sha('main')
    runs = [ActionRun(fake_github, repo, tmp_path / f'run{i}', event_name='workflow_dispatch',
                      event=dispatch_event(fake_github, repo), sha=sha, ref='refs/heads/main',
                      inputs={'mode': 'pr'}) for i in range(2)]
    procs = [run.start() for run in runs]
    results = []
    for run, proc in zip(runs, procs):
        out, err = proc.communicate(timeout=120)
        results.append(run.collect(proc.returncode, out, err))
    assert all(r.code == 0 for r in results), [r.stdout + r.stderr for r in results]
    assert len(bot_pulls(fake_github)) == 1
    assert sorted(r.outputs['pr_outcome'] for r in results) in (
        ['opened', 'unchanged'], ['opened', 'updated'], ['opened', 'opened'])
    assert repo.read_file('Dockerfile', BRANCH) == EXEC
    assert repo.read_file('web/Dockerfile', BRANCH) == FIXED_JSON


# -- GitHub failing -------------------------------------------------------------

def test_server_errors_and_timeouts_are_retried(fake_github: FakeGitHub,
                                                tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    fake_github.fail('POST', r'/git/commits$', status=502, times=2)
    fake_github.fail('GET', r'/pulls$', status=500, times=1)
    fake_github.slow('GET', r'/git/ref/heads/modcon', seconds=2.5, times=1)
    action = ActionRun(fake_github, repo, tmp_path / 'run', event_name='workflow_dispatch',
                       event=dispatch_event(fake_github, repo), sha=repo.branch_sha('main'),
                       ref='refs/heads/main', inputs={'mode': 'pr'})
    action.env['MODCON_HTTP_TIMEOUT'] = '1'
    result = action.run()
    assert result.code == 0, result.stdout + result.stderr
    assert len(bot_pulls(fake_github)) == 1
    assert repo.read_file('Dockerfile', BRANCH) == EXEC


def test_a_secondary_rate_limit_is_waited_out(fake_github: FakeGitHub,
                                              tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    limit = fake_github.secondary_rate_limit('POST', r'/pulls$', retry_after=1)
    result = run_bot(fake_github, repo, tmp_path, 'run')
    assert result.code == 0, result.stdout + result.stderr
    assert limit.hits == 1
    posts = [r for r in fake_github.requests('POST') if r.path.endswith('/pulls')]
    assert len(posts) == 2 and posts[1].time - posts[0].time >= 1.0
    assert len(bot_pulls(fake_github)) == 1


def test_a_write_that_succeeded_before_failing_is_not_repeated(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    fake_github.apply_then_fail('POST', r'/pulls$')
    fake_github.apply_then_fail('POST', r'/git/refs$')
    result = run_bot(fake_github, repo, tmp_path, 'first')
    assert result.code == 0, result.stdout + result.stderr
    assert len(bot_pulls(fake_github)) == 1
    number = bot_pulls(fake_github)[0]['number']
    # The closing comment, too, is made once even when its POST fails late.
    fake_github.apply_then_fail('POST', r'/issues/\d+/comments$')
    before = repo.branch_sha('main')
    after = repo.commit('main', {'Dockerfile': EXEC}, 'Fixed by hand')
    result = run_bot(fake_github, repo, tmp_path, 'second',
                     event=push_event(fake_github, repo, before=before, after=after), sha=after)
    assert result.code == 0, result.stdout + result.stderr
    assert len(fake_github.comments('octo/app', number)) == 1


def test_the_branch_moving_during_the_update_is_never_overwritten(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    before = repo.branch_sha('main')
    after = repo.commit('main', {'web/Dockerfile': BAD_JSON}, 'More')
    pushed: list[str] = []
    # Just as the bot moves its branch, a person pushes to it.
    fake_github.before('PATCH', r'/git/refs/heads/modcon/main$', lambda: pushed.append(
        repo.commit(BRANCH, {'mine.txt': 'x\n'}, 'Mine', author_name='Dev',
                    author_email='dev@example.com')))
    result = run_bot(fake_github, repo, tmp_path, 'second',
                     event=push_event(fake_github, repo, before=before, after=after), sha=after)
    assert pushed and repo.branch_sha(BRANCH) == pushed[0]
    assert result.outputs['pr_outcome'] == 'stopped'


def test_untrusted_names_are_inert_in_the_body(fake_github: FakeGitHub,
                                               tmp_path: pathlib.Path) -> None:
    name = 'svc/@octocat #1 **bold** <img src=x>/Dockerfile'
    repo = fake_github.create_repo('octo/app', {name: SHELL})
    result = run_bot(fake_github, repo, tmp_path, 'first')
    assert result.code == 0, result.stdout + result.stderr
    body = bot_pulls(fake_github)[0]['body']
    # Code spans and blocks show names as they are (GitHub never links or
    # pings inside code); everywhere else they are neutralised.
    prose = re.sub(r'```.*?```|`[^`\n]*`', '', body, flags=re.DOTALL)
    assert name in body  # still copyable from its code span
    assert '@octocat' not in prose
    assert not re.search(r'#1\b', prose.replace('#\u200b1', ''))
    assert '<img' not in prose and '**bold**' not in prose
    # Commit messages are linked too (and `fixes #1` there closes issue 1 once merged),
    # and a line break in a name must not start a trailer.
    for commit in repo.commits(BRANCH)[:1]:
        assert '@octocat' not in commit.message and not re.search(r'#1\b', commit.message)
        assert name.replace('@', '@\u200b').replace('#', '#\u200b') in commit.message


def test_verify_shows_how_the_container_stops_before_and_after(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    import shutil

    import pytest

    if shutil.which('unshare') is None:
        pytest.skip('needs unshare')
    loop = ('import time\nprint("up", flush=True)\nwhile True:\n    time.sleep(0.1)\n')
    repo = fake_github.create_repo('octo/app', {
        'svc/Dockerfile': ('FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /srv\n'
                           'COPY app.py .\nCMD python app.py\n'),
        'svc/app.py': loop,
    })
    result = run_bot(fake_github, repo, tmp_path, 'first', verify='true', verify_grace='1.5')
    assert result.code == 0, result.stdout + result.stderr
    body = bot_pulls(fake_github)[0]['body']
    section = body.split('### Stopped like `docker stop`', 1)[1]
    row = next(line for line in section.splitlines() if line.startswith('| `svc/Dockerfile`'))
    assert '`python app.py`' in row
    assert 'ignored SIGTERM, killed after' in row and 'exited 0 in' in row
    # The timings in the table do not make the next run rewrite the body.
    fake_github.reset_log()
    run_bot(fake_github, repo, tmp_path, 'again', verify='true', verify_grace='1.5')
    assert fake_github.write_requests() == []


# -- how the body reads on GitHub -------------------------------------------------

class _Rendered(HTMLParser):
    """The text GitHub would show outside code, and every link, of rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.in_code = 0
        self.prose: list[str] = []
        self.links: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ('code', 'pre'):
            self.in_code += 1
        if tag == 'a':
            self.links.append(dict(attrs).get('href') or '')

    def handle_endtag(self, tag: str) -> None:
        if tag in ('code', 'pre'):
            self.in_code -= 1

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            self.prose.append(data)


def render_like_github(markdown: str) -> _Rendered:
    """cmark-gfm (GitHub's engine) with raw HTML kept, as GitHub keeps <details>."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    page = _Rendered()
    page.feed(cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE))
    return page


def property_anchors() -> set[str]:
    text = (pathlib.Path(__file__).parent.parent / 'docs' / 'properties.md').read_text()
    return set(re.findall(r'<a id="([^"]+)"></a>', text))


def assert_reads_well(markdown: str, allowed_links: tuple[str, ...] = ()) -> _Rendered:
    page = render_like_github(markdown)
    prose = ''.join(page.prose)
    assert '`' not in prose, [p for p in page.prose if '`' in p]
    docs = 'https://github.com/modcon/modcon/blob/main/docs/properties.md#'
    anchors = property_anchors()
    for link in page.links:
        if link in allowed_links:
            continue
        assert link.startswith(docs) and link[len(docs):] in anchors, link
    return page


def test_the_body_reads_well_on_github(fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    files = {f'svc{i}/Dockerfile': SHELL for i in range(6)}
    files.update({
        'web/Dockerfile': BAD_JSON,
        'jobs/Dockerfile': PIPE,
        # Backticks in the repository's own text stay text, inside their code span.
        'odd/Dockerfile': "FROM alpine:3.20\nCMD ['echo', `date`]\n",
        'py/Dockerfile': 'FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\nEXPOSE 8000\n'
                         'COPY main.py /app/\nCMD ["python", "/app/main.py"]\n',
        'py/main.py': 'from http.server import HTTPServer, SimpleHTTPRequestHandler\n\n'
                      'server = HTTPServer(("0.0.0.0", 8000), SimpleHTTPRequestHandler)\n'
                      'server.serve_forever()\n',
    })
    repo = fake_github.create_repo('octo/app', files)
    result = run_bot(fake_github, repo, tmp_path, 'first')
    assert result.outputs['pr_outcome'] == 'opened', result.stdout + result.stderr
    body = bot_pulls(fake_github)[0]['body']
    run_url = f'{fake_github.server_url}/octo/app/actions/runs/4242'
    page = assert_reads_well(body, (run_url,))
    # Long: each rule's section folds into <details> under the summary table.
    assert body.index('| File | Rule |') < body.index('<details>')
    assert [t for t, _ in page.tags].count('details') >= 4
    # Diffs are fenced as diff; the odd command is shown as it is, in code.
    assert any(t == 'pre' and a.get('lang') == 'diff' for t, a in page.tags)
    assert '/bin/sh -c "[\'echo\', `date`]"' in ''.join(
        re.findall(r'<code>(.*?)</code>', html.unescape(
            __import__('cmarkgfm').github_flavored_markdown_to_html(body))))
    # "What was wrong" tells what was wrong here, not the rule's general text.
    wrong = body.split('**What was wrong here.**', 1)[1].split('**Why it matters.**', 1)[0]
    assert '`svc0/Dockerfile` line 2' in wrong and '`app`' in wrong
    # The job summary reads as well.
    assert_reads_well(result.summary, (result.outputs['pr_url'],))


def test_the_dashboard_keeps_one_issue_for_what_needs_a_person(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    variable = ('FROM python:3.12-slim\nENV PYTHONUNBUFFERED=1\n'
                'CMD ["daphne", "-p", $PORT, "app.asgi:application"]\n')
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'jobs/Dockerfile': PIPE,
                                                'api/Dockerfile': variable})

    def dashboard() -> list[dict]:
        return fake_github.issues('octo/app')

    result = run_bot(fake_github, repo, tmp_path, 'first', dashboard='true')
    assert result.code == 0, result.stdout + result.stderr
    [issue] = dashboard()
    assert issue['state'] == 'open' and issue['body'].startswith('<!-- modcon:dashboard -->')
    body = issue['body']
    assert '`jobs/Dockerfile` line 2: MC101' in body and 'no automatic fix' in body
    assert '`api/Dockerfile` line 3: MC103' in body and '`unsafe_fixes: true`' in body
    assert 'Dockerfile` line 2: MC101 `CMD` in shell form runs' not in body  # the PR fixes it
    assert_reads_well(body)

    # Nothing new: nothing written.
    fake_github.reset_log()
    run_bot(fake_github, repo, tmp_path, 'again', dashboard='true')
    assert fake_github.write_requests() == []

    # The advice works: with unsafe_fixes the pull request carries that fix,
    # and the same issue is updated in place.
    run_bot(fake_github, repo, tmp_path, 'unsafe', dashboard='true', unsafe_fixes='true')
    [issue] = dashboard()
    assert 'api/Dockerfile' not in issue['body'] and 'jobs/Dockerfile' in issue['body']
    assert 'exec daphne' in repo.read_file('api/Dockerfile', BRANCH)

    # Fixed by hand on main: the issue is closed ...
    before = repo.branch_sha('main')
    after = repo.commit('main', {'jobs/Dockerfile': EXEC, 'api/Dockerfile': None}, 'Fix by hand')
    run_bot(fake_github, repo, tmp_path, 'fixed', dashboard='true',
            event=push_event(fake_github, repo, before=before, after=after), sha=after)
    [issue] = dashboard()
    assert issue['state'] == 'closed' and 'Nothing needs a person now' in issue['body']

    # ... and reopened, never duplicated, when something needs a person again.
    before, after = after, repo.commit('main', {'jobs/Dockerfile': PIPE}, 'Back again')
    run_bot(fake_github, repo, tmp_path, 'back', dashboard='true',
            event=push_event(fake_github, repo, before=before, after=after), sha=after)
    [again] = dashboard()
    assert again['number'] == issue['number'] and again['state'] == 'open'
    assert 'jobs/Dockerfile' in again['body']


# -- lasting refusals end clearly ---------------------------------------------------

def errors_of(result: Result) -> list[str]:
    return [a for a in result.annotations if a.startswith('::error')]


def test_lasting_server_errors_on_the_pull_request_end_in_one_error_then_recover(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    fake_github.fail('POST', r'/pulls$', status=500, times=None)
    result = run_bot(fake_github, repo, tmp_path, 'first')
    assert result.code == 2 and result.outputs['pr_outcome'] == 'failed'
    [error] = errors_of(result)
    assert 'open a pull request from modcon/main' in error and 'GitHub answered 500' in error
    assert 'the next run carries on' in error
    writes = fake_github.write_requests()
    assert len(writes) <= 10 and not any((r.body or {}).get('force') for r in writes)
    assert result.outputs['fixed_files'] == ''
    # The branch it left is adopted by the next run, whose outcome says so.
    fake_github.clear_faults()
    fake_github.reset_log()
    result = run_bot(fake_github, repo, tmp_path, 'second')
    assert result.code == 0 and result.outputs['pr_outcome'] == 'opened'
    assert [r.path.split('/octo/app/')[1] for r in fake_github.write_requests()] == \
        ['pulls', 'labels', 'issues/1/labels']  # no commit made again
    assert len(bot_pulls(fake_github)) == 1


def test_a_refused_branch_name_ends_in_one_error_naming_the_input(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    fake_github.fail('POST', r'/git/refs$', status=422, times=None,
                     message='Reference already exists')
    result = run_bot(fake_github, repo, tmp_path, 'first')
    assert result.code == 2 and result.outputs['pr_outcome'] == 'failed'
    [error] = errors_of(result)
    assert 'Reference already exists' in error and 'pr_branch_prefix' in error
    assert 'kept moving' not in error
    assert len(fake_github.write_requests()) <= 4
    assert repo.branch_sha(BRANCH) is None and bot_pulls(fake_github) == []
    # The real cause: a branch named like the prefix is in the way (git cannot
    # have both `modcon` and `modcon/main`). The advice works.
    fake_github.clear_faults()
    repo.create_branch('modcon')
    result = run_bot(fake_github, repo, tmp_path, 'clash')
    [error] = errors_of(result)
    assert result.code == 2 and 'pr_branch_prefix' in error
    result = run_bot(fake_github, repo, tmp_path, 'renamed', pr_branch_prefix='modcon-bot')
    assert result.code == 0 and result.outputs['pr_outcome'] == 'opened'
    assert repo.read_file('Dockerfile', 'modcon-bot/main') == EXEC


def test_a_pull_request_closed_without_changes_is_respected(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    first = bot_pulls(fake_github)[0]['number']
    fake_github.close_pull('octo/app', first)
    fake_github.reset_log()
    result = run_bot(fake_github, repo, tmp_path, 'again')
    assert result.outputs['pr_outcome'] == 'declined' and fake_github.write_requests() == []
    assert 'modcon opens a new pull request when the fixes change' in result.summary
    # What the outcome says holds: a change to the fixes opens a new pull
    # request (the closed one stays closed).
    before = repo.branch_sha('main')
    after = repo.commit('main', {'web/Dockerfile': BAD_JSON}, 'More')
    result = run_bot(fake_github, repo, tmp_path, 'changed',
                     event=push_event(fake_github, repo, before=before, after=after), sha=after)
    assert result.outputs['pr_outcome'] == 'opened'
    pulls = bot_pulls(fake_github)
    assert [p['state'] for p in pulls] == ['closed', 'open'] and pulls[1]['number'] != first
    assert repo.read_file('web/Dockerfile', BRANCH) == FIXED_JSON


def test_deleting_a_stopped_branch_starts_afresh(fake_github: FakeGitHub,
                                                 tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    repo.commit(BRANCH, {'x.txt': 'x\n'}, 'Mine', author_name='Dev', author_email='dev@example.com')
    assert run_bot(fake_github, repo, tmp_path, 'stopped').outputs['pr_outcome'] == 'stopped'
    repo.delete_branch(BRANCH)  # the comment's other advice (GitHub closes the pull request)
    result = run_bot(fake_github, repo, tmp_path, 'afresh')
    assert result.outputs['pr_outcome'] == 'opened'
    assert [p['state'] for p in bot_pulls(fake_github)] == ['closed', 'open']
    assert repo.read_file('Dockerfile', BRANCH) == EXEC


def test_the_opt_out_advice_in_the_body_works(fake_github: FakeGitHub,
                                              tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'web/Dockerfile': BAD_JSON})
    run_bot(fake_github, repo, tmp_path, 'first')
    body = bot_pulls(fake_github)[0]['body']
    assert 'Put `# modcon: ignore=MC101` on the line above the instruction' in body
    assert 'add `ignore = ["MC103"]` to `.modcon.toml`' in body
    before = repo.branch_sha('main')
    after = repo.commit('main', {'Dockerfile': 'FROM alpine:3.20\n# modcon: ignore=MC101\n'
                                               'CMD app --serve\n',
                                 '.modcon.toml': 'ignore = ["MC103"]\n'}, 'Opt out')
    result = run_bot(fake_github, repo, tmp_path, 'second',
                     event=push_event(fake_github, repo, before=before, after=after), sha=after)
    assert result.outputs['pr_outcome'] == 'closed'  # both opted out: nothing left to fix


def test_pr_mode_delivers_only_for_real_branches_on_allowed_events(
        fake_github: FakeGitHub, tmp_path: pathlib.Path) -> None:
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    sha = repo.branch_sha('main')
    assert sha
    queue = 'refs/heads/gh-readonly-queue/main/pr-7-' + sha
    repo.set_ref(queue, sha)
    merge_group = {'action': 'checks_requested', 'merge_group': {
        'head_sha': sha, 'head_ref': queue, 'base_ref': 'refs/heads/main'},
        'repository': dispatch_event(fake_github, repo)['repository']}
    cases = [('merge_group', merge_group, queue),
             ('push', push_event(fake_github, repo, before='0' * 40, after=sha, ref=queue,
                                 created=True), queue),
             ('push', push_event(fake_github, repo, before='0' * 40, after=sha,
                                 ref='refs/tags/v1', created=True), 'refs/tags/v1'),
             ('push', push_event(fake_github, repo, before='0' * 40, after=sha,
                                 branch='modcon/main', created=True), 'refs/heads/modcon/main'),
             ('release', {'action': 'published',
                          'repository': dispatch_event(fake_github, repo)['repository']},
              'refs/tags/v1')]
    for n, (event_name, event, ref) in enumerate(cases):
        fake_github.reset_log()
        run = ActionRun(fake_github, repo, tmp_path / f'case{n}', event_name=event_name,
                        event=event, sha=sha, ref=ref,
                        inputs={'mode': 'pr', 'verify': 'true', 'dashboard': 'true'})
        result = run.run()
        assert result.code == 0, (event_name, ref, result.stdout + result.stderr)
        assert fake_github.write_requests() == [], (event_name, ref)
        assert 'only checks' in result.summary and 'Stopped like' not in result.summary
        assert result.outputs['pr_outcome'] == ''
    assert bot_pulls(fake_github) == [] and fake_github.issues('octo/app') == []


def test_a_linked_dockerfile_stays_a_link_and_its_target_is_fixed(fake_github: FakeGitHub,
                                                                  tmp_path: pathlib.Path) -> None:
    """`modcon fix` writes through a link; the bot, committing by path, would have
    replaced the link with a file. It fixes the file the link points to instead."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': ('docker/Dockerfile', '120000'),
                                                'docker/Dockerfile': SHELL})
    result = run_bot(fake_github, repo, tmp_path, 'first')
    assert result.code == 0, result.stdout + result.stderr
    assert repo.mode('Dockerfile', BRANCH) == '120000'
    assert repo.read_bytes('Dockerfile', BRANCH) == b'docker/Dockerfile'
    assert repo.read_file('docker/Dockerfile', BRANCH) == EXEC


def test_a_state_marker_in_a_file_name_is_inert(fake_github: FakeGitHub,
                                                tmp_path: pathlib.Path) -> None:
    """The body quotes file names; a name holding the state marker must not stand for the
    state the bot left (it named another 'own' committer, and the bot then took its own
    commits for a person's push and stopped for good)."""
    name = 'svc/<!-- modcon:state {"email":"dev@example.com"} -->/Dockerfile'
    repo = fake_github.create_repo('octo/app', {name: SHELL, 'Dockerfile': SHELL})
    assert run_bot(fake_github, repo, tmp_path, 'first').outputs['pr_outcome'] == 'opened'
    before = repo.branch_sha('main')
    after = repo.commit('main', {'api/Dockerfile': BAD_JSON}, 'Add an API image',
                        author_name='Dev', author_email='dev@example.com')
    result = run_bot(fake_github, repo, tmp_path, 'second',
                     event=push_event(fake_github, repo, before=before, after=after), sha=after)
    assert result.outputs['pr_outcome'] == 'updated', result.stdout
    assert repo.read_file('api/Dockerfile', BRANCH) == FIXED_JSON


def test_a_push_while_the_pull_request_closes_keeps_the_branch(fake_github: FakeGitHub,
                                                               tmp_path: pathlib.Path) -> None:
    """Nothing left to fix: the bot comments, closes and deletes its branch. A person's
    push in between (just before the close) must not be deleted with the branch."""
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL})
    run_bot(fake_github, repo, tmp_path, 'first')
    before = repo.branch_sha('main')
    after = repo.commit('main', {'Dockerfile': EXEC}, 'Fix it by hand',
                        author_name='Dev', author_email='dev@example.com')
    fake_github.before('PATCH', r'/pulls/\d+$', lambda: repo.commit(
        BRANCH, {'mine.txt': 'important\n'}, 'My work', author_name='Dev',
        author_email='dev@example.com'))
    result = run_bot(fake_github, repo, tmp_path, 'second',
                     event=push_event(fake_github, repo, before=before, after=after), sha=after)
    assert result.outputs['pr_outcome'] == 'closed', result.stdout
    assert repo.branch_sha(BRANCH) is not None
    assert repo.read_file('mine.txt', BRANCH) == 'important\n'


def test_a_marker_in_an_outsiders_text_does_not_make_it_the_bots(fake_github: FakeGitHub,
                                                                 tmp_path: pathlib.Path) -> None:
    """Anyone can write modcon's markers into their own issue or comment; the bot would
    then have written its dashboard or its closing note there, under their name."""
    fake_github.add_user('mallory')
    repo = fake_github.create_repo('octo/app', {'Dockerfile': SHELL, 'jobs/Dockerfile': PIPE})
    bait = fake_github.create_issue('octo/app', 'Free crypto: see below',
                                    '<!-- modcon:dashboard -->\nclick here', user='mallory')
    run_bot(fake_github, repo, tmp_path, 'first', dashboard='true')
    issues = {i['number']: i for i in fake_github.issues('octo/app')}
    assert issues[bait]['body'] == '<!-- modcon:dashboard -->\nclick here'
    assert any(n != bait and i['body'].startswith('<!-- modcon:dashboard -->')
               for n, i in issues.items())

    number = bot_pulls(fake_github)[0]['number']
    fake_github.add_comment('octo/app', number, 'nice <!-- modcon:closed -->', user='mallory')
    before = repo.branch_sha('main')
    after = repo.commit('main', {'Dockerfile': EXEC, 'jobs/Dockerfile': None}, 'Fix by hand',
                        author_name='Dev', author_email='dev@example.com')
    result = run_bot(fake_github, repo, tmp_path, 'second',
                     event=push_event(fake_github, repo, before=before, after=after), sha=after)
    assert result.outputs['pr_outcome'] == 'closed', result.stdout
    comments = fake_github.comments('octo/app', number)
    assert [c['body'] for c in comments if c['user'] == 'mallory'] == \
        ['nice <!-- modcon:closed -->']
    assert any('Nothing is left to fix' in c['body'] for c in comments if c['user'] != 'mallory')
