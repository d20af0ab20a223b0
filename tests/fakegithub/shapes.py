"""JSON builders for GitHub's REST objects, with GitHub's field names.

PyGithub builds its objects from these dictionaries and follows the ``url``
fields to lazily complete them, so every object carries the URLs GitHub would
send, pointing back at this server (with the API prefix the client used).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from .diffs import FileDiff
from .gitstore import CommitObject, Person, TreeEntry
from .state import (
    LEGACY_PERMISSION,
    REACTIONS,
    Comment,
    CommitMeta,
    Issue,
    Label,
    Reaction,
    Repo,
    Review,
    ReviewComment,
    State,
    User,
    role_at_least,
)


@dataclass(frozen=True)
class Urls:
    """Where the API and the web UI live, as seen by the current request."""

    api: str  # e.g. http://127.0.0.1:PORT/api/v3 (no trailing slash)
    web: str  # e.g. http://127.0.0.1:PORT

    def repo(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def repo_html(self, repo: Repo) -> str:
        return f"{self.web}/{repo.full_name}"


def node_id(prefix: str, ident: int | str) -> str:
    """An opaque GraphQL-style node id, stable for a given object."""
    raw = base64.b64encode(f"{prefix}:{ident}".encode()).decode().rstrip("=")
    return f"{prefix}_{raw}"


def b64_wrapped(data: bytes) -> str:
    """Base64 with a newline every 60 characters, as GitHub serves blob and file content."""
    enc = base64.b64encode(data).decode()
    return "".join(enc[i:i + 60] + "\n" for i in range(0, len(enc), 60))


# -- users and repositories ----------------------------------------------------------------


def user(u: Urls, user: User) -> dict[str, Any]:
    base = f"{u.api}/users/{user.login}"
    return {
        "login": user.login,
        "id": user.id,
        "node_id": node_id("U" if user.type != "Bot" else "BOT", user.id),
        "avatar_url": f"{u.web}/avatars/u/{user.id}",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{u.web}/apps/{user.login.removesuffix('[bot]')}" if user.type == "Bot"
        else f"{u.web}/{user.login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": user.type,
        "user_view_type": "public",
        "site_admin": False,
    }


def full_user(u: Urls, usr: User) -> dict[str, Any]:
    out = user(u, usr)
    out.update({"name": usr.name, "email": usr.email, "company": None, "blog": "", "location": None,
                "bio": None, "public_repos": 0, "followers": 0, "following": 0,
                "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z"})
    return out


def permissions(role: str) -> dict[str, bool]:
    return {"admin": role_at_least(role, "admin"), "maintain": role_at_least(role, "maintain"),
            "push": role_at_least(role, "write"), "triage": role_at_least(role, "triage"),
            "pull": role_at_least(role, "read")}


def repository(u: Urls, st: State, repo: Repo, viewer: User | None, *, with_parent: bool = True) -> dict[str, Any]:
    api = u.repo(repo)
    out: dict[str, Any] = {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user(u, repo.owner),
        "html_url": u.repo_html(repo),
        "description": repo.description,
        "fork": repo.parent is not None,
        "url": api,
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "comments_url": f"{api}/comments{{/number}}",
        "commits_url": f"{api}/commits{{/sha}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_url": f"git://{u.web.split('://', 1)[1]}/{repo.full_name}.git",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "issues_url": f"{api}/issues{{/number}}",
        "labels_url": f"{api}/labels{{/name}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "clone_url": f"{u.repo_html(repo)}.git",
        "ssh_url": f"git@fake-github:{repo.full_name}.git",
        "svn_url": u.repo_html(repo),
        "homepage": None,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": None,
        "has_issues": True,
        "has_projects": False,
        "has_downloads": True,
        "has_wiki": False,
        "has_pages": False,
        "forks_count": 0,
        "archived": False,
        "disabled": False,
        "open_issues_count": sum(1 for i in repo.issues.values() if i.state == "open"),
        "license": None,
        "allow_forking": True,
        "is_template": False,
        "topics": [],
        "visibility": "private" if repo.private else "public",
        "forks": 0,
        "open_issues": sum(1 for i in repo.issues.values() if i.state == "open"),
        "watchers": 0,
        "default_branch": repo.default_branch,
        "created_at": repo.created_at,
        "updated_at": repo.created_at,
        "pushed_at": repo.created_at,
    }
    if viewer is not None:
        out["permissions"] = permissions(st.role(repo, viewer))
    if with_parent and repo.parent is not None:
        out["parent"] = repository(u, st, repo.parent, viewer, with_parent=False)
        out["source"] = repository(u, st, repo.network_root, viewer, with_parent=False)
    return out


def collaborator_permission(u: Urls, usr: User, role: str) -> dict[str, Any]:
    body = user(u, usr)
    body["permissions"] = permissions(role)
    body["role_name"] = role
    return {"permission": LEGACY_PERMISSION[role], "role_name": role, "user": body}


# -- git data ---------------------------------------------------------------------------------


def ref(u: Urls, repo: Repo, name: str, sha: str, typ: str = "commit") -> dict[str, Any]:
    short = name.removeprefix("refs/")
    kind = {"commit": "commits", "tag": "tags", "tree": "trees", "blob": "blobs"}[typ]
    return {
        "ref": name,
        "node_id": node_id("REF", f"{repo.id}:{name}"),
        "url": f"{u.repo(repo)}/git/refs/{short}",
        "object": {"sha": sha, "type": typ, "url": f"{u.repo(repo)}/git/{kind}/{sha}"},
    }


def blob(u: Urls, repo: Repo, sha: str, data: bytes) -> dict[str, Any]:
    return {"sha": sha, "node_id": node_id("B", sha), "size": len(data), "url": f"{u.repo(repo)}/git/blobs/{sha}",
            "content": b64_wrapped(data), "encoding": "base64"}


def tree(u: Urls, repo: Repo, sha: str, entries: list[TreeEntry]) -> dict[str, Any]:
    items = []
    for e in entries:
        item: dict[str, Any] = {"path": e.path, "mode": e.mode, "type": e.type, "sha": e.sha}
        if e.type == "blob":
            item["size"] = e.size
            item["url"] = f"{u.repo(repo)}/git/blobs/{e.sha}"
        elif e.type == "tree":
            item["url"] = f"{u.repo(repo)}/git/trees/{e.sha}"
        items.append(item)
    return {"sha": sha, "url": f"{u.repo(repo)}/git/trees/{sha}", "tree": items, "truncated": False}


def git_person(p: Person) -> dict[str, Any]:
    return {"name": p.name, "email": p.email, "date": p.iso()}


def verification(meta: CommitMeta | None, commit: CommitObject) -> dict[str, Any]:
    if meta is not None and meta.verified:
        # GitHub signs commits it creates on a client's behalf when the client
        # leaves author and committer to GitHub.
        signature = "-----BEGIN PGP SIGNATURE-----\n\nfake\n-----END PGP SIGNATURE-----\n"
        return {"verified": True, "reason": "valid", "signature": signature, "payload": f"tree {commit.tree}\n",
                "verified_at": commit.committer.iso()}
    return {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None}


def git_commit(u: Urls, repo: Repo, c: CommitObject, meta: CommitMeta | None) -> dict[str, Any]:
    api = u.repo(repo)
    return {
        "sha": c.sha,
        "node_id": node_id("C", c.sha),
        "url": f"{api}/git/commits/{c.sha}",
        "html_url": f"{u.repo_html(repo)}/commit/{c.sha}",
        "author": git_person(c.author),
        "committer": git_person(c.committer),
        "tree": {"sha": c.tree, "url": f"{api}/git/trees/{c.tree}"},
        "message": c.message,
        "parents": [{"sha": p, "url": f"{api}/git/commits/{p}", "html_url": f"{u.repo_html(repo)}/commit/{p}"}
                    for p in c.parents],
        "verification": verification(meta, c),
    }


def _linked_user(u: Urls, st: State, email: str) -> dict[str, Any] | None:
    if email == "noreply@github.com":
        web_flow = st.add_user("web-flow")
        return user(u, web_flow)
    found = st.user_by_email(email)
    return user(u, found) if found else None


def file_entry(u: Urls, repo: Repo, f: FileDiff, ref_sha: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "sha": f.sha or "0" * 40,
        "filename": f.filename,
        "status": f.status,
        "additions": f.additions,
        "deletions": f.deletions,
        "changes": f.changes,
        "blob_url": f"{u.repo_html(repo)}/blob/{ref_sha}/{f.filename}",
        "raw_url": f"{u.repo_html(repo)}/raw/{ref_sha}/{f.filename}",
        "contents_url": f"{u.repo(repo)}/contents/{f.filename}?ref={ref_sha}",
    }
    if f.patch is not None:
        out["patch"] = f.patch
    if f.previous_filename:
        out["previous_filename"] = f.previous_filename
    return out


def commit(u: Urls, st: State, repo: Repo, c: CommitObject, files: list[FileDiff] | None = None) -> dict[str, Any]:
    """The ``GET /repos/{o}/{r}/commits/{ref}`` shape (a git commit wrapped with GitHub data)."""
    api = u.repo(repo)
    inner = git_commit(u, repo, c, st.commit_meta.get(c.sha))
    inner.pop("sha")
    inner.pop("node_id")
    inner.pop("parents")
    inner.pop("html_url")
    inner["comment_count"] = 0
    out: dict[str, Any] = {
        "sha": c.sha,
        "node_id": node_id("C", c.sha),
        "commit": inner,
        "url": f"{api}/commits/{c.sha}",
        "html_url": f"{u.repo_html(repo)}/commit/{c.sha}",
        "comments_url": f"{api}/commits/{c.sha}/comments",
        "author": _linked_user(u, st, c.author.email),
        "committer": _linked_user(u, st, c.committer.email),
        "parents": [{"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{u.repo_html(repo)}/commit/{p}"}
                    for p in c.parents],
    }
    if files is not None:
        adds = sum(f.additions for f in files)
        dels = sum(f.deletions for f in files)
        out["stats"] = {"total": adds + dels, "additions": adds, "deletions": dels}
        out["files"] = [file_entry(u, repo, f, c.sha) for f in files]
    return out


def content_file(u: Urls, repo: Repo, path: str, sha: str, data: bytes, ref: str) -> dict[str, Any]:
    api_url = f"{u.repo(repo)}/contents/{path}?ref={ref}"
    git_url = f"{u.repo(repo)}/git/blobs/{sha}"
    html_url = f"{u.repo_html(repo)}/blob/{ref}/{path}"
    return {
        "type": "file", "encoding": "base64", "size": len(data), "name": path.rsplit("/", 1)[-1], "path": path,
        "content": b64_wrapped(data), "sha": sha, "url": api_url, "git_url": git_url, "html_url": html_url,
        "download_url": f"{u.web}/raw/{repo.full_name}/{ref}/{path}",
        "_links": {"self": api_url, "git": git_url, "html": html_url},
    }


def content_entry(u: Urls, repo: Repo, e: TreeEntry, ref: str) -> dict[str, Any]:
    typ = {"blob": "file", "tree": "dir", "commit": "submodule"}[e.type]
    if e.mode == "120000":
        typ = "symlink"
    api_url = f"{u.repo(repo)}/contents/{e.path}?ref={ref}"
    kind = "trees" if e.type == "tree" else "blobs"
    git_url = f"{u.repo(repo)}/git/{kind}/{e.sha}"
    html_url = f"{u.repo_html(repo)}/{'tree' if e.type == 'tree' else 'blob'}/{ref}/{e.path}"
    return {
        "type": typ, "size": e.size or 0, "name": e.path.rsplit("/", 1)[-1], "path": e.path, "sha": e.sha,
        "url": api_url, "git_url": git_url, "html_url": html_url,
        "download_url": f"{u.web}/raw/{repo.full_name}/{ref}/{e.path}" if typ == "file" else None,
        "_links": {"self": api_url, "git": git_url, "html": html_url},
    }


# -- issues, comments, labels, reactions ------------------------------------------------------------


def label(u: Urls, repo: Repo, lb: Label) -> dict[str, Any]:
    return {"id": lb.id, "node_id": node_id("LA", lb.id), "url": f"{u.repo(repo)}/labels/{lb.name}",
            "name": lb.name, "color": lb.color, "default": lb.default, "description": lb.description}


def reaction(u: Urls, r: Reaction) -> dict[str, Any]:
    return {"id": r.id, "node_id": node_id("REA", r.id), "user": user(u, r.user), "content": r.content,
            "created_at": r.created_at}


def reaction_rollup(url: str, reactions: list[Reaction]) -> dict[str, Any]:
    out: dict[str, Any] = {"url": url, "total_count": len(reactions)}
    for content in REACTIONS:
        out[content] = sum(1 for r in reactions if r.content == content)
    return out


def author_association(st: State, repo: Repo, usr: User) -> str:
    if usr.login.lower() == repo.owner.login.lower():
        return "OWNER"
    if usr.login.lower() in repo.roles and repo.roles[usr.login.lower()] != "none":
        return "COLLABORATOR"
    return "NONE"


def comment(u: Urls, st: State, c: Comment) -> dict[str, Any]:
    api = u.repo(c.repo)
    url = f"{api}/issues/comments/{c.id}"
    return {
        "id": c.id,
        "node_id": node_id("IC", c.id),
        "url": url,
        "html_url": f"{u.repo_html(c.repo)}/issues/{c.issue_number}#issuecomment-{c.id}",
        "body": c.body,
        "user": user(u, c.user),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "issue_url": f"{api}/issues/{c.issue_number}",
        "author_association": author_association(st, c.repo, c.user),
        "performed_via_github_app": None,
        "reactions": reaction_rollup(f"{url}/reactions", c.reactions),
    }


def issue(u: Urls, st: State, i: Issue) -> dict[str, Any]:
    api = u.repo(i.repo)
    url = f"{api}/issues/{i.number}"
    out: dict[str, Any] = {
        "id": i.id,
        "node_id": node_id("I", i.id),
        "url": url,
        "repository_url": api,
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{u.repo_html(i.repo)}/{'pull' if i.pull else 'issues'}/{i.number}",
        "number": i.number,
        "state": i.state,
        "state_reason": "completed" if i.state == "closed" and not i.pull else None,
        "title": i.title,
        "body": i.body,
        "user": user(u, i.user),
        "labels": [label(u, i.repo, i.repo.labels[n.lower()]) for n in i.labels],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": len(i.comment_ids),
        "closed_at": i.closed_at,
        "created_at": i.created_at,
        "updated_at": i.updated_at,
        "closed_by": None,
        "author_association": author_association(st, i.repo, i.user),
        "reactions": reaction_rollup(f"{url}/reactions", i.reactions),
    }
    if i.pull:
        out["pull_request"] = {"url": f"{api}/pulls/{i.number}", "html_url": f"{u.repo_html(i.repo)}/pull/{i.number}",
                               "diff_url": f"{u.repo_html(i.repo)}/pull/{i.number}.diff",
                               "patch_url": f"{u.repo_html(i.repo)}/pull/{i.number}.patch",
                               "merged_at": i.pull.merged_at}
    return out


# -- pull requests and reviews ------------------------------------------------------------------------


def _part(u: Urls, st: State, repo: Repo, ref_name: str, sha: str, viewer: User | None) -> dict[str, Any]:
    return {"label": f"{repo.owner.login}:{ref_name}", "ref": ref_name, "sha": sha, "user": user(u, repo.owner),
            "repo": repository(u, st, repo, viewer, with_parent=False)}


def pull(u: Urls, st: State, i: Issue, base_sha: str, viewer: User | None,
         stats: tuple[int, int, int, int] | None = None) -> dict[str, Any]:
    """A pull request. ``stats`` = (commits, additions, deletions, changed_files) for the full shape."""
    assert i.pull is not None
    p = i.pull
    api = u.repo(i.repo)
    url = f"{api}/pulls/{i.number}"
    html = f"{u.repo_html(i.repo)}/pull/{i.number}"
    issue_url = f"{api}/issues/{i.number}"
    out: dict[str, Any] = {
        "url": url,
        "id": i.pull_id,
        "node_id": node_id("PR", i.pull_id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue_url,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{issue_url}/comments",
        "statuses_url": f"{api}/statuses/{p.head_sha}",
        "number": i.number,
        "state": i.state,
        "locked": False,
        "title": i.title,
        "user": user(u, i.user),
        "body": i.body,
        "labels": [label(u, i.repo, i.repo.labels[n.lower()]) for n in i.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": i.created_at,
        "updated_at": i.updated_at,
        "closed_at": i.closed_at,
        "merged_at": p.merged_at,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _part(u, st, p.head_repo, p.head_ref, p.head_sha, viewer),
        "base": _part(u, st, i.repo, p.base_ref, base_sha, viewer),
        "_links": {
            "self": {"href": url}, "html": {"href": html}, "issue": {"href": issue_url},
            "comments": {"href": f"{issue_url}/comments"}, "review_comments": {"href": f"{url}/comments"},
            "review_comment": {"href": f"{api}/pulls/comments{{/number}}"}, "commits": {"href": f"{url}/commits"},
            "statuses": {"href": f"{api}/statuses/{p.head_sha}"},
        },
        "author_association": author_association(st, i.repo, i.user),
        "auto_merge": None,
        "draft": p.draft,
    }
    if stats is not None:
        commits, additions, deletions, changed = stats
        out.update({
            "merged": p.merged_at is not None, "mergeable": True, "rebaseable": True,
            "mergeable_state": "clean", "merged_by": None, "comments": len(i.comment_ids),
            "review_comments": sum(len(r.comments) for r in p.reviews),
            "maintainer_can_modify": p.maintainer_can_modify, "commits": commits, "additions": additions,
            "deletions": deletions, "changed_files": changed,
        })
    return out


def review(u: Urls, st: State, r: Review) -> dict[str, Any]:
    api = u.repo(r.repo)
    html = f"{u.repo_html(r.repo)}/pull/{r.pull_number}#pullrequestreview-{r.id}"
    pr_url = f"{api}/pulls/{r.pull_number}"
    out: dict[str, Any] = {
        "id": r.id,
        "node_id": node_id("PRR", r.id),
        "user": user(u, r.user),
        "body": r.body,
        "state": r.state,
        "html_url": html,
        "pull_request_url": pr_url,
        "author_association": author_association(st, r.repo, r.user),
        "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}},
        "commit_id": r.commit_id,
    }
    if r.submitted_at:
        out["submitted_at"] = r.submitted_at
    return out


def review_comment(u: Urls, st: State, c: ReviewComment) -> dict[str, Any]:
    api = u.repo(c.repo)
    url = f"{api}/pulls/comments/{c.id}"
    html = f"{u.repo_html(c.repo)}/pull/{c.pull_number}#discussion_r{c.id}"
    pr_url = f"{api}/pulls/{c.pull_number}"
    return {
        "url": url,
        "pull_request_review_id": c.review_id,
        "id": c.id,
        "node_id": node_id("PRRC", c.id),
        "diff_hunk": c.diff_hunk,
        "path": c.path,
        "position": c.position,
        "original_position": c.position,
        "commit_id": c.commit_id,
        "original_commit_id": c.commit_id,
        "user": user(u, c.user),
        "body": c.body,
        "created_at": c.created_at,
        "updated_at": c.created_at,
        "html_url": html,
        "pull_request_url": pr_url,
        "author_association": author_association(st, c.repo, c.user),
        "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pr_url}},
        "start_line": c.start_line,
        "original_start_line": c.start_line,
        "start_side": c.start_side,
        "line": c.line,
        "original_line": c.line,
        "side": c.side,
        "subject_type": "line",
        "reactions": reaction_rollup(f"{url}/reactions", []),
    }
