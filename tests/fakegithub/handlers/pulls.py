"""Pull requests: list/create/get/edit, files, commits, reviews and review comments."""

from __future__ import annotations

from typing import Any

from .. import shapes
from ..diffs import FileDiff, file_diffs
from ..errors import ApiError, invalid_request, not_found, validation_failed
from ..routes import Ctx, Response, need, repo_of, router
from ..schema import check_object, opt, req
from ..state import Issue, PullInfo, Repo, Review, ReviewComment, State, User, now_iso
from .issues import _check_body_length

DOC_PULLS = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
DOC_REVIEWS = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"


def _base_sha(st: State, issue: Issue) -> str:
    assert issue.pull is not None
    sha = issue.repo.store.ref_sha(f"refs/heads/{issue.pull.base_ref}")
    return sha or issue.repo.store.resolve(issue.repo.default_branch) or "0" * 40


def _range(st: State, issue: Issue, head: str | None = None) -> tuple[str, str]:
    """(merge base, head) of a pull request: what GitHub diffs and lists commits over."""
    head = head or st.refresh_head(issue)
    base = _base_sha(st, issue)
    mb = issue.repo.store.merge_base(base, head) or base
    return mb, head


def _files(st: State, issue: Issue, head: str | None = None) -> list[FileDiff]:
    mb, head = _range(st, issue, head)
    return file_diffs(issue.repo.store, mb, head)


def _full(ctx: Ctx, issue: Issue) -> dict[str, Any]:
    st = ctx.state
    mb, head = _range(st, issue)
    commits = len(issue.repo.store.rev_list(head, exclude=mb))
    files = file_diffs(issue.repo.store, mb, head)
    stats = (commits, sum(f.additions for f in files), sum(f.deletions for f in files), len(files))
    return shapes.pull(ctx.urls, st, issue, _base_sha(st, issue), ctx.user, stats)


def _summary(ctx: Ctx, issue: Issue) -> dict[str, Any]:
    ctx.state.refresh_head(issue)
    return shapes.pull(ctx.urls, ctx.state, issue, _base_sha(ctx.state, issue), ctx.user)


# -- list / create / get / edit -----------------------------------------------------------------


