"""Issues (pull requests are issues too), issue comments, reactions and issue labels."""

from __future__ import annotations

from typing import Any

from .. import shapes
from ..errors import ApiError, invalid_request, not_found, validation_failed
from ..routes import Ctx, Response, need, repo_of, router
from ..schema import check_object, opt, req
from ..state import REACTIONS, Comment, Issue, Reaction, Repo, now_iso, role_at_least

MAX_BODY = 65536  # GitHub refuses longer comment and issue bodies


def _check_body_length(text: str | None, resource: str) -> None:
    if text is not None and len(text) > MAX_BODY:
        raise validation_failed({"resource": resource, "code": "custom", "field": "body",
                                 "message": f"body is too long (maximum is {MAX_BODY} characters)"})


@router.route("GET", "/repos/{owner}/{repo}/issues/{number:int}")
def get_issue(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    return Response(200, shapes.issue(ctx.urls, ctx.state, ctx.state.issue(found, number)))


@router.route("GET", "/repos/{owner}/{repo}/issues")
def list_issues(ctx: Ctx, owner: str, repo: str) -> Response:
    """Issues and pull requests (GitHub lists both here), newest first by default."""
    found = repo_of(ctx, owner, repo)
    state = ctx.enum_arg("state", ("open", "closed", "all"), "open")
    sort = ctx.enum_arg("sort", ("created", "updated", "comments"), "created")
    direction = ctx.enum_arg("direction", ("asc", "desc"), "desc")
    issues = [i for i in found.issues.values() if state == "all" or i.state == state]
    creator = ctx.arg("creator")
    if creator:
        issues = [i for i in issues if i.user.login.lower() == creator.lower()]
    labels = [n.strip().lower() for n in (ctx.arg("labels") or "").split(",") if n.strip()]
    issues = [i for i in issues if all(n in (x.lower() for x in i.labels) for n in labels)]
    key = {"created": lambda i: (i.created_at, i.number), "updated": lambda i: (i.updated_at, i.number),
           "comments": lambda i: (len(i.comment_ids), i.number)}[sort]
    issues.sort(key=key, reverse=direction == "desc")
    page, headers = ctx.paginate(issues, found)
    return Response(200, [shapes.issue(ctx.urls, ctx.state, i) for i in page], headers)


@router.route("POST", "/repos/{owner}/{repo}/issues")
def create_issue(ctx: Ctx, owner: str, repo: str) -> Response:
    found = repo_of(ctx, owner, repo)
    body = check_object(ctx.body, {"title": req(str), "body": opt(str, nullable=True), "labels": opt(list)})
    _check_body_length(body.get("body"), "Issue")
    issue = ctx.state.new_issue(found, body["title"], body.get("body"), ctx.user)
    if body.get("labels"):
        _set_labels(ctx, found, issue, _label_names(body["labels"]), replace=True)
    return Response(201, shapes.issue(ctx.urls, ctx.state, issue))


@router.route("PATCH", "/repos/{owner}/{repo}/issues/{number:int}")
def edit_issue(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.issue(found, number)
    if ctx.user is not issue.user:
        need(ctx, found, "triage")
    body = check_object(ctx.body, {"title": opt(str), "body": opt(str, nullable=True),
                                   "state": opt(str, enum=("open", "closed")), "labels": opt(list)})
    _check_body_length(body.get("body"), "Issue")
    if "title" in body:
        issue.title = body["title"]
    if "body" in body:
        issue.body = body["body"]
    if "state" in body and body["state"] != issue.state:
        issue.state = body["state"]
        issue.closed_at = now_iso() if issue.state == "closed" else None
    if "labels" in body:
        _set_labels(ctx, found, issue, _label_names(body["labels"]), replace=True)
    issue.updated_at = now_iso()
    return Response(200, shapes.issue(ctx.urls, ctx.state, issue))


# -- comments ---------------------------------------------------------------------------------------


@router.route("GET", "/repos/{owner}/{repo}/issues/{number:int}/comments")
def list_comments(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.issue(found, number)
    comments = [ctx.state.comments[i] for i in issue.comment_ids if i in ctx.state.comments]
    page, headers = ctx.paginate(comments, found)
    return Response(200, [shapes.comment(ctx.urls, ctx.state, c) for c in page], headers)


@router.route("POST", "/repos/{owner}/{repo}/issues/{number:int}/comments")
def create_comment(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.issue(found, number)
    body = check_object(ctx.body, {"body": req(str)})
    if not body["body"].strip():
        raise validation_failed({"resource": "IssueComment", "code": "missing_field", "field": "body"})
    _check_body_length(body["body"], "IssueComment")
    comment = ctx.state.add_comment(found, issue, ctx.user, body["body"])
    return Response(201, shapes.comment(ctx.urls, ctx.state, comment))


def _own_or_write(ctx: Ctx, repo: Repo, comment: Comment) -> None:
    if comment.user is not ctx.user:
        need(ctx, repo, "write")


@router.route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id:int}")
def get_comment(ctx: Ctx, owner: str, repo: str, comment_id: int) -> Response:
    found = repo_of(ctx, owner, repo)
    return Response(200, shapes.comment(ctx.urls, ctx.state, ctx.state.comment(found, comment_id)))


@router.route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id:int}")
def edit_comment(ctx: Ctx, owner: str, repo: str, comment_id: int) -> Response:
    found = repo_of(ctx, owner, repo)
    comment = ctx.state.comment(found, comment_id)
    _own_or_write(ctx, found, comment)
    body = check_object(ctx.body, {"body": req(str)})
    _check_body_length(body["body"], "IssueComment")
    comment.body = body["body"]
    comment.updated_at = now_iso()
    return Response(200, shapes.comment(ctx.urls, ctx.state, comment))


@router.route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id:int}")
def delete_comment(ctx: Ctx, owner: str, repo: str, comment_id: int) -> Response:
    found = repo_of(ctx, owner, repo)
    comment = ctx.state.comment(found, comment_id)
    _own_or_write(ctx, found, comment)
    del ctx.state.comments[comment_id]
    issue = found.issues[comment.issue_number]
    issue.comment_ids.remove(comment_id)
    return Response(204)


# -- reactions ------------------------------------------------------------------------------------


def _react(ctx: Ctx, reactions: list[Reaction]) -> Response:
    body = check_object(ctx.body, {"content": req(str)})
    if body["content"] not in REACTIONS:
        raise validation_failed({"resource": "Reaction", "code": "invalid", "field": "content",
                                 "value": body["content"]},
                                doc="https://docs.github.com/rest/reactions/reactions")
    for existing in reactions:
        if existing.user is ctx.user and existing.content == body["content"]:
            return Response(200, shapes.reaction(ctx.urls, existing))  # idempotent: the same reaction again
    reaction = Reaction(ctx.state.next_id("reaction"), ctx.user, body["content"], now_iso())
    reactions.append(reaction)
    return Response(201, shapes.reaction(ctx.urls, reaction))


def _list_reactions(ctx: Ctx, repo: Repo, reactions: list[Reaction]) -> Response:
    content = ctx.arg("content")
    chosen = [r for r in reactions if content is None or r.content == content]
    page, headers = ctx.paginate(chosen, repo)
    return Response(200, [shapes.reaction(ctx.urls, r) for r in page], headers)


@router.route("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id:int}/reactions")
def react_comment(ctx: Ctx, owner: str, repo: str, comment_id: int) -> Response:
    found = repo_of(ctx, owner, repo)
    return _react(ctx, ctx.state.comment(found, comment_id).reactions)


@router.route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id:int}/reactions")
def comment_reactions(ctx: Ctx, owner: str, repo: str, comment_id: int) -> Response:
    found = repo_of(ctx, owner, repo)
    return _list_reactions(ctx, found, ctx.state.comment(found, comment_id).reactions)


