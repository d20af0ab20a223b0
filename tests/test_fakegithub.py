"""Tests of the fake GitHub server, driven through PyGithub over real HTTP.

Each test talks to the fake exactly as the bot will (PyGithub, ``base_url``,
a token) and checks the outcome in the bare git repositories or in the
server's state, so the fake's fidelity is itself under test.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from github import BadCredentialsException
from github import GithubException
from github import GithubRetry
from github import InputGitAuthor
from github import InputGitTreeElement
from github import UnknownObjectException

from tests.fakegithub import DEFAULT_TOKEN
from tests.fakegithub import FakeGitHub

# The fixture under test, loaded as a plugin so it is not shadowed by parameter names.


DOCKERFILE = "".join(f"# line {n}\n" for n in range(1, 21)) + "FROM alpine:3.20\nCMD [\"sh\"]\n"


def git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], check=True, capture_output=True,
                          text=True).stdout


def seed(fake: FakeGitHub) -> None:
    fake.create_repo("octo/app", files={"Dockerfile": DOCKERFILE, "app.py": "print('hi')\n",
                                        "bin/run.sh": ("#!/bin/sh\nexec python app.py\n", "100755")})


def auth_headers(token: str = DEFAULT_TOKEN) -> dict[str, str]:
    return {"Authorization": f"token {token}", "Accept": "application/vnd.github+json"}


def edited_dockerfile() -> str:
    # Change line 2 and the CMD at the end: two hunks far apart.
    return DOCKERFILE.replace("# line 2\n", "# line two\n").replace('CMD ["sh"]', 'STOPSIGNAL SIGTERM\nCMD ["sh"]')


def make_fix_pr(fake: FakeGitHub, branch: str = "modcon/fix") -> int:
    repo = fake.repo("octo/app")
    repo.commit(branch, {"Dockerfile": edited_dockerfile()}, "Fix signals")
    return fake.open_pull("octo/app", branch, "main", "Fix signals")


# -- Git Data API -------------------------------------------------------------------------------


def test_git_data_sequence_makes_real_commit(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    repo = fake_github.client().get_repo("octo/app")
    head = repo.get_git_ref("heads/main")
    base = repo.get_git_commit(head.object.sha)
    blob = repo.create_git_blob("FROM alpine:3.20\nSTOPSIGNAL SIGTERM\n", "utf-8")
    b64 = repo.create_git_blob("IyBub3Rlcwo=", "base64")  # "# notes\n"
    tree = repo.create_git_tree([
        InputGitTreeElement("Dockerfile", "100644", "blob", sha=blob.sha),
        InputGitTreeElement("docs/NOTES.md", "100644", "blob", sha=b64.sha),
        InputGitTreeElement("bin/start", "100755", "blob", content="#!/bin/sh\n"),
        InputGitTreeElement("link", "120000", "blob", content="app.py"),
        InputGitTreeElement("app.py", "100644", "blob", sha=None),  # delete
    ], base_tree=base.tree)
    commit = repo.create_git_commit("modcon: fix signals", tree, [base])
    head.edit(commit.sha, force=False)

    bare = fake_github.repo("octo/app").git_dir
    assert git(bare, "rev-parse", "refs/heads/main").strip() == commit.sha
    assert git(bare, "log", "--format=%s", "main") == "modcon: fix signals\nInitial commit\n"
    assert git(bare, "show", f"{commit.sha}:Dockerfile") == "FROM alpine:3.20\nSTOPSIGNAL SIGTERM\n"
    assert git(bare, "show", f"{commit.sha}:docs/NOTES.md") == "# notes\n"
    listing = git(bare, "ls-tree", "-r", commit.sha)
    assert "100755 blob" in next(line for line in listing.splitlines() if line.endswith("\tbin/start"))
    assert "120000 blob" in next(line for line in listing.splitlines() if line.endswith("\tlink"))
    assert "app.py" not in {line.split("\t")[1] for line in listing.splitlines()}
    assert "bin/run.sh" in listing  # kept from base_tree
    assert git(bare, "rev-parse", f"{commit.sha}^{{tree}}").strip() == tree.sha
    assert git(bare, "rev-parse", f"{commit.sha}^").strip() == base.sha
    # No author given: GitHub authors it as the token's user and signs it.
    assert commit.committer.email == "noreply@github.com"
    assert commit.raw_data["verification"]["verified"] is True
    assert fake_github.commit_record(commit.sha) == {"author_given": False, "committer_given": False,
                                                     "verified": True}
    # The tree API reads the same objects back.
    names = {e.path for e in repo.get_git_tree(commit.sha, recursive=True).tree}
    assert {"Dockerfile", "docs", "docs/NOTES.md", "bin/start", "link"} <= names


def test_commit_with_explicit_author_is_not_verified(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    repo = fake_github.client().get_repo("octo/app")
    base = repo.get_git_commit(repo.get_git_ref("heads/main").object.sha)
    who = InputGitAuthor("Bot", "bot@example.com", "2024-05-01T12:00:00+02:00")
    commit = repo.create_git_commit("authored", base.tree, [base], author=who)
    assert commit.raw_data["verification"] == {"verified": False, "reason": "unsigned", "signature": None,
                                               "payload": None, "verified_at": None}
    assert commit.author.email == "bot@example.com"
    assert commit.author.date.isoformat() == "2024-05-01T10:00:00+00:00"
    assert fake_github.commit_record(commit.sha)["author_given"] is True  # type: ignore[index]
    line = git(fake_github.repo("octo/app").git_dir, "cat-file", "commit", commit.sha)
    assert "author Bot <bot@example.com> 1714557600 +0200" in line


def test_non_fast_forward_edit_fails_and_force_succeeds(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    human = fake_github.repo("octo/app")
    repo = fake_github.client().get_repo("octo/app")
    ref = repo.get_git_ref("heads/main")
    base = repo.get_git_commit(ref.object.sha)
    ours = repo.create_git_commit("bot change", base.tree, [base])
    theirs = human.commit("main", {"README.md": "hello\n"}, "human change", author_name="Alice",
                          author_email="alice@example.com")
    with pytest.raises(GithubException) as err:
        ref.edit(ours.sha, force=False)
    assert err.value.status == 422
    assert err.value.data["message"] == "Update is not a fast forward"
    assert human.branch_sha("main") == theirs
    ref.edit(ours.sha, force=True)
    assert human.branch_sha("main") == ours.sha


def test_ref_moved_fault_makes_the_update_lose(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    human = fake_github.repo("octo/app")
    repo = fake_github.client().get_repo("octo/app")
    ref = repo.get_git_ref("heads/main")
    base = repo.get_git_commit(ref.object.sha)
    ours = repo.create_git_commit("bot change", base.tree, [base])
    pushed: list[str] = []
    fault = fake_github.before("PATCH", r"/git/refs/heads/main$",
                               lambda: pushed.append(human.commit("main", {"x": "1\n"}, "race",
                                                                  author_name="Bob", author_email="bob@example.com")))
    with pytest.raises(GithubException) as err:
        ref.edit(ours.sha)
    assert err.value.status == 422
    assert fault.hits == 1 and fault.exhausted
    assert human.branch_sha("main") == pushed[0]
    assert human.commits("main")[0].author_name == "Bob"


def test_concurrent_ref_updates_only_one_wins(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    repo = fake_github.client().get_repo("octo/app")
    base = repo.get_git_commit(repo.get_git_ref("heads/main").object.sha)
    candidates = [repo.create_git_commit(f"attempt {i}", base.tree, [base]).sha for i in range(6)]
    barrier = threading.Barrier(len(candidates))
    results: list[int] = []

    def push(sha: str) -> None:
        ref = fake_github.client().get_repo("octo/app").get_git_ref("heads/main")
        ref.object  # noqa: B018  (complete it before the race starts)
        barrier.wait()
        try:
            ref.edit(sha)
            results.append(200)
        except GithubException as exc:
            results.append(exc.status)

    threads = [threading.Thread(target=push, args=(sha,)) for sha in candidates]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(results) == [200] + [422] * (len(candidates) - 1)
    assert fake_github.repo("octo/app").branch_sha("main") in candidates


def test_create_ref_validation(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    repo = fake_github.client().get_repo("octo/app")
    sha = repo.get_git_ref("heads/main").object.sha
    created = repo.create_git_ref("refs/heads/feature", sha)
    assert created.ref == "refs/heads/feature" and created.object.sha == sha
    for ref, target, message in [
        ("refs/heads/feature", sha, "Reference already exists"),
        ("heads/other", sha, "Reference name must contain at least three slash-separated components."),
        ("refs/heads/bad..name", sha, "refs/heads/bad..name is not a valid ref name."),
        ("refs/heads/new", "f" * 40, "Object does not exist"),
    ]:
        with pytest.raises(GithubException) as err:
            repo.create_git_ref(ref, target)
        assert (err.value.status, err.value.data["message"]) == (422, message)
    matching = repo.get_git_matching_refs("heads/feat")
    assert [r.ref for r in matching] == ["refs/heads/feature"]
    repo.get_git_ref("heads/feature").delete()
    with pytest.raises(UnknownObjectException):
        repo.get_git_ref("heads/feature").object  # noqa: B018  (lazy completion fetches)
    assert "refs/heads/feature" not in fake_github.refs("octo/app")


def test_empty_repository_answers_409(fake_github: FakeGitHub) -> None:
    fake_github.create_repo("octo/empty")
    repo = fake_github.client().get_repo("octo/empty")
    with pytest.raises(GithubException) as err:
        repo.create_git_blob("x", "utf-8")
    assert (err.value.status, err.value.data["message"]) == (409, "Git Repository is empty.")
    with pytest.raises(GithubException) as err:
        repo.get_git_ref("heads/main").object  # noqa: B018
    assert err.value.status == 409


def test_strict_request_shapes(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    api = fake_github.api_url
    sha = fake_github.repo("octo/app").branch_sha("main")
    cases = [
        ("PATCH", "/repos/octo/app/git/refs/heads/main", {"sha": sha, "force": "true"}),
        ("PATCH", "/repos/octo/app/git/refs/heads/main", {"force": False}),
        ("POST", "/repos/octo/app/git/commits", {"message": "m", "parents": []}),
        ("POST", "/repos/octo/app/git/commits", {"message": "m", "tree": "0" * 40, "parents": []}),
        ("POST", "/repos/octo/app/git/blobs", {"content": "x", "encoding": "latin-1"}),
        ("POST", "/repos/octo/app/git/trees", {"tree": [{"path": "a", "mode": "100600", "content": "x"}]}),
        ("POST", "/repos/octo/app/pulls", {"head": "main", "base": "main", "title": 5}),
    ]
    for method, path, body in cases:
        response = requests.request(method, api + path, json=body, headers=auth_headers(), timeout=5)
        assert response.status_code == 422, (path, body, response.text)
        assert set(response.json()) >= {"message", "documentation_url"}
    bad = requests.post(api + "/repos/octo/app/git/blobs", data=b"{nope", headers=auth_headers(), timeout=5)
    assert (bad.status_code, bad.json()["message"]) == (400, "Problems parsing JSON")
    assert fake_github.repo("octo/app").branch_sha("main") == sha


# -- authentication, routing, prefixes, log ------------------------------------------------------


def test_authentication_is_required(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    with pytest.raises(BadCredentialsException):
        fake_github.client(token="wrong").get_repo("octo/app")
    anonymous = requests.get(fake_github.api_url + "/repos/octo/app", timeout=5)
    assert (anonymous.status_code, anonymous.json()["message"]) == (401, "Requires authentication")
    bearer = requests.get(fake_github.api_url + "/user", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
                          timeout=5)
    assert bearer.status_code == 200 and bearer.json()["login"] == "modcon-bot[bot]"
    assert bearer.json()["type"] == "Bot"


def test_unknown_routes_are_404_and_recorded(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    fake_github.reset_log()
    response = requests.post(fake_github.api_url + "/repos/octo/app/merges", json={}, headers=auth_headers(),
                             timeout=5)
    assert (response.status_code, response.json()["message"]) == (404, "Not Found")
    unknown = fake_github.unknown_requests()
    assert [(r.method, r.path) for r in unknown] == [("POST", "/repos/octo/app/merges")]


def test_both_url_prefixes_and_request_log(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    fake_github.reset_log()
    from github import Auth
    from github import Github
    root_client = Github(auth=Auth.Token(DEFAULT_TOKEN), base_url=fake_github.server_url,
                         seconds_between_requests=None, seconds_between_writes=None, retry=None)
    repo = root_client.get_repo("octo/app")
    assert repo.url == f"{fake_github.server_url}/repos/octo/app"
    assert fake_github.client().get_repo("octo/app").url == f"{fake_github.api_url}/repos/octo/app"
    issue = repo.create_issue("Tracking")
    issue.create_comment("hello")
    assert [r.path for r in fake_github.requests("GET")] == ["/repos/octo/app"] * 2
    writes = fake_github.write_requests()
    assert [(r.method, r.path, r.status) for r in writes] == [
        ("POST", "/repos/octo/app/issues", 201), ("POST", f"/repos/octo/app/issues/{issue.number}/comments", 201)]
    assert writes[1].body == {"body": "hello"}
    assert fake_github.requests(path_prefix="/repos/octo/app/issues/") == writes[1:]


# -- pull requests -----------------------------------------------------------------------------------


def test_pull_request_create_list_edit_close(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    fake_github.repo("octo/app").commit("modcon/fix", {"Dockerfile": edited_dockerfile()}, "Fix")
    fake_github.repo("octo/app").commit("other", {"README.md": "x\n"}, "Other")
    repo = fake_github.client().get_repo("octo/app")
    pr = repo.create_pull(base="main", head="modcon/fix", title="modcon: fixes", body="Report")
    other = repo.create_pull(base="main", head="other", title="other")
    assert pr.head.ref == "modcon/fix" and pr.base.ref == "main"
    assert pr.head.repo.full_name == "octo/app" and pr.user.login == "modcon-bot[bot]"
    assert (pr.commits, pr.changed_files, pr.additions, pr.deletions) == (1, 1, 2, 1)

    assert [p.number for p in repo.get_pulls(state="open", head="octo:modcon/fix")] == [pr.number]
    assert [p.number for p in repo.get_pulls(head="octo:nothing")] == []
    # Without "owner:", GitHub ignores the head filter and returns everything.
    assert {p.number for p in repo.get_pulls(head="modcon/fix")} == {pr.number, other.number}

    with pytest.raises(GithubException) as err:
        repo.create_pull(base="main", head="modcon/fix", title="again")
    assert err.value.status == 422
    assert err.value.data["errors"][0]["message"] == "A pull request already exists for octo:modcon/fix."
    with pytest.raises(GithubException) as err:
        repo.create_pull(base="main", head="main", title="nothing")
    assert err.value.data["errors"][0]["message"] == "No commits between main and main"
    with pytest.raises(GithubException) as err:
        repo.create_pull(base="main", head="missing", title="nothing")
    assert err.value.data["errors"][0] == {"resource": "PullRequest", "field": "head", "code": "invalid"}

    pr.edit(title="modcon: 2 fixes", body="Updated report")
    pr.edit(state="closed")
    (state,) = [p for p in fake_github.pulls("octo/app") if p["number"] == pr.number]
    assert (state["title"], state["body"], state["state"]) == ("modcon: 2 fixes", "Updated report", "closed")
    assert [p.number for p in repo.get_pulls(state="closed")] == [pr.number]
    assert repo.get_pull(pr.number).closed_at is not None
    # Closed, the branch may get a new pull request.
    assert repo.create_pull(base="main", head="modcon/fix", title="again").number == other.number + 1


def test_pull_head_follows_pushes_and_lists_files_and_commits(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    number = make_fix_pr(fake_github)
    human = fake_github.repo("octo/app")
    pushed = human.commit("modcon/fix", {"app.py": "print('bye')\n"}, "tweak")
    pr = fake_github.client().get_repo("octo/app").get_pull(number)
    assert pr.head.sha == pushed
    assert fake_github.refs("octo/app")[f"refs/pull/{number}/head"] == pushed
    files = {f.filename: f for f in pr.get_files()}
    assert files["Dockerfile"].status == "modified"
    assert files["Dockerfile"].patch.startswith("@@ -1,5 +1,5 @@")
    assert "+STOPSIGNAL SIGTERM" in files["Dockerfile"].patch
    assert [c.commit.message for c in pr.get_commits()] == ["Fix signals", "tweak"]


def test_fork_pull_request(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    fork = fake_github.create_fork("octo/app", "mallory/app")
    fork.commit("patch-1", {"app.py": "print('fork')\n"}, "from a fork")
    gh = fake_github.client()
    upstream = gh.get_repo("octo/app")
    pr = upstream.create_pull(base="main", head="mallory:patch-1", title="fork change")
    assert pr.head.repo.full_name == "mallory/app" and pr.base.repo.full_name == "octo/app"
    assert pr.head.label == "mallory:patch-1"
    assert [f.filename for f in pr.get_files()] == ["app.py"]
    assert [p.number for p in upstream.get_pulls(head="mallory:patch-1")] == [pr.number]
    fork_api = gh.get_repo("mallory/app")
    assert fork_api.fork and fork_api.parent.full_name == "octo/app"
    assert fork_api.permissions.push is False
    with pytest.raises(GithubException) as err:  # the bot cannot push to a contributor's fork
        fork_api.create_git_blob("x", "utf-8")
    assert (err.value.status, err.value.data["message"]) == (403, "Resource not accessible by integration")
    # Shared object store: the base repository can read the fork's commit.
    assert git(fake_github.repo("octo/app").git_dir, "cat-file", "-t", pr.head.sha).strip() == "commit"


def test_review_comment_outside_diff_rejects_whole_review(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    number = make_fix_pr(fake_github)
    pr = fake_github.client().get_repo("octo/app").get_pull(number)
    head = pr.get_commits().reversed[0]
    good = {"path": "Dockerfile", "body": "signals", "line": 22, "side": "RIGHT"}
    outside = {"path": "Dockerfile", "body": "far away", "line": 12, "side": "RIGHT"}
    with pytest.raises(GithubException) as err:
        pr.create_review(commit=head, body="modcon", event="COMMENT", comments=[good, outside])
    assert err.value.status == 422
    assert err.value.data["errors"] == ["Pull request review thread line must be part of the diff"]
    assert fake_github.reviews("octo/app", number) == []
    # start_line in another hunk is rejected too.
    with pytest.raises(GithubException) as err:
        pr.create_review(commit=head, body="x", event="COMMENT",
                         comments=[{"path": "Dockerfile", "body": "range", "start_line": 2, "line": 22}])
    assert "same hunk" in err.value.data["errors"][0]

    multi = {"path": "Dockerfile", "body": "range", "start_line": 20, "start_side": "RIGHT", "line": 22,
             "side": "RIGHT"}
    left = {"path": "Dockerfile", "body": "old line", "line": 2, "side": "LEFT"}
    review = pr.create_review(commit=head, body="modcon review", event="COMMENT", comments=[good, multi, left])
    assert review.state == "COMMENTED" and review.commit_id == head.sha
    (stored,) = fake_github.reviews("octo/app", number)
    assert [(c["line"], c["side"], c["start_line"]) for c in stored["comments"]] == [
        (22, "RIGHT", None), (22, "RIGHT", 20), (2, "LEFT", None)]
    assert [r.id for r in pr.get_reviews()] == [review.id]
    hunks = [c.diff_hunk for c in pr.get_review_comments()]
    assert hunks[0].startswith("@@") and hunks[0].endswith("+STOPSIGNAL SIGTERM")


# -- issues, comments, reactions, labels --------------------------------------------------------------


def test_paginated_issue_comments(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    number = fake_github.create_issue("octo/app", "Busy issue")
    for n in range(75):
        fake_github.add_comment("octo/app", number, f"comment {n}", user="alice")
    issue = fake_github.client(per_page=30).get_repo("octo/app").get_issue(number)
    fake_github.reset_log()
    bodies = [c.body for c in issue.get_comments()]
    assert bodies == [f"comment {n}" for n in range(75)]
    assert [r.status for r in fake_github.requests("GET")] == [200, 200, 200]
    repo_id = fake_github.repo("octo/app").id
    page2 = requests.get(f"{fake_github.api_url}/repos/octo/app/issues/{number}/comments?per_page=30&page=2",
                         headers=auth_headers(), timeout=5)
    base = f"{fake_github.api_url}/repositories/{repo_id}/issues/{number}/comments?per_page=30"
    assert page2.headers["Link"] == (f'<{base}&page=1>; rel="prev", <{base}&page=3>; rel="next", '
                                     f'<{base}&page=3>; rel="last", <{base}&page=1>; rel="first"')
    assert len(page2.json()) == 30


def test_comment_edit_delete_and_reactions(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    number = fake_github.create_issue("octo/app", "Issue")
    human_comment = fake_github.add_comment("octo/app", number, "/modcon fix", user="alice")
    repo = fake_github.client().get_repo("octo/app")
    comment = repo.get_issue(number).get_comment(human_comment)
    first = comment.create_reaction("eyes")
    again = comment.create_reaction("eyes")
    assert first.id == again.id
    fake_github.reset_log()
    comment.create_reaction("rocket")
    comment.create_reaction("eyes")
    assert [r.status for r in fake_github.write_requests()] == [201, 200]
    with pytest.raises(GithubException) as err:
        comment.create_reaction("thumbsup")
    assert err.value.status == 422
    assert sorted(r.content for r in comment.get_reactions()) == ["eyes", "rocket"]
    (stored,) = fake_github.comments("octo/app", number)
    assert sorted(r["content"] for r in stored["reactions"]) == ["eyes", "rocket"]

    mine = repo.get_issue(number).create_comment("working on it")
    mine.edit("done")
    assert repo.get_issue(number).get_comment(mine.id).body == "done"
    mine.delete()
    assert [c["body"] for c in fake_github.comments("octo/app", number)] == ["/modcon fix"]
    with pytest.raises(GithubException) as err:  # the bot may not edit a human's comment without rights
        fake_github.set_permission("octo/app", "modcon-bot[bot]", "read")
        comment.edit("hijacked")
    assert err.value.status == 403


def test_labels(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    number = make_fix_pr(fake_github)
    repo = fake_github.client().get_repo("octo/app")
    created = repo.create_label("modcon", "0e8a16", "Fixed by modcon")
    assert (created.name, created.color) == ("modcon", "0e8a16")
    with pytest.raises(GithubException) as err:
        repo.create_label("MODCON", "ffffff")
    assert err.value.data["errors"] == [{"resource": "Label", "code": "already_exists", "field": "name"}]
    repo.get_pull(number).add_to_labels("modcon", "signals")
    assert fake_github.issue_labels("octo/app", number) == ["modcon", "signals"]
    assert [lb.name for lb in repo.get_issue(number).labels] == ["modcon", "signals"]
    assert {lb["name"] for lb in fake_github.labels("octo/app")} == {"modcon", "signals"}


@pytest.mark.parametrize(("role", "permission"), [
    ("admin", "admin"), ("maintain", "write"), ("write", "write"), ("triage", "read"), ("read", "read"),
    ("none", "none")])
def test_collaborator_permission(fake_github: FakeGitHub, role: str, permission: str) -> None:
    seed(fake_github)
    fake_github.set_permission("octo/app", "alice", role)
    repo = fake_github.client().get_repo("octo/app")
    assert repo.get_collaborator_permission("alice") == permission
    assert repo.get_collaborator_role_name("alice") == role


def test_collaborator_permission_defaults_and_unknown(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    fake_github.create_repo("octo/secret", files={"a": "b"}, private=True)
    fake_github.add_user("bob")
    gh = fake_github.client()
    assert gh.get_repo("octo/app").get_collaborator_permission("octo") == "admin"  # the owner
    assert gh.get_repo("octo/app").get_collaborator_permission("bob") == "read"  # public repository
    assert gh.get_repo("octo/secret").get_collaborator_permission("bob") == "none"
    with pytest.raises(UnknownObjectException):
        gh.get_repo("octo/app").get_collaborator_permission("nobody-knows-me")


# -- commits, compare, contents -----------------------------------------------------------------------


def test_commits_compare_and_contents(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    human = fake_github.repo("octo/app")
    fake_github.add_user("alice", email="alice@example.com")
    sha = human.commit("feature", {"Dockerfile": edited_dockerfile(), "new.txt": "n\n", "app.py": None},
                       "feature work", author_name="Alice", author_email="alice@example.com")
    repo = fake_github.client().get_repo("octo/app")
    commits = list(repo.get_commits(sha="feature"))
    assert [c.sha for c in commits] == [sha, human.branch_sha("main")]
    assert commits[0].commit.author.email == "alice@example.com"
    assert commits[0].author.login == "alice"
    single = repo.get_commit("feature")
    assert {f.filename: f.status for f in single.files} == {"Dockerfile": "modified", "new.txt": "added",
                                                            "app.py": "removed"}
    comparison = repo.compare("main", "feature")
    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == ("ahead", 1, 0)
    assert comparison.merge_base_commit.sha == human.branch_sha("main")
    assert [c.sha for c in comparison.commits] == [sha]
    assert {f.filename for f in comparison.files} == {"Dockerfile", "new.txt", "app.py"}
    content = repo.get_contents("Dockerfile", ref="feature")
    assert content.decoded_content.decode() == edited_dockerfile()
    assert content.sha == git(human.git_dir, "rev-parse", f"{sha}:Dockerfile").strip()
    with pytest.raises(UnknownObjectException):
        repo.get_contents("app.py", ref="feature")
    assert human.read_file("app.py") == "print('hi')\n"
    clone = human.clone(Path(fake_github.root) / "work", branch="feature")
    assert (clone / "new.txt").read_text() == "n\n"


# -- faults ---------------------------------------------------------------------------------------------


def test_502_then_success_is_retried(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    fault = fake_github.fail("GET", r"^/repos/octo/app$", 502, times=2)
    gh = fake_github.client(retry=GithubRetry(total=3, backoff_factor=0.01))
    assert gh.get_repo("octo/app").full_name == "octo/app"
    assert fault.hits == 2
    assert [r.status for r in fake_github.requests("GET", "/repos/octo/app")] == [502, 502, 200]
    # Without retries the 502 reaches the caller, with GitHub's HTML body.
    fake_github.fail("GET", r"^/repos/octo/app$", 502)
    with pytest.raises(GithubException) as err:
        fake_github.client().get_repo("octo/app")
    assert err.value.status == 502 and "502 Bad Gateway" in str(err.value.data)


def test_500_fault_without_retry(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    fake_github.fail("POST", r"/git/blobs$", 500)
    repo = fake_github.client().get_repo("octo/app")
    with pytest.raises(GithubException) as err:
        repo.create_git_blob("x", "utf-8")
    assert err.value.status == 500
    expected = subprocess.run(["git", "hash-object", "--stdin"], input="x", capture_output=True, text=True,
                              check=True).stdout.strip()
    assert repo.create_git_blob("x", "utf-8").sha == expected
    assert [r.status for r in fake_github.requests("POST")] == [500, 201]


def test_secondary_rate_limit_waits_retry_after(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    fake_github.secondary_rate_limit("GET", r"^/repos/octo/app$", retry_after=1)
    gh = fake_github.client(retry=GithubRetry(total=3, backoff_factor=0.01))
    started = time.monotonic()
    assert gh.get_repo("octo/app").name == "app"
    assert time.monotonic() - started >= 0.9
    first, second = fake_github.requests("GET", "/repos/octo/app")
    assert (first.status, first.fault, second.status) == (403, "secondary_rate_limit", 200)
    assert second.time - first.time >= 0.9
    # The raw answer carries GitHub's message and header.
    fake_github.secondary_rate_limit("GET", r"^/user$", retry_after=7)
    raw = requests.get(fake_github.api_url + "/user", headers=auth_headers(), timeout=5)
    assert raw.status_code == 403 and raw.headers["Retry-After"] == "7"
    assert raw.json()["message"].startswith("You have exceeded a secondary rate limit.")


def test_slow_answer_triggers_client_timeout(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    fake_github.slow("GET", r"^/repos/octo/app$", 3.0)
    gh = fake_github.client(timeout=1)  # PyGithub only takes whole seconds
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        gh.get_repo("octo/app")
    assert 0.9 < time.monotonic() - started < 2.5
    assert gh.get_repo("octo/app").name == "app"  # the fault was one-shot


def test_apply_then_502_duplicates_a_retried_post(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    number = fake_github.create_issue("octo/app", "Issue")
    fake_github.apply_then_fail("POST", r"/issues/\d+/comments$")
    gh = fake_github.client(retry=GithubRetry(total=3, backoff_factor=0.01))
    gh.get_repo("octo/app").get_issue(number).create_comment("modcon report")
    posts = fake_github.requests("POST", "/repos/octo/app/issues/")
    assert [(r.status, r.fault) for r in posts] == [(502, "apply_then_502"), (201, None)]
    assert [c["body"] for c in fake_github.comments("octo/app", number)] == ["modcon report"] * 2


def test_fixture_startup_is_fast(tmp_path: Path) -> None:
    started = time.monotonic()
    with FakeGitHub(root=tmp_path / "f") as fake:
        seed(fake)
        assert fake.client().get_user().login == "modcon-bot[bot]"
    assert time.monotonic() - started < 1.0


# -- what the bot's pull-request life needs from the fake ----------------------------------------


def test_issues_list_merge_branch_deletion_and_the_actions_setting(fake_github: FakeGitHub) -> None:
    seed(fake_github)
    gh = fake_github.client().get_repo("octo/app")
    issue = gh.create_issue(title="Dashboard", body="<!-- marker -->\nhi")
    number = make_fix_pr(fake_github)
    # GET /issues lists pull requests too (with a pull_request key), newest first.
    listed = list(gh.get_issues(state="open"))
    assert [i.number for i in listed] == [number, issue.number]
    assert [i.pull_request is not None for i in listed] == [True, False]
    assert [i.number for i in gh.get_issues(state="closed")] == []
    # Deleting a pull request's head branch closes it, as on GitHub.
    deleted = requests.delete(f"{fake_github.api_url}/repos/octo/app/git/refs/heads/modcon/fix",
                              headers=auth_headers(), timeout=10)
    assert deleted.status_code == 204
    assert gh.get_pull(number).state == "closed"
    # Merging makes a real merge commit on the base and marks the pull request merged.
    second = make_fix_pr(fake_github, "modcon/other")
    merge = fake_github.merge_pull("octo/app", second)
    commit = gh.get_git_commit(merge)
    assert len(commit.parents) == 2 and gh.get_git_ref("heads/main").object.sha == merge
    assert gh.get_pull(second).merged and gh.get_contents("Dockerfile").decoded_content.decode() == \
        edited_dockerfile()
    # "Allow GitHub Actions to create and approve pull requests" off: GitHub's 403.
    fake_github.repo("octo/app").commit("modcon/third", {"x.txt": "x\n"}, "x")
    fake_github.set_actions_can_open_pulls("octo/app", False)
    with pytest.raises(GithubException) as refused:
        gh.create_pull(base="main", head="modcon/third", title="t", body="b")
    assert refused.value.status == 403
    assert refused.value.data["message"] == \
        "GitHub Actions is not permitted to create or approve pull requests."
    # A status fault can carry GitHub's own message.
    fake_github.fail("GET", r"/pulls$", status=422, message="Validation Failed")
    with pytest.raises(GithubException) as failed:
        list(gh.get_pulls())
    assert failed.value.status == 422 and failed.value.data["message"] == "Validation Failed"