@router.route("GET", "/repos/{owner}/{repo}/pulls")
def list_pulls(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    state = ctx.enum_arg("state", ("open", "closed", "all"), "open")
    sort = ctx.enum_arg("sort", ("created", "updated", "popularity", "long-running"), "created")
    direction = ctx.enum_arg("direction", ("asc", "desc"), "desc")
    pulls = [i for i in found.issues.values() if i.pull is not None]
    if state != "all":
        pulls = [i for i in pulls if i.state == state]
    head = ctx.arg("head")
    # GitHub only honours head as "owner:branch"; a bare branch name is ignored
    # (every pull request is returned), a classic trap this fake reproduces.
    if head and ":" in head:
        h_owner, _, h_ref = head.partition(":")
        pulls = [i for i in pulls if i.pull and i.pull.head_repo.owner.login.lower() == h_owner.lower()
                 and i.pull.head_ref == h_ref]
    base = ctx.arg("base")
    if base:
        pulls = [i for i in pulls if i.pull and i.pull.base_ref == base]
    key = (lambda i: (i.updated_at, i.number)) if sort == "updated" else (lambda i: (i.created_at, i.number))
    pulls.sort(key=key, reverse=direction == "desc")
    page, headers = ctx.paginate(pulls, found)
    return Response(200, [_summary(ctx, i) for i in page], headers)


CREATE_SPEC = {"title": opt(str), "head": req(str), "head_repo": opt(str), "base": req(str), "body": opt(str),
               "maintainer_can_modify": opt(bool), "draft": opt(bool), "issue": opt(int)}


def _head_repo(st: State, base_repo: Repo, head: str, head_repo_name: str | None) -> tuple[Repo, str]:
    """``branch`` (same repository) or ``owner:branch`` (a repository of the fork network)."""
    owner, sep, branch = head.partition(":")
    if not sep:
        return base_repo, head
    candidates = [r for r in st.network(base_repo) if r.owner.login.lower() == owner.lower()]
    if head_repo_name:
        candidates = [r for r in candidates if r.name.lower() == head_repo_name.lower()]
    if not candidates:
        raise validation_failed({"resource": "PullRequest", "field": "head", "code": "invalid"}, doc=DOC_PULLS)
    return candidates[0], branch


@router.route("POST", "/repos/{owner}/{repo}/pulls")
def create_pull(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    body = check_object(ctx.body, CREATE_SPEC)
    if "title" not in body and "issue" not in body:
        raise invalid_request("\"title\" wasn't supplied.")
    if ctx.user.type == "Bot" and not found.actions_can_open_pulls:
        raise ApiError(403, "GitHub Actions is not permitted to create or approve pull requests.",
                       documentation_url=DOC_PULLS)
    # A pull request's body is its issue's: the same 65536-character limit, reported
    # for the resource "Issue" (the 422 quoted in renovatebot/renovate#2032).
    _check_body_length(body.get("body"), "Issue")
    issue = open_pull(ctx.state, found, ctx.user, body["head"], body["base"], body.get("title", ""),
                      body.get("body"), body.get("draft", False), body.get("maintainer_can_modify", True),
                      head_repo_name=body.get("head_repo"))
    return Response(201, _full(ctx, issue))


def open_pull(st: State, found: Repo, user: User, head: str, base: str, title: str, body: str | None,
              draft: bool = False, maintainer_can_modify: bool = True, *,
              head_repo_name: str | None = None) -> Issue:
    """Create a pull request with GitHub's validations (shared by the API and the test helper)."""
    head_repo, head_ref = _head_repo(st, found, head, head_repo_name)
    base_sha = found.store.ref_sha(f"refs/heads/{base}")
    if base_sha is None:
        raise validation_failed({"resource": "PullRequest", "field": "base", "code": "invalid"}, doc=DOC_PULLS)
    head_sha = head_repo.store.ref_sha(f"refs/heads/{head_ref}")
    if head_sha is None:
        raise validation_failed({"resource": "PullRequest", "field": "head", "code": "invalid"}, doc=DOC_PULLS)
    label = f"{head_repo.owner.login}:{head_ref}"
    for other in found.issues.values():
        p = other.pull
        if p and other.state == "open" and p.head_repo is head_repo and p.head_ref == head_ref \
                and p.base_ref == base:
            raise validation_failed({"resource": "PullRequest", "code": "custom",
                                     "message": f"A pull request already exists for {label}."}, doc=DOC_PULLS)
    if found.store.is_ancestor(head_sha, base_sha):
        shown = head_ref if head_repo is found else label
        raise validation_failed({"resource": "PullRequest", "code": "custom",
                                 "message": f"No commits between {base} and {shown}"}, doc=DOC_PULLS)
    issue = st.new_issue(found, title, body, user)
    issue.pull = PullInfo(head_repo, head_ref, head_sha, base, draft, maintainer_can_modify)
    issue.pull_id = st.next_id("pull")
    st.refresh_head(issue)
    return issue


@router.route("GET", "/repos/{owner}/{repo}/pulls/{number:int}")
def get_pull(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    return Response(200, _full(ctx, ctx.state.pull(found, number)))


EDIT_SPEC = {"title": opt(str), "body": opt(str, nullable=True), "state": opt(str, enum=("open", "closed")),
             "base": opt(str), "maintainer_can_modify": opt(bool)}


@router.route("PATCH", "/repos/{owner}/{repo}/pulls/{number:int}")
def edit_pull(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.pull(found, number)
    assert issue.pull is not None
    if ctx.user is not issue.user:
        need(ctx, found, "triage")
    body = check_object(ctx.body, EDIT_SPEC)
    _check_body_length(body.get("body"), "Issue")
    if "base" in body:
        if found.store.ref_sha(f"refs/heads/{body['base']}") is None:
            raise validation_failed({"resource": "PullRequest", "field": "base", "code": "invalid"}, doc=DOC_PULLS)
        issue.pull.base_ref = body["base"]
    if body.get("state") == "open" and issue.state == "closed":
        if issue.pull.merged_at:
            raise validation_failed({"resource": "PullRequest", "code": "custom",
                                     "message": "Cannot reopen a merged pull request"})
        for other in found.issues.values():
            p = other.pull
            if other is not issue and p and other.state == "open" and p.head_repo is issue.pull.head_repo \
                    and p.head_ref == issue.pull.head_ref and p.base_ref == issue.pull.base_ref:
                label = f"{p.head_repo.owner.login}:{p.head_ref}"
                raise validation_failed({"resource": "PullRequest", "code": "custom",
                                         "message": f"A pull request already exists for {label}."})
    if "title" in body:
        issue.title = body["title"]
    if "body" in body:
        issue.body = body["body"]
    if "maintainer_can_modify" in body:
        issue.pull.maintainer_can_modify = body["maintainer_can_modify"]
    if "state" in body and body["state"] != issue.state:
        issue.state = body["state"]
        issue.closed_at = now_iso() if issue.state == "closed" else None
    issue.updated_at = now_iso()
    return Response(200, _full(ctx, issue))


@router.route("GET", "/repos/{owner}/{repo}/pulls/{number:int}/files")
def pull_files(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.pull(found, number)
    files = _files(ctx.state, issue)[:3000]
    page, headers = ctx.paginate(files, found)
    head = issue.pull.head_sha if issue.pull else ""
    return Response(200, [shapes.file_entry(ctx.urls, found, f, head) for f in page], headers)


@router.route("GET", "/repos/{owner}/{repo}/pulls/{number:int}/commits")
def pull_commits(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.pull(found, number)
    mb, head = _range(ctx.state, issue)
    shas = found.store.rev_list(head, exclude=mb, reverse=True)[:250]
    page, headers = ctx.paginate(shas, found)
    return Response(200, [shapes.commit(ctx.urls, ctx.state, found, c) for c in found.store.read_commits(page)],
                    headers)


# -- reviews ---------------------------------------------------------------------------------------

REVIEW_SPEC = {"commit_id": opt(str), "body": opt(str),
               "event": opt(str, enum=("APPROVE", "REQUEST_CHANGES", "COMMENT")), "comments": opt(list)}
REVIEW_COMMENT_SPEC = {"path": req(str), "body": req(str), "line": opt(int), "side": opt(str, enum=("LEFT", "RIGHT")),
                       "start_line": opt(int), "start_side": opt(str, enum=("LEFT", "RIGHT")), "position": opt(int)}
_STATES = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}


def _review_errors(spec: dict[str, Any], files: dict[str, FileDiff]) -> tuple[list[str], dict[str, Any]]:
    """Check one draft comment against the diff; return (errors, normalised fields)."""
    f = files.get(spec["path"])
    if f is None:
        return ["Path could not be resolved"], {}
    if "line" in spec:
        side, line = spec.get("side", "RIGHT"), spec["line"]
    elif "position" in spec:
        found = f.at_position(spec["position"])
        if found is None:
            return ["Pull request review thread position is invalid"], {}
        side, line = found
    else:
        return ["Pull request review thread line must be part of the diff"], {}
    errors = []
    hunk = f.hunk_of(side, line)
    if hunk is None:
        errors.append("Pull request review thread line must be part of the diff")
    start_line, start_side = spec.get("start_line"), spec.get("start_side")
    if start_line is not None:
        start_side = start_side or side
        if start_line >= line and start_side == side:
            errors.append("Pull request review thread start line must precede the end line.")
        start_hunk = f.hunk_of(start_side, start_line)
        if start_hunk is None:
            errors.append("Pull request review thread start line must be part of the diff")
        elif hunk is not None and start_hunk != hunk:
            errors.append("Pull request review thread start line must be part of the same hunk as the line.")
    elif start_side is not None:
        errors.append("Pull request review thread start side requires a start line")
    if errors:
        return errors, {}
    return [], {"side": side, "line": line, "start_line": start_line, "start_side": start_side,
                "diff_hunk": f.diff_hunk(side, line), "position": spec.get("position")}


@router.route("POST", "/repos/{owner}/{repo}/pulls/{number:int}/reviews")
def create_review(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.pull(found, number)
    assert issue.pull is not None
    body = check_object(ctx.body, REVIEW_SPEC)
    drafts = [check_object(c, REVIEW_COMMENT_SPEC, where="properties/comments/items")
              for c in body.get("comments", [])]
    head = ctx.state.refresh_head(issue)
    commit_id = body.get("commit_id", head)
    if found.store.object_type(commit_id) != "commit":
        raise validation_failed({"resource": "PullRequestReview", "field": "commit_id", "code": "invalid"},
                                doc=DOC_REVIEWS)
    event = body.get("event")
    text = body.get("body", "")
    if event in ("APPROVE", "REQUEST_CHANGES") and ctx.user is issue.user:
        verb = "approve" if event == "APPROVE" else "request changes on"
        raise ApiError(422, "Unprocessable Entity", errors=[f"Can not {verb} your own pull request"],
                       documentation_url=DOC_REVIEWS)
    if event in ("REQUEST_CHANGES", "COMMENT") and not text and not drafts:
        raise ApiError(422, "Unprocessable Entity", errors=["Body is required"], documentation_url=DOC_REVIEWS)
    files = {f.filename: f for f in _files(ctx.state, issue, commit_id)}
    checked, errors = [], []
    for draft in drafts:
        errs, fields = _review_errors(draft, files)
        errors += errs
        checked.append((draft, fields))
    if errors:
        # One bad thread rejects the whole review; nothing is stored.
        raise ApiError(422, "Unprocessable Entity", errors=sorted(set(errors), key=errors.index),
                       documentation_url=DOC_REVIEWS)
    st = ctx.state
    review = Review(st.next_id("review"), found, number, ctx.user, text, _STATES.get(event or "", "PENDING"),
                    commit_id, now_iso() if event else None)
    for draft, fields in checked:
        rc = ReviewComment(st.next_id("review_comment"), review.id, found, number, ctx.user, draft["path"],
                           draft["body"], fields["line"], fields["side"], fields["start_line"],
                           fields["start_side"], fields["position"], commit_id, fields["diff_hunk"], now_iso())
        review.comments.append(rc)
        st.review_comments[rc.id] = rc
    issue.pull.reviews.append(review)
    return Response(200, shapes.review(ctx.urls, st, review))


@router.route("GET", "/repos/{owner}/{repo}/pulls/{number:int}/reviews")
def list_reviews(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.pull(found, number)
    assert issue.pull is not None
    # A pending review is visible to its author only.
    visible = [r for r in issue.pull.reviews if r.state != "PENDING" or r.user is ctx.user]
    page, headers = ctx.paginate(visible, found)
    return Response(200, [shapes.review(ctx.urls, ctx.state, r) for r in page], headers)


def _review(ctx: Ctx, issue: Issue, review_id: int) -> Review:
    assert issue.pull is not None
    review = next((r for r in issue.pull.reviews if r.id == review_id), None)
    if review is None:
        raise not_found()
    return review


@router.route("GET", "/repos/{owner}/{repo}/pulls/{number:int}/reviews/{review_id:int}")
def get_review(ctx: Ctx, owner: str, repo: str, number: int, review_id: int) -> Response:
    found = repo_of(ctx, owner, repo)
    return Response(200, shapes.review(ctx.urls, ctx.state, _review(ctx, ctx.state.pull(found, number), review_id)))


@router.route("GET", "/repos/{owner}/{repo}/pulls/{number:int}/reviews/{review_id:int}/comments")
def review_comments(ctx: Ctx, owner: str, repo: str, number: int, review_id: int) -> Response:
    found = repo_of(ctx, owner, repo)
    review = _review(ctx, ctx.state.pull(found, number), review_id)
    page, headers = ctx.paginate(review.comments, found)
    return Response(200, [shapes.review_comment(ctx.urls, ctx.state, c) for c in page], headers)


@router.route("GET", "/repos/{owner}/{repo}/pulls/{number:int}/comments")
def pull_review_comments(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.pull(found, number)
    assert issue.pull is not None
    comments = [c for r in issue.pull.reviews if r.state != "PENDING" for c in r.comments]
    page, headers = ctx.paginate(comments, found)
    return Response(200, [shapes.review_comment(ctx.urls, ctx.state, c) for c in page], headers)