@router.route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id:int}/reactions/{reaction_id:int}")
def delete_comment_reaction(ctx: Ctx, owner: str, repo: str, comment_id: int, reaction_id: int) -> Response:
    found = repo_of(ctx, owner, repo)
    reactions = ctx.state.comment(found, comment_id).reactions
    target = next((r for r in reactions if r.id == reaction_id), None)
    if target is None:
        raise not_found()
    if target.user is not ctx.user:
        need(ctx, found, "write")
    reactions.remove(target)
    return Response(204)


@router.route("POST", "/repos/{owner}/{repo}/issues/{number:int}/reactions")
def react_issue(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    return _react(ctx, ctx.state.issue(found, number).reactions)


@router.route("GET", "/repos/{owner}/{repo}/issues/{number:int}/reactions")
def issue_reactions(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    return _list_reactions(ctx, found, ctx.state.issue(found, number).reactions)


# -- issue labels ----------------------------------------------------------------------------------


def _label_names(raw: Any) -> list[str]:
    """Labels as GitHub accepts them: ``["a"]``, ``{"labels": ["a"]}`` or ``[{"name": "a"}]``."""
    if isinstance(raw, dict):
        if set(raw) != {"labels"}:
            raise invalid_request("\"labels\" wasn't supplied.")
        raw = raw["labels"]
    if not isinstance(raw, list):
        raise invalid_request(f"For 'properties/labels', {raw!r} is not an array.")
    names = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            item = item["name"]
        if not isinstance(item, str) or not item.strip():
            raise invalid_request("For 'items', every label must be a non-empty string.")
        names.append(item.strip())
    return names


def _set_labels(ctx: Ctx, repo: Repo, issue: Issue, names: list[str], replace: bool) -> None:
    if not role_at_least(ctx.state.role(repo, ctx.user), "triage"):
        raise ApiError(403, "Resource not accessible by integration" if ctx.user.type == "Bot"
                       else "Must have triage access to repository")
    current = [] if replace else list(issue.labels)
    for name in names:
        label = ctx.state.label(repo, name, create=True)
        if label.name.lower() not in (n.lower() for n in current):
            current.append(label.name)
    issue.labels = current
    issue.updated_at = now_iso()


def _labels_response(ctx: Ctx, repo: Repo, issue: Issue) -> list[dict[str, Any]]:
    return [shapes.label(ctx.urls, repo, repo.labels[n.lower()]) for n in issue.labels]


@router.route("GET", "/repos/{owner}/{repo}/issues/{number:int}/labels")
def issue_labels(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.issue(found, number)
    return Response(200, _labels_response(ctx, found, issue))


@router.route("POST", "/repos/{owner}/{repo}/issues/{number:int}/labels")
@router.route("PUT", "/repos/{owner}/{repo}/issues/{number:int}/labels")
def set_labels(ctx: Ctx, owner: str, repo: str, number: int) -> Response:
    """POST adds the labels, PUT replaces the issue's labels with them."""
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.issue(found, number)
    _set_labels(ctx, found, issue, _label_names(ctx.body), replace=ctx.method == "PUT")
    return Response(200, _labels_response(ctx, found, issue))


@router.route("DELETE", "/repos/{owner}/{repo}/issues/{number:int}/labels/{name}")
def remove_label(ctx: Ctx, owner: str, repo: str, number: int, name: str) -> Response:
    found = repo_of(ctx, owner, repo)
    issue = ctx.state.issue(found, number)
    if not role_at_least(ctx.state.role(found, ctx.user), "triage"):
        raise ApiError(403, "Resource not accessible by integration")
    kept = [n for n in issue.labels if n.lower() != name.lower()]
    if len(kept) == len(issue.labels):
        raise ApiError(404, "Label does not exist")
    issue.labels = kept
    return Response(200, _labels_response(ctx, found, issue))
